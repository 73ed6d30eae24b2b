"""Mixed load: 20 readers and 3 writers for 60 s while a 1,000,000-row upload runs.

    .venv/bin/python bench/bench_mixed_load.py                      # 60 s, 1M rows
    .venv/bin/python bench/bench_mixed_load.py --seconds 15 --rows 200000   # shorter

A local healthgap server (``healthgap serve``, one process) runs on a copy of the store
($HEALTHGAP_STORE, else one built from the mirror) and a fresh app database. Then, at
the same time:

* **20 readers** cycle through every page and API endpoint an anonymous reader can open
  (``URLS``: area profiles with their local data, the home page, the inequality explorer,
  mission, maps, framework, allocation, ledger, partnerships, sources, methods, targets, the
  JSON API and its OpenAPI document);
* **3 writers**, each an editor of a different authority, create targets through the
  JSON API as fast as they are answered, keeping the id of every acknowledged (201)
  create;
* **1 uploader** (an administrator) uploads a synthetic Parquet file of ``--rows`` rows
  (labelled synthetic: GSS-shaped codes, generated here) through ``/imports`` two
  seconds in.

By default the whole run is made twice, each on a fresh copy: first a baseline with the
cache of anonymous responses turned off (``HEALTHGAP_PAGE_CACHE=0``), then the server as
deployed; the ratios of the two are printed (``--no-baseline`` runs only the second).

Afterwards every acknowledged target is read back (no acknowledged write may be lost)
and the upload is checked on ``/api/v1/local-datasets``. The run prints reader latency
(p50/p95/p99) overall and for the requests made while the upload was being parsed and
written, the number of reader requests over 1 s during the upload, the same figures for the
reads before and after it (a reader waiting on the import would make the first much
worse than the second), the slowest URLs (``--by-url``: every URL), errors, writes
acknowledged and lost. Goals (issue 17): 0 errors, 0 lost writes, reader p95 under
300 ms, no reader waiting on the import.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

READERS = 20
WRITERS = 3
GOAL_P95_MS = 300.0
SLOW_S = 1.0
PASSWORD = "bench password for the mixed load"
EDITORS = {
    "writer0@example.org": "E08000025",
    "writer1@example.org": "E06000001",
    "writer2@example.org": "E08000003",
}
ADMIN = "admin@example.org"
URLS = [
    # pages
    "/",
    "/areas",
    "/areas/E06000001",
    "/areas/E08000025",
    "/areas/E12000001",
    "/areas?q=hartle",
    "/inequality",
    "/inequality?indicator=93722",
    "/sources",
    "/methods",
    "/methods/sii",
    "/targets",
    "/sign-in",
    "/mission",
    "/scorecards",
    "/core20plus5",
    "/decomposition",
    "/maps",
    "/policy",
    "/policy/simulate",
    "/framework",
    "/framework/library",
    "/allocation",
    "/ledger",
    "/ledger/check",
    "/compare-areas",
    "/places",
    "/partnerships",
    "/docs",
    # JSON API
    "/openapi.json",
    "/api/v1/session",
    "/api/v1/hle-gap",
    "/api/v1/inequality",
    "/api/v1/areas?limit=100&offset=100",
    "/api/v1/areas/E06000001/profile",
    "/api/v1/areas/E06000001/local",
    "/api/v1/sources",
    "/api/v1/local-datasets",
    "/api/v1/targets?limit=10",
    "/api/v1/mission",
    "/api/v1/mission/income-gap",
    "/api/v1/mission/causes",
    "/api/v1/years-in-poorer-health",
    "/api/v1/decomposition",
    "/api/v1/maps",
    "/api/v1/policy/questions",
    "/api/v1/policy/screenings",
    "/api/v1/framework",
    "/api/v1/framework/library",
    "/api/v1/allocations",
    "/api/v1/ledger/check",
    "/api/v1/partnerships",
]
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """What the clients saw: (start, end) of every reader request, errors, writes."""

    reads: list[tuple[float, float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    written: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    upload: tuple[float, float] | None = None
    upload_answer: str = ""


def _store(tmp: Path) -> str:
    target = tmp / "store.duckdb"
    if os.environ.get("HEALTHGAP_STORE"):
        shutil.copyfile(os.environ["HEALTHGAP_STORE"], target)
        return str(target)
    from healthgap.data.store import init_store

    mirror = os.environ.get("HEALTHGAP_MIRROR") or str(REPO.parent / "shared" / "data")
    init_store(target, mirror=mirror).close()
    return str(target)


def _database(tmp: Path) -> str:
    from healthgap.appdb.auth import add_user
    from healthgap.appdb.db import init_db, sessions

    url = f"sqlite:///{tmp}/app.db"
    engine = init_db(url)
    with sessions(engine)() as s:
        add_user(s, ADMIN, PASSWORD, "admin", None)
        for email, authority in EDITORS.items():
            add_user(s, email, PASSWORD, "editor", authority)
        s.commit()
    engine.dispose()
    return url


def _upload_file(tmp: Path, rows: int) -> Path:
    """Synthetic: ``rows`` distinct valid indicator rows as Parquet."""
    from healthgap.data.synth import synthetic_indicator_rows

    path = tmp / "synthetic_upload.parquet"
    synthetic_indicator_rows(rows, "bench_synthetic").to_parquet(path, index=False)
    return path


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _signed_in(base: str, email: str) -> tuple[httpx.AsyncClient, str]:
    c = httpx.AsyncClient(base_url=base, timeout=300, trust_env=False)
    token = (await c.get("/api/v1/session")).json()["csrf_token"]
    r = await c.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {email} failed: {r.status_code}")
    token = (await c.get("/api/v1/session")).json()["csrf_token"]
    return c, token


async def _reader(base: str, until: float, run: Run, i: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, trust_env=False) as c:
        k = i
        while time.perf_counter() < until:
            url = URLS[k % len(URLS)]
            k += 1
            t0 = time.perf_counter()
            try:
                r = await c.get(url)
                if r.status_code != 200:
                    run.errors.append(f"GET {url}: {r.status_code}")
            except httpx.HTTPError as exc:
                run.errors.append(f"GET {url}: {exc!r}")
            run.reads.append((t0, time.perf_counter(), url))


async def _writer(base: str, until: float, run: Run, email: str) -> None:
    c, token = await _signed_in(base, email)
    n = 0
    try:
        while time.perf_counter() < until:
            n += 1
            body = {
                "authority_code": EDITORS[email],
                "indicator_id": "hle_birth",
                "sex": "Female",
                "baseline_period": "2022-2024",
                "target_year": 2030,
                "target_value": 62.0,
                "note": f"mixed load {email} #{n}",
            }
            try:
                r = await c.post("/api/v1/targets", json=body, headers={"X-CSRF-Token": token})
            except httpx.HTTPError as exc:
                run.errors.append(f"POST /api/v1/targets: {exc!r}")
                continue
            if r.status_code == 201:
                run.written.append((int(r.json()["id"]), body))
            else:
                run.errors.append(f"POST /api/v1/targets: {r.status_code} {r.text[:200]}")
    finally:
        await c.aclose()


async def _uploader(base: str, run: Run, file: Path, delay: float) -> None:
    c, token = await _signed_in(base, ADMIN)
    try:
        await asyncio.sleep(delay)
        content = file.read_bytes()
        t0 = time.perf_counter()
        r = await c.post(
            "/imports",
            data={"format": "parquet", "csrf_token": token},
            files={"file": (file.name, content, "application/octet-stream")},
        )
        run.upload = (t0, time.perf_counter())
        run.upload_answer = f"{r.status_code}"
        if r.status_code != 200:
            run.errors.append(f"POST /imports: {r.status_code}")
    finally:
        await c.aclose()


async def _load(base: str, seconds: float, file: Path) -> Run:
    run = Run()
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(_reader(base, until, run, i) for i in range(READERS)),
        *(_writer(base, until, run, email) for email in EDITORS),
        _uploader(base, run, file, 2.0),
    )
    return run


async def _check(base: str, run: Run, rows: int) -> tuple[int, int]:
    """(lost acknowledged writes, rows of the upload as listed)."""
    lost = 0
    async with httpx.AsyncClient(base_url=base, timeout=60, trust_env=False) as c:
        for target_id, body in run.written:
            r = await c.get(f"/api/v1/targets/{target_id}")
            if r.status_code != 200 or r.json().get("note") != body["note"]:
                lost += 1
        listed = (await c.get("/api/v1/local-datasets")).json()["data"]
    uploaded = sum(int(d["rows"]) for d in listed if d["file"] == "synthetic_upload.parquet")
    return lost, uploaded


def _serve_and_load(args: argparse.Namespace, page_cache: bool) -> tuple[Run, int, int]:
    """One run on a fresh copy of the store and a fresh app database."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        store = _store(tmp)
        db = _database(tmp)
        file = _upload_file(tmp, args.rows)
        port = _port()
        env = {
            **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
            "HEALTHGAP_SECRET_KEY": "bench-" + "k" * 32,
            "HEALTHGAP_PAGE_CACHE": "1" if page_cache else "0",
        }
        cmd = [sys.executable, "-m", "healthgap", "serve", "--port", str(port)]
        cmd += ["--store", store, "--db", db]
        server = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    httpx.get(base + "/methods", timeout=120, trust_env=False)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            for url in URLS:  # warm the store's memoised views once, as a running server has
                httpx.get(base + url, timeout=300, trust_env=False)
            # a profiler may attach to the server from here (py-spy record --pid PID)
            print(f"  server pid {server.pid}: warmed up, load starts", flush=True)
            run = asyncio.run(_load(base, args.seconds, file))
            lost, uploaded = asyncio.run(_check(base, run, args.rows))
        finally:
            server.terminate()
            server.wait(10)
    return run, lost, uploaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("HEALTHGAP_BENCH_SECONDS", "60"))
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--by-url", action="store_true", help="reader latency of every URL")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the baseline run without the page cache (HEALTHGAP_PAGE_CACHE=0)",
    )
    args = parser.parse_args([] if argv is None else argv)
    print(f"machine: {os.cpu_count()} cores, load average {_load_average()} before the runs")
    baseline = None
    if not args.no_baseline:
        baseline = _serve_and_load(args, page_cache=False)
        print("baseline (page cache off, HEALTHGAP_PAGE_CACHE=0):")
        _report(*baseline, args.seconds, args.rows, args.by_url)
    measured = _serve_and_load(args, page_cache=True)
    print("healthgap serve as deployed (page cache on):")
    _report(*measured, args.seconds, args.rows, args.by_url)
    if baseline is not None:
        a = np.array([y - x for x, y, _ in baseline[0].reads]) * 1000
        b = np.array([y - x for x, y, _ in measured[0].reads]) * 1000
        if len(a) and len(b):
            print(
                f"cache on / off: reads {len(b) / len(a):.2f}x, p50 "
                f"{np.percentile(b, 50) / np.percentile(a, 50):.2f}x, p95 "
                f"{np.percentile(b, 95) / np.percentile(a, 95):.2f}x"
            )
    print(f"load average after the runs {_load_average()}")


def _load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _report(
    run: Run, lost: int, uploaded: int, seconds: float, rows: int, verbose: bool = False
) -> None:
    starts = np.array([a for a, _, _ in run.reads])
    ms = np.array([b - a for a, b, _ in run.reads]) * 1000
    urls = np.array([u for _, _, u in run.reads])
    p50, p95, p99 = np.percentile(ms, [50, 95, 99]) if len(ms) else (np.nan,) * 3
    print(
        f"  {READERS} readers over {len(URLS)} URLs + {WRITERS} writers x {seconds:.0f} s, "
        f"{len(ms)} reads ({len(ms) / seconds:.0f}/s), {len(run.written)} writes "
        f"acknowledged, {lost} lost, {len(run.errors)} errors"
    )
    print(
        f"  readers p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; goal p95 "
        f"{GOAL_P95_MS:.0f} ms; ratio p95/goal {p95 / GOAL_P95_MS:.2f}"
    )
    if run.upload is not None:
        a, b = run.upload
        during = (starts >= a) & (starts <= b)
        d, o = ms[during], ms[~during]
        slow = int((d > SLOW_S * 1000).sum())
        qd = np.percentile(d, [50, 95]) if len(d) else (np.nan, np.nan)
        qo = np.percentile(o, [50, 95]) if len(o) else (np.nan, np.nan)
        print(
            f"  upload of {rows:,} rows: {b - a:.1f} s (answer {run.upload_answer}; "
            f"{uploaded:,} rows listed)"
        )
        print(
            f"  reads while it ran: {len(d)}, p50 {qd[0]:.1f} ms, p95 {qd[1]:.1f} ms, max "
            f"{d.max() if len(d) else 0:.0f} ms, {slow} over {SLOW_S:.0f} s; reads before and "
            f"after it: {len(o)}, p50 {qo[0]:.1f} ms, p95 {qo[1]:.1f} ms; ratio p95 "
            f"during/outside {qd[1] / qo[1]:.2f}"
        )
    else:
        print("  the upload did not finish within the run")
    by_url = []
    for url in URLS:
        u = ms[urls == url]
        if len(u):
            by_url.append((float(np.percentile(u, 95)), float(np.median(u)), len(u), url))
    by_url.sort(reverse=True)
    print("  per URL (slowest p95 first):" if verbose else "  slowest URLs by p95:")
    for q95, q50, n, url in by_url if verbose else by_url[:8]:
        print(f"    {url}: n {n}, p50 {q50:.0f} ms, p95 {q95:.0f} ms")
    for e in run.errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main(sys.argv[1:])
