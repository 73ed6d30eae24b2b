"""``kill -9`` of a real web server (uvicorn) at many moments of an upload; see
test_kill_upload.py for what is checked afterwards."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.data.importing_store.killing import (
    EMAIL,
    PASSWORD,
    POINTS,
    app_db,
    env_for,
    outcome,
    published,
    upload,
    wait_then_kill,
)


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
    env = {k: v for k, v in env_for(url, point).items() if "proxy" not in k.lower()}
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
        wait_then_kill(proc, point, Path(f"{store}.wal"))
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
