"""``healthgap decisions ...``: recording, linking, responses, the register as CSV and
JSON, coverage, questions, overdue reminders to the outbox, the cycle and the look back;
bad input exits 2 with the message and stores nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import init_db, sessions
from healthgap.appdb.permissions import Actor
from healthgap.cli.main import app
from healthgap.decisions import scrutiny
from tests.decisions.conftest import GM, make_screening

ED = "ana@example.org"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = init_db(url)
    with sessions(engine)() as s:
        add_user(s, ED, "pw-123456789-long", "editor", GM)
    engine.dispose()
    return url


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_record_link_respond_and_export(db: str, tmp_path: Path) -> None:
    got = run(
        "decisions",
        "add",
        GM,
        "--title",
        "Fares cap",
        "--maker",
        "Mayor",
        "--directorate",
        "Transport",
        "--date",
        "2026-05-01",
        "--key",
        "--budget",
        "1000000",
        "--document",
        "Report | https://example.org/r.pdf",
        "--as",
        ED,
        "--db",
        db,
    )
    assert got.exit_code == 0, got.output
    did = got.stdout.strip()
    engine = init_db(db)
    sid = make_screening(engine)(GM, dt.date(2026, 4, 1), "less deprived areas gain more")
    engine.dispose()
    assert (
        run("decisions", "link", did, str(sid), "--version", "1", "--as", ED, "--db", db).exit_code
        == 0
    )
    recs = tmp_path / "recs.json"
    recs.write_text(json.dumps([{"recommendation": "Target decile 1", "response": "accepted"}]))
    got = run(
        "decisions",
        "respond",
        did,
        str(sid),
        "--file",
        str(recs),
        "--version",
        "2",
        "--as",
        ED,
        "--db",
        db,
    )
    assert got.exit_code == 0, got.output
    out = tmp_path / "register.csv"
    assert run("decisions", "list", "--authority", GM, "--out", str(out), "--db", db).exit_code == 0
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (row["screening_status"], row["predicted_effect"], row["recommendations_accepted"]) == (
        "screened before",
        "widening",
        "1",
    )
    cov = tmp_path / "coverage.json"
    got = run("decisions", "coverage", "--out", str(cov), "--db", db)
    assert "expected a widening gap: decision" in got.stderr
    assert json.loads(cov.read_text())[0]["share_screened_before"] == 100.0
    shown = json.loads(run("decisions", "show", did, "--db", db).stdout)
    assert shown["version"] == 3


def test_bad_input_exits_2_and_stores_nothing(db: str, tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "healthgap",
            "decisions",
            "add",
            GM,
            "--title",
            "X",
            "--maker",
            "M",
            "--directorate",
            "D",
            "--date",
            "May 2026",
            "--as",
            ED,
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "the date of the decision must be a date written YYYY-MM-DD" in proc.stderr
    assert "Traceback" not in proc.stderr
    got = run("decisions", "list", "--out", str(tmp_path / "x.csv"), "--db", db)
    assert got.exit_code == 0
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "x.csv").read_text())))) == 0


def test_questions_reminders_and_cycle(db: str, tmp_path: Path) -> None:
    engine = init_db(db)
    scrutiny.record_committee(
        engine,
        Actor(ED, "editor", GM),
        GM,
        {
            "asked_by": "health and wellbeing board",
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": "Why?",
            "asked_on": "2026-01-05",
            "due_on": "2026-02-01",
        },
        dt.date(2026, 3, 1),
    )
    engine.dispose()
    got = run("decisions", "questions", "--overdue", "--today", "2026-03-01", "--db", db)
    assert got.exit_code == 0 and "Why?" in got.stdout
    first = run("decisions", "remind", "--today", "2026-03-01", "--db", db)
    assert "28 days overdue" in first.stdout and "1 reminders written" in first.stderr
    again = run("decisions", "remind", "--today", "2026-03-01", "--db", db)
    assert "already written today" in again.stdout and "0 reminders written" in again.stderr
    got = run(
        "decisions",
        "step",
        GM,
        "2025",
        "scrutiny_held",
        "--status",
        "done",
        "--done-on",
        "2026-03-10",
        "--evidence",
        "Minutes",
        "--version",
        "0",
        "--as",
        ED,
        "--db",
        db,
    )
    assert got.exit_code == 0, got.output
    out = tmp_path / "cycle.json"
    run("decisions", "cycle", GM, "--year", "2025", "--out", str(out), "--db", db)
    steps = json.loads(out.read_text())
    assert steps[3]["status"] == "done" and steps[3]["version"] == 1
    got = run("decisions", "review", GM, "--year", "2025", "--today", "2026-04-02", "--db", db)
    assert "1 questions put on the record" in got.stderr
