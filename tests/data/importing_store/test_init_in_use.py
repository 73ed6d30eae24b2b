"""``healthgap init`` while ``healthgap serve`` runs on the same store.

The server keeps the store open; rebuilding it under the server would leave the server
reading a replaced file, and an upload landing between the copy of the local layer and
the swap would be lost. ``init`` therefore refuses, with exit code 2 and a message naming
the remedy, and changes nothing; once the server has stopped, the same command works.
Real processes: a real ``healthgap serve`` and real ``healthgap init`` commands.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.data.open_data._mirror import mirror_or_skip

SRC = str(Path(__file__).resolve().parents[3] / "src")
IDS = ["--dataset", "ons_le_regions", "--dataset", "ohid_cvd_u75_preventable"]


def _env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
        "PYTHONPATH": SRC,
        "HEALTHGAP_SECRET_KEY": "init-while-serving-" + "k" * 32,
    }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _init(store: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "healthgap", "init", "--store", str(store)]
    cmd += ["--mirror", str(mirror_or_skip()), *IDS]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)


def test_init_refuses_while_the_server_has_the_store_open(store: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [sys.executable, "-m", "healthgap", "serve", "--port", str(port)]
    cmd += ["--store", str(store), "--db", f"sqlite:///{tmp_path}/app.db"]
    server = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                first = httpx.get(base + "/api/v1/sources", timeout=60, trust_env=False)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert first.status_code == 200  # the server has the store open now
        before = _digest(store)

        refused = _init(store)

        assert refused.returncode == 2, refused.stderr
        message = " ".join(refused.stderr.split())
        assert "must not be in use while it is rebuilt" in message
        assert "Nothing was changed" in message
        assert "Traceback" not in refused.stderr
        assert _digest(store) == before
        assert sorted(p.name for p in store.parent.iterdir() if "building" in p.name) == []
        again = httpx.get(base + "/api/v1/sources", timeout=60, trust_env=False)
        assert again.status_code == 200
        assert again.json() == first.json()  # still serving the same data
    finally:
        server.terminate()
        server.wait(30)

    done = _init(store)
    assert done.returncode == 0, done.stderr
    assert "Store ready" in done.stderr
