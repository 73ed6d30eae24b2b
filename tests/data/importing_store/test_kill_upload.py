"""``kill -9`` at many moments of an upload, from the command line (from the web:
test_kill_upload_web.py).

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

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.data.importing_store.killing import (
    POINTS,
    app_db,
    env_for,
    outcome,
    published,
    upload,
    wait_then_kill,
)


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
        env=env_for(url, point),
    )
    try:
        wait_then_kill(proc, point, Path(f"{store}.wal"))
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
