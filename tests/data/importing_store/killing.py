"""What the kill -9 upload tests share (test_kill_upload.py from the command line,
test_kill_upload_web.py from the web; two files so that parallel workers can share them out):
the synthetic files, the clean reference, the kill and the check of what is left."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import init_db, sessions
from healthgap.appdb.models import AuditEntry
from healthgap.data.loading import table_checksum
from healthgap.data.synth import synthetic_indicator_rows
from healthgap.web.app import create_app
from healthgap.web.settings import Settings

REPO = Path(__file__).resolve().parents[3]
ROWS = 60_000  # the file for the write-ahead-log case: long enough to kill mid-write
SMALL = 2_000  # the file for the named kill points
EMAIL = "admin@example.org"
PASSWORD = "correct horse battery staple"


def generate(path: Path, n: int = ROWS) -> Path:
    """Synthetic: ``n`` distinct valid rows of a tidy CSV."""
    synthetic_indicator_rows(n, "kill_test").to_csv(path, index=False)
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


def upload(files: dict[int, Path], point: str | None) -> tuple[Path, int]:
    """The file a case uploads and its number of rows."""
    n = SMALL if point else ROWS
    return files[n], n


def env_for(url: str, point: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HEALTHGAP_KILL_POINT"}
    env.update({"PYTHONPATH": str(REPO / "src"), "HEALTHGAP_DB": url})
    if point:
        env["HEALTHGAP_KILL_POINT"] = point
    return env


def wait_then_kill(proc: subprocess.Popen[str], point: str | None, wal: Path) -> None:
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
