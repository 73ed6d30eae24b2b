"""CLI updates of versioned records name the version they read (``--if-version``).

Like the API's ``If-Match`` (409 stale, 428 missing): a command without the version is
refused with exit code 2, one naming a version that is no longer current with exit code 3,
each with a message saying what to do, and nothing changes. The concurrent cases run real
``healthgap`` processes at the same time, both claiming to have read the same version:
exactly one succeeds and the record holds only its change. The single commands (a missing
or stale version) run in this process (tests/cli_run.py): two at once is where the process
is the point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthgap.framework.storage import Workspace
from healthgap.policy.screening import ScreeningRepository
from tests.cli_run import run_healthgap

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env(store: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": SRC,
        "HEALTHGAP_STORE": str(store),
        "HEALTHGAP_DB": str(tmp_path / "fw.sqlite"),
    }


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "healthgap", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _together(env: dict[str, str], *commands: list[str]) -> list[tuple[int, str]]:
    """Run the commands at the same time; (exit code, stderr) of each."""
    procs = [_start(env, *c) for c in commands]
    out = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        out.append((p.returncode, " ".join(err.split())))
    return out


def _once(env: dict[str, str], *args: str) -> tuple[int, str]:
    """One command, in this process: (exit code, stderr)."""
    done = run_healthgap(*args, env={k: env[k] for k in ("HEALTHGAP_STORE", "HEALTHGAP_DB")})
    return done.returncode, " ".join(done.stderr.split())


@pytest.fixture
def screening(tmp_path: Path) -> tuple[str, int]:
    db = str(tmp_path / "app.db")
    repo = ScreeningRepository(db)
    try:
        sid = repo.create("Employment support", authority="E47000001", by="Ann")
        assert repo.get(sid).version == 1
    finally:
        repo.close()
    return db, sid


def _events(db: str, sid: int) -> list[str]:
    repo = ScreeningRepository(db)
    try:
        return [e.kind for e in repo.get(sid).history]
    finally:
        repo.close()


def test_two_processes_answering_from_the_same_version_one_wins(
    screening: tuple[str, int], store_path: Path, tmp_path: Path
) -> None:
    db, sid = screening
    env = _env(store_path, tmp_path)
    base = ["policy", "screen", "answer", str(sid), "summary"]
    results = _together(
        env,
        [*base, "Ann's summary", "--by", "Ann", "--db", db, "--if-version", "1"],
        [*base, "Bob's summary", "--by", "Bob", "--db", db, "--if-version", "1"],
    )
    codes = sorted(code for code, _ in results)
    assert codes == [0, 3], results
    (loser,) = [err for code, err in results if code == 3]
    assert "changed by someone else since you read it" in loser
    assert "based on version 1, but it is now version 2" in loser
    assert "Nothing was changed" in loser and "Traceback" not in loser
    assert _events(db, sid) == ["created", "answered"]


def test_an_answer_without_a_version_is_refused(
    screening: tuple[str, int], store_path: Path, tmp_path: Path
) -> None:
    db, sid = screening
    code, err = _once(
        _env(store_path, tmp_path),
        *["policy", "screen", "answer", str(sid), "summary", "text", "--by", "Ann", "--db", db],
    )
    assert code == 2
    assert "must name the version it is based on" in err and "--if-version" in err
    assert _events(db, sid) == ["created"]


def test_a_sign_off_of_answers_changed_since_is_refused(
    screening: tuple[str, int], store_path: Path, tmp_path: Path
) -> None:
    from tests.policy.test_screening import ANSWERS

    db, sid = screening
    repo = ScreeningRepository(db)
    try:
        version = repo.answer_all(sid, ANSWERS, by="Ann")
        read = version  # what the approver read and checked
        repo.answer(sid, "summary", "changed after the approver read it", by="Ann")
    finally:
        repo.close()
    args = ["policy", "screen", "sign-off", str(sid), "--by", "Dee", "--role", "DPH"]
    code, err = _once(_env(store_path, tmp_path), *args, "--db", db, "--if-version", str(read))
    assert code == 3, err
    assert f"based on version {read}, but it is now version {read + 1}" in err
    assert "signed_off" not in _events(db, sid)
    code, err = _once(_env(store_path, tmp_path), *args, "--db", db, "--if-version", str(read + 1))
    assert code == 0, err
    assert _events(db, sid)[-1] == "signed_off"


def test_two_processes_updating_one_action_one_wins(store_path: Path, tmp_path: Path) -> None:
    env = _env(store_path, tmp_path)
    code, err = _once(env, "framework", "actions", "add", "E47000001", "--title", "Link workers")
    assert code == 0, err
    base = ["framework", "actions", "update", "E47000001", "E47000001-action-1"]
    missing = _once(env, *base, "--status", "done")
    assert missing[0] == 2 and "--if-version" in missing[1]
    results = _together(
        env,
        [*base, "--owner", "Ann", "--if-version", "1"],
        [*base, "--owner", "Bob", "--if-version", "1"],
    )
    assert sorted(code for code, _ in results) == [0, 3], results
    winner = "Ann" if results[0][0] == 0 else "Bob"
    ws = Workspace(str(tmp_path / "fw.sqlite"))
    try:
        last = ws.get("action", "E47000001-action-1")
        assert last is not None
        assert (last.version, last.data["owner"]) == (2, winner)
    finally:
        ws.close()


def test_powers_corrections_name_the_version(store_path: Path, tmp_path: Path) -> None:
    env = _env(store_path, tmp_path)
    record = ["framework", "powers", "record", "test.power", "--text", "A test power"]
    record += ["--source", "A test source", "--as-of", "2026-01-01", "--applies-to", "all"]
    # two new recordings at once: both read it as new (version 0); one wins
    new = [*record, "--if-version", "0"]
    results = _together(env, [*new, "--user", "ann"], [*new, "--user", "bob"])
    assert sorted(code for code, _ in results) == [0, 3], results
    code, err = _once(env, *record)  # a correction without the version
    assert code == 2 and "must name the version" in err and "version 1" in err
    assert "--if-version N" in err
    assert _once(env, *record, "--if-version", "1")[0] == 0
    code, err = _once(env, *record, "--if-version", "1")  # stale now
    assert code == 3 and "it is now version 2" in err
