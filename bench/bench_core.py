"""Benchmark: healthgap against PHStatsMethods on the same generated inputs.

(a) ``dsr`` on 10,000 groups x 19 age bands (ESP2013), two confidence levels;
(b) ``crude_rate`` on 100,000 one-row groups, two confidence levels.

Run with ``.venv/bin/python bench/bench_core.py``. Each tool is timed with
``time.perf_counter`` and the best of a few runs is reported, with the ratio
peer / healthgap. Goals: at least 20x for dsr and 100x for crude_rate.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import healthgap
from healthgap.stats.standard_populations import ESP2013_19

SEED = 20261123
LEVELS = (0.95, 0.998)
DSR_GROUPS = 10_000
RATE_GROUPS = 100_000


def dsr_input(rng: np.random.Generator) -> pd.DataFrame:
    k = len(ESP2013_19)
    return pd.DataFrame(
        {
            "area": np.repeat([f"E{i:08d}" for i in range(DSR_GROUPS)], k),
            "age": np.tile(np.array(ESP2013_19.labels, dtype=object), DSR_GROUPS),
            "deaths": rng.integers(0, 60, DSR_GROUPS * k),
            "pop": rng.integers(500, 20_000, DSR_GROUPS * k),
            "esp": np.tile(ESP2013_19.weight_array, DSR_GROUPS),
        }
    )


def rate_input(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": [f"E{i:08d}" for i in range(RATE_GROUPS)],
            "deaths": rng.integers(1, 500, RATE_GROUPS),  # the peer rejects 0
            "pop": rng.integers(1_000, 200_000, RATE_GROUPS),
        }
    )


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, ours: float, theirs: float | None, goal: float) -> None:
    if theirs is None:
        print(f"{name}: healthgap {ours:.4f} s; PHStatsMethods not installed")
        return
    ratio = theirs / ours
    verdict = "meets" if ratio >= goal else "MISSES"
    print(
        f"{name}: healthgap {ours:.4f} s, PHStatsMethods {theirs:.4f} s, "
        f"ratio {ratio:.1f}x ({verdict} the {goal:g}x goal)"
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    dsr_df = dsr_input(rng)
    rate_df = rate_input(rng)
    try:
        import PHStatsMethods as ph
    except ImportError:  # pragma: no cover - the peer is a test dependency
        ph = None

    def ours_dsr() -> Any:
        return healthgap.dsr(dsr_df, "deaths", "pop", "age", group_by="area", confidence=LEVELS)

    def ours_rate() -> Any:
        return healthgap.crude_rate(rate_df, "deaths", "pop", group_by="area", confidence=LEVELS)

    print(f"dsr: {DSR_GROUPS:,} groups x {len(ESP2013_19)} bands = {len(dsr_df):,} rows")
    print(f"crude_rate: {RATE_GROUPS:,} one-row groups")
    t_dsr = best_of(ours_dsr, 5)
    t_rate = best_of(ours_rate, 5)
    p_dsr = p_rate = None
    if ph is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p_dsr = best_of(
                lambda: ph.ph_dsr(
                    dsr_df.drop(columns="age"),
                    "deaths",
                    "pop",
                    "esp",
                    group_cols="area",
                    euro_standard_pops=False,
                    confidence=list(LEVELS),
                ),
                3,
            )
            p_rate = best_of(
                lambda: ph.ph_rate(
                    rate_df, "deaths", "pop", group_cols="area", confidence=list(LEVELS)
                ),
                1,  # about a minute per run
            )
    report("dsr", t_dsr, p_dsr, 20)
    report("crude_rate", t_rate, p_rate, 100)


if __name__ == "__main__":
    main()
