"""SII with Monte Carlo limits: 1,000 areas x 10 deciles x 100,000 repetitions.

healthgap runs every area at once (shared standard-normal draws, one BLAS product per
chunk of areas, order statistics by partition). The baseline is the straightforward
approach in numpy: a loop over areas, each drawing its own (R x Q) normals, refitting all
R repetitions with one least-squares solve and sorting the simulated SII and RII. The
baseline is timed on 20 areas and extrapolated linearly to 1,000 (it has no per-call
overhead worth mentioning, so the extrapolation is fair); the printout says so.

    .venv/bin/python bench/bench_sii.py
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

import healthgap

AREAS = 1_000
DECILES = 10
REPETITIONS = 100_000
BASELINE_AREAS = 20


def make_data(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = AREAS * DECILES
    decile = np.tile(np.arange(1, DECILES + 1), AREAS)
    return pd.DataFrame(
        {
            "area": np.repeat([f"E{i:05d}" for i in range(AREAS)], DECILES),
            "decile": decile,
            "pop": rng.integers(2_000, 20_000, n).astype(float),
            "le": 74 + 0.9 * (decile - 1) + rng.normal(0, 0.5, n),
            "se": rng.uniform(0.2, 0.8, n),
        }
    )


def baseline(df: pd.DataFrame, areas: list[str], reps: int, seed: int) -> np.ndarray:
    """Per-area loop: draws, lstsq refit of every repetition, sort, pick the limits."""
    rng = np.random.default_rng(seed)
    out = []
    lo_k, hi_k = round(reps * 0.025), round(reps * 0.975)
    for area in areas:
        part = df[df["area"] == area].sort_values("decile")
        pop = part["pop"].to_numpy()
        a = pop / pop.sum()
        b = np.cumsum(a) - a / 2
        x = np.column_stack([np.sqrt(a), b * np.sqrt(a)])
        draws = part["le"].to_numpy() + part["se"].to_numpy() * rng.standard_normal((reps, DECILES))
        coef, *_ = np.linalg.lstsq(x, (np.sqrt(a) * draws).T, rcond=None)
        sii = np.sort(coef[1])
        rii = np.sort((coef[0] + coef[1]) / coef[0])
        out.append((sii[lo_k - 1], sii[hi_k - 1], rii[lo_k - 1], rii[hi_k - 1]))
    return np.array(out)


def best_of(fn, runs: int) -> float:
    """Best wall-clock time of ``runs`` calls."""
    return min(timed(fn)[0] for _ in range(runs))


def timed(fn) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call; CPU time sums all the process's threads."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    df = make_data()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{AREAS:,} areas x {DECILES} deciles x {REPETITIONS:,} repetitions, SII and RII, "
        f"95% limits; {os.cpu_count()} CPUs, load average {load:.1f} at start"
    )

    def ours() -> None:
        healthgap.sii(
            df, "le", "pop", "decile", group_by="area", se="se", repetitions=REPETITIONS, seed=1
        )

    runs = [timed(ours) for _ in range(3)]
    t_ours, cpu_ours = min(runs)
    areas = sorted(df["area"].unique())[:BASELINE_AREAS]
    t_base_subset = best_of(lambda: baseline(df, areas, REPETITIONS, 1), 3)
    t_base = t_base_subset * AREAS / BASELINE_AREAS
    goal = "meets" if t_ours < 3 else "MISSES"
    print(
        f"healthgap.sii (all {AREAS:,} areas):          {t_ours:8.2f} s  ({goal} the 3 s goal; "
        f"{cpu_ours:.2f} s of CPU time: on a busy machine the wall time is longer)"
    )
    print(
        f"per-area numpy loop ({BASELINE_AREAS} areas timed, x{AREAS // BASELINE_AREAS} "
        f"extrapolated): {t_base:8.2f} s  ({t_base_subset:.2f} s measured)"
    )
    print(f"ratio (baseline / healthgap):                {t_base / t_ours:8.1f}x")

    rates = df.assign(le=np.exp(df["le"] / 20), se=df["se"] * np.exp(df["le"] / 20) / 20)

    def ours_rate() -> None:
        healthgap.sii(
            rates,
            "le",
            "pop",
            "decile",
            group_by="area",
            se="se",
            value_type="rate",
            repetitions=REPETITIONS,
            seed=1,
        )

    t_rate = best_of(ours_rate, 1)
    print(
        f"for reference, value_type='rate' fitted on the original scale (draws back-"
        f"transformed, not linear): {t_rate:.2f} s"
    )


if __name__ == "__main__":
    main()
