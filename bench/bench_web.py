"""Load run against a local healthgap server: 20 concurrent clients on the area profile
page and the API endpoints; p50/p95/p99 latency, requests per second and errors.

    .venv/bin/python bench/bench_web.py                 # 60 s
    .venv/bin/python bench/bench_web.py --seconds 10    # shorter (or HEALTHGAP_BENCH_SECONDS)

The server is started with ``healthgap serve`` in its own process on the store at
$HEALTHGAP_STORE, else one built from the mirror ($HEALTHGAP_MIRROR or ../shared/data) in a
temporary folder. The baseline is issue 8's goal: p95 under 200 ms with no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

CLIENTS = 20
GOAL_P95_MS = 200.0
URLS = [
    "/areas/E06000001",
    "/areas/E08000025",
    "/api/v1/areas/E06000001/profile",
    "/api/v1/hle-gap",
    "/api/v1/inequality",
    "/api/v1/areas?limit=100&offset=100",
]
REPO = Path(__file__).resolve().parents[1]


def _store(tmp: Path) -> str:
    if os.environ.get("HEALTHGAP_STORE"):
        return os.environ["HEALTHGAP_STORE"]
    from healthgap.data.store import init_store

    mirror = os.environ.get("HEALTHGAP_MIRROR") or str(REPO.parent / "shared" / "data")
    path = tmp / "store.duckdb"
    init_store(path, mirror=mirror).close()
    return str(path)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _client(base: str, until: float, lat: list[float], errors: list[str], i: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        k = i
        while time.perf_counter() < until:
            url = URLS[k % len(URLS)]
            k += 1
            t0 = time.perf_counter()
            try:
                r = await c.get(url)
                if r.status_code != 200:
                    errors.append(f"{url}: {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{url}: {exc!r}")
            lat.append(time.perf_counter() - t0)


async def _load(base: str, seconds: float) -> tuple[list[float], list[str]]:
    lat: list[float] = []
    errors: list[str] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_client(base, until, lat, errors, i) for i in range(CLIENTS)))
    return lat, errors


def _seconds(argv: list[str] | None) -> float:
    parser = argparse.ArgumentParser(description="Load run against a local healthgap server.")
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("HEALTHGAP_BENCH_SECONDS", "60")),
        help="how long the clients send requests (default 60)",
    )
    seconds = float(parser.parse_args(argv).seconds)
    if not seconds > 0:
        parser.error(f"--seconds must be more than 0; got {seconds:g}")
    return seconds


def main(argv: list[str] | None = None) -> None:
    # bench/run.py calls main() with no arguments: the defaults (60 s).
    seconds = _seconds([] if argv is None else argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp))
        port = _port()
        env = {**os.environ, "HEALTHGAP_SECRET_KEY": "bench"}
        cmd = [
            sys.executable,
            "-m",
            "healthgap",
            "serve",
            "--port",
            str(port),
            "--store",
            store,
            "--db",
            f"sqlite:///{tmp}/app.db",
        ]
        server = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    for url in URLS:  # warm the caches once
                        httpx.get(base + url, timeout=60)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            lat, errors = asyncio.run(_load(base, seconds))
        finally:
            server.terminate()
            server.wait(10)
    ms = np.array(lat) * 1000
    if len(ms) == 0:
        print(f"web load: no request finished in {seconds:g} s; {len(errors)} errors")
        return
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(
        f"web load: {CLIENTS} clients x {seconds:.0f} s, {len(ms)} requests "
        f"({len(ms) / seconds:.0f}/s), {len(errors)} errors"
    )
    print(
        f"  healthgap p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; "
        f"goal p95 {GOAL_P95_MS:.0f} ms; "
        f"ratio p95/goal {p95 / GOAL_P95_MS:.2f}"
    )
    for e in errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main(sys.argv[1:])
