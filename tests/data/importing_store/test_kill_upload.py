"""``kill -9`` at many moments of an upload, from the command line and from the web.

A real process (``healthgap import`` or the web service under uvicorn) is killed with
SIGKILL at a named moment (``$HEALTHGAP_KILL_POINT``, see
:func:`healthgap.data.local.kill_point`) or as soon as the store's write-ahead log
appears. Afterwards the web app is started on the same files (it delivers the audit
outbox at start-up) and the test checks that:

* the store holds exactly the old data (no local dataset, no local rows) or exactly the
  new (one dataset whose rows equal a clean run's, row for row by checksum);
* the published tables are untouched either way;
* ``/api/v1/local-datasets`` (what /sources lists) and the audit log agree: one audit
  entry for the dataset if and only if it is there.

The file is synthetic (labelled): distinct rows with GSS-shaped codes, generated here.
A named kill point is reached whatever the file's size (60,000 rows were one parsing chunk
anyway), so those cases upload a small file; only the write-ahead-log case, which kills at
a moment it cannot name, keeps the large one, so that the write is still under way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import init_db, sessions
from healthgap.appdb.models import AuditEntry
from healthgap.data.loading import table_checksum
from healthgap.web.app import create_app
from healthgap.web.settings import Settings

REPO = Path(__file__).resolve().parents[3]
ROWS = 60_000  # the file for the write-ahead-log case: long enough to kill mid-write
SMALL = 2_000  # the file for the named kill points
EMAIL = "admin@example.org"
PASSWORD = "correct horse battery staple"


def generate(path: Path, n: int = ROWS) -> Path:
    """Synthetic: ``n`` distinct valid rows of a tidy CSV."""
    i = np.arange(n)
    pd.DataFrame(
        {
            "indicator_id": "kill_test",
            "area_code": [f"E{k:08d}" for k in i // 20],
            "area_type": "lad",
            "sex": "Persons",
            "age": "All ages",
            "period": (2000 + i % 20).astype(str),
            "value": (i % 997) / 7.0,
        }
    ).to_csv(path, index=False)
    return path


def published(store: Path) -> tuple[tuple[int, int], ...]:
    return tuple(table_checksum(store, t) for t in ("indicators", "areas", "datasets"))


def app_db(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = init_db(url)
    with sessions(engine)() as s:
        add_user(s, EMAIL, PASSWORD, "admin", None)
        s.commit()
    engine.dispose()
    return url


def outcome(store: Path, url: str, rows: int) -> tuple[str, tuple[int, int] | None]:
    """Start the app on the files (delivering the outbox); return "old" or "new" and the
    local rows' checksum, after checking that the datasets list and the audit log agree."""
    app = create_app(Settings(store=str(store), db_url=url))
    with TestClient(app) as c:
        listed = c.get("/api/v1/local-datasets").json()["data"]
    app.state.store.close()
    with app.state.sessions() as s:
        entries = s.query(AuditEntry).filter(AuditEntry.entity == "local_dataset").all()
    app.state.engine.dispose()
    if not listed:
        assert entries == []
        names = table_names(store)
        if "local_indicators" in names:
            assert table_checksum(store, "local_indicators")[0] == 0
        return "old", None
    (dataset,) = listed
    assert dataset["status"] == "active" and dataset["rows"] == rows
    assert [(e.action, e.entity_id) for e in entries] == [("import", dataset["id"])]
    assert entries[0].after["checksum"] == dataset["checksum"]
    return "new", table_checksum(store, "local_indicators")


def table_names(store: Path) -> set[str]:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("kill")
    return {n: generate(folder / f"rows{n}.csv", n) for n in (SMALL, ROWS)}


@pytest.fixture(scope="module")
def clean(
    base_store: Path, files: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, tuple[int, int] | None]:
    """The local rows' checksum after an uninterrupted upload of each file (the "new"
    state), run in this process: the process is not the point here."""
    from tests.cli_run import run_healthgap

    sums = {}
    for n, csv in files.items():
        folder = tmp_path_factory.mktemp("clean")
        store = folder / "store.duckdb"
        shutil.copyfile(base_store, store)
        url = app_db(folder / "app.db")
        done = run_healthgap("import", str(csv), "--store", str(store), env={"HEALTHGAP_DB": url})
        assert done.returncode == 0, done.stderr
        state, sums[n] = outcome(store, url, n)
        assert state == "new"
    return sums


def upload(files: dict[int, Path], point: str | None) -> tuple[Path, int]:
    """The file a case uploads and its number of rows."""
    n = SMALL if point else ROWS
    return files[n], n


def _env(url: str, point: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HEALTHGAP_KILL_POINT"}
    env.update({"PYTHONPATH": str(REPO / "src"), "HEALTHGAP_DB": url})
    if point:
        env["HEALTHGAP_KILL_POINT"] = point
    return env


def _wait_then_kill(proc: subprocess.Popen[str], point: str | None, wal: Path) -> None:
    """Kill ``proc`` at the kill point it announces, or when ``wal`` appears."""
    if point is None:
        deadline = time.monotonic() + 120
        while not wal.exists():
            assert proc.poll() is None, "the upload finished before its WAL appeared"
            assert time.monotonic() < deadline
            time.sleep(0.0005)
    else:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == f"kill-point {point}":
                break
        else:
            raise AssertionError(f"the process ended without reaching {point}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


#: (kill point, the state it must leave): before the commit nothing may be there; after
#: it, everything (the audit entry is delivered at the next start).
POINTS = [
    ("staged", "old"),
    ("rows-inserted", "old"),
    ("before-commit", "old"),
    ("committed", "new"),
    ("audit-delivered", "new"),
    (None, "either"),  # as soon as the write-ahead log appears
]


@pytest.mark.parametrize(("point", "expected"), POINTS)
def test_kill_9_during_a_cli_upload(
    store: Path,
    tmp_path: Path,
    files: dict[int, Path],
    clean: Any,
    point: str | None,
    expected: str,
) -> None:
    csv, rows = upload(files, point)
    before = published(store)
    url = app_db(tmp_path / "app.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "healthgap", "import", str(csv), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(url, point),
    )
    try:
        _wait_then_kill(proc, point, Path(f"{store}.wal"))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close() if proc.stdout else None
    state, checksum = outcome(store, url, rows)
    assert published(store) == before
    if expected != "either":
        assert state == expected
    if state == "new":
        assert checksum == clean[rows]


def _orphans(server: int) -> list[int]:
    """Worker processes the killed server started that are still running (after 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
                env = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmd and f"HEALTHGAP_TEST_SERVER={server}".encode() in env:
                left.append(int(entry.name))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = """
import sys, uvicorn
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
import os
os.environ["HEALTHGAP_TEST_SERVER"] = str(os.getpid())  # inherited by its workers
app = create_app(Settings(store=sys.argv[1], db_url=sys.argv[2], secret_key="k" * 32))
print("serving", flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
"""


@pytest.mark.parametrize(("point", "expected"), [p for p in POINTS if p[0] != "staged"])
def test_kill_9_during_a_web_upload(
    store: Path,
    tmp_path: Path,
    files: dict[int, Path],
    clean: Any,
    point: str | None,
    expected: str,
) -> None:
    import httpx

    csv, rows = upload(files, point)
    before = published(store)
    url = app_db(tmp_path / "app.db")
    port = _free_port()
    env = {k: v for k, v in _env(url, point).items() if "proxy" not in k.lower()}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(store), url, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "serving"
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=120, trust_env=False)
        for _ in range(200):
            try:
                token = client.get("/api/v1/session").json()["csrf_token"]
                break
            except httpx.TransportError:
                time.sleep(0.05)
        signed = client.post(
            "/sign-in",
            data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        token = client.get("/api/v1/session").json()["csrf_token"]

        def post() -> None:
            with contextlib.suppress(httpx.TransportError):  # killed under the request
                client.post(
                    "/imports",
                    data={"format": "csv", "csrf_token": token},
                    files={"file": (csv.name, csv.read_bytes(), "text/csv")},
                )

        sender = threading.Thread(target=post)
        sender.start()
        _wait_then_kill(proc, point, Path(f"{store}.wal"))
        sender.join(timeout=60)
        client.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close() if proc.stdout else None
    state, checksum = outcome(store, url, rows)
    assert published(store) == before
    if expected != "either":
        assert state == expected
    if state == "new":
        assert checksum == clean[rows]
    assert _orphans(proc.pid) == []  # the server's parsing worker went with it
