"""Profile of one area with every indicator (goal < 300 ms) and compare-areas for 40
councils (goal < 1 s), each against a baseline timed in the same process.

* profile: `profile("E08000003", inequality=False)` (Manchester, every indicator the store
  holds) against the floor of reading the same rows: one DuckDB query for the area's rows
  plus one for England's (no comparison, spine or trend).
* compare-areas: `compare_areas(<40 councils>)` (one vectorised pass) against calling
  `profile()` for each council in turn.

Uses $HEALTHGAP_STORE if set (a store built by `healthgap init`), else builds one from the
mirror ($HEALTHGAP_MIRROR, default ../shared/data) in a temporary folder (not timed).

    .venv/bin/python bench/bench_profiles.py
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AREA = "E08000003"
PROFILE_GOAL = 0.300
COMPARE_GOAL = 1.0


def best_of(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(store_path: str) -> None:
    from healthgap.account.compare_areas import compare_areas
    from healthgap.account.profiles import profile
    from healthgap.data.store import open_store
    from healthgap.geography import lad_lookup

    store = open_store(store_path)
    con = store.backend.con
    profile(AREA, store=store, inequality=False)  # warm caches (metadata, regions)

    def floor() -> None:
        con.execute("SELECT * FROM indicators WHERE area_code = ?", [AREA]).fetch_df()
        con.execute("SELECT * FROM indicators WHERE area_code = 'E92000001'").fetch_df()

    p = profile(AREA, store=store, inequality=False)
    t_profile = best_of(lambda: profile(AREA, store=store, inequality=False))
    t_floor = best_of(floor)
    verdict = "within" if t_profile < PROFILE_GOAL else "OVER"
    print(
        f"profile {AREA}: {len(p.table)} rows, {p.compared['indicator_id'].nunique()} "
        f"indicators compared; {t_profile * 1000:.0f} ms ({verdict} the "
        f"{PROFILE_GOAL * 1000:.0f} ms goal); reading the rows alone {t_floor * 1000:.0f} ms "
        f"(ratio {t_profile / t_floor:.1f}x)"
    )

    lookup = lad_lookup(store)
    north = lookup[lookup["region_code"].isin(["E12000002", "E12000003"])]
    councils = list(north["lad_code"].iloc[:40])
    result = compare_areas(councils, store=store)
    t_compare = best_of(lambda: compare_areas(councils, store=store), runs=3)
    t_loop = best_of(lambda: [profile(c, store=store, inequality=False) for c in councils], runs=1)
    verdict = "within" if t_compare < COMPARE_GOAL else "OVER"
    print(
        f"compare-areas {len(councils)} councils: {len(result.table)} rows; "
        f"{t_compare * 1000:.0f} ms ({verdict} the {COMPARE_GOAL:g} s goal); one profile per "
        f"council in turn {t_loop * 1000:.0f} ms (ratio {t_loop / t_compare:.1f}x faster)"
    )
    store.close()


def main() -> None:
    existing = os.environ.get("HEALTHGAP_STORE")
    if existing and Path(existing).is_file():
        run(existing)
        return
    from healthgap.data.store import init_store

    mirror = os.environ.get("HEALTHGAP_MIRROR") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        init_store(path, mirror=mirror).close()
        run(str(path))


if __name__ == "__main__":
    main()
