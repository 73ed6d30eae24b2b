"""Benchmark: needs-based targets and a 5-year pace of change for 32,844 areas.

The inputs are seeded synthetic data the size of England's LSOAs (2021: 32,844): one row
per area (population, deprivation score, SMR<75, a cost index, current allocations) and
a long table of population by 19 age bands x 2 sexes (1.25 million rows) for an age-sex
cost curve. The formula has a core component (90%, age-sex weighted population x
deprivation) and a health-inequalities component (10%, SMR<75 x deprivation), an area
cost adjustment and a 5-year pace of change (2% floor, 10% ceiling, 3% growth).

healthgap (vectorised numpy, exact solves) is timed against a straightforward baseline in
the same process on the same inputs: pandas for the table arithmetic, and Python loops
for what a spreadsheet-style implementation loops over (largest-remainder rounding by
sorting a list, and the pace parameter by bisection with a loop over areas). Both give
the same pennies. Goal: healthgap under 1 s.

Run with ``.venv/bin/python bench/bench_allocate.py`` (or ``bench/run.py allocate``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from healthgap.allocate import Formula, allocate

SEED = 20261123
AREAS = 32_844
AGES = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
SEXES = ["F", "M"]
YEARS, GROWTH, FLOOR, CEILING = 5, 0.03, 0.02, 0.10


def weights() -> dict[tuple[str, str], float]:
    # A U-shaped illustrative cost curve (not an official one).
    out = {}
    for i, age in enumerate(AGES):
        base = 1.6 - 0.12 * i if i < 5 else 0.9 + 0.0025 * (i - 5) ** 2.6
        for sex in SEXES:
            out[(age, sex)] = round(base * (1.08 if sex == "F" and 3 <= i <= 8 else 1.0), 4)
    return out


def synthetic(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    codes = np.array([f"E01{i:06d}" for i in range(AREAS)], dtype=object)
    k = len(AGES) * len(SEXES)
    bands = pd.DataFrame(
        {
            "area": np.repeat(codes, k),
            "age": np.tile(np.repeat(AGES, len(SEXES)), AREAS),
            "sex": np.tile(SEXES, AREAS * len(AGES)),
            "population": rng.integers(5, 90, AREAS * k),
        }
    )
    pop = bands.groupby("area", sort=True)["population"].sum().to_numpy()
    current = np.round(pop * rng.uniform(1_500, 1_800, AREAS), 2)
    inputs = pd.DataFrame(
        {
            "area": codes,
            "population": pop,
            "imd": rng.gamma(2.5, 9.0, AREAS) + 1,
            "smr": rng.lognormal(np.log(100), 0.3, AREAS),
            "mff": rng.uniform(0.92, 1.25, AREAS),
            "current": current,
        }
    )
    control_total = round(float(current.sum()) * 1.045, 2)
    return inputs, bands, control_total


def formula_text(control_total: float) -> str:
    rows = ",\n".join(
        f'  {{ age = "{a}", sex = "{s}", weight = {w} }}' for (a, s), w in weights().items()
    )
    return f"""
name = "Benchmark: ICB-style capitation with a health-inequalities component"
current = "current"
control_total = {control_total:.2f}

[indices.imd]
column = "imd"
exponent = 0.5

[indices.smr]
column = "smr"

[indices.hi]
of = {{ smr = 1.0, imd = 0.5 }}

[cost_curves.acute]
weights = [
{rows}
]

[components.core]
share = 0.9
base = "acute"
indices = ["imd"]

[components.health_inequalities]
share = 0.1
indices = ["hi"]

[cost_adjustment]
column = "mff"

[pace]
years = {YEARS}
growth = {GROWTH}
floor = {FLOOR}
ceiling = {CEILING}
"""


# ---- the baseline: pandas for the tables, Python loops where a spreadsheet loops -------


def hamilton_loop(quotas: list[float], total: int, upper: list[int] | None = None) -> list[int]:
    base = [math.floor(q) for q in quotas]
    if upper is not None:
        base = [min(b, u) for b, u in zip(base, upper, strict=True)]
    ranked = sorted(
        range(len(quotas)), key=lambda i: (-round(quotas[i] - math.floor(quotas[i]), 6), i)
    )
    left = total - sum(base)
    for i in ranked:
        if left == 0:
            break
        if upper is None or base[i] < upper[i]:
            base[i] += 1
            left -= 1
    return base


def baseline(inputs: pd.DataFrame, bands: pd.DataFrame, control_total: float) -> np.ndarray:
    df = inputs.sort_values("area").reset_index(drop=True)
    w = pd.DataFrame([(a, s, v) for (a, s), v in weights().items()], columns=["age", "sex", "w"])
    merged = bands.merge(w, on=["age", "sex"], how="left")
    merged["wp"] = merged["population"] * merged["w"]
    weighted = merged.groupby("area", sort=True)["wp"].sum().reindex(df["area"]).to_numpy()
    pop = df["population"].astype(float)

    def normalise(v: pd.Series) -> pd.Series:
        return v / ((pop * v).sum() / pop.sum())

    imd = normalise(df["imd"] ** 0.5)
    smr = normalise(df["smr"])
    hi = normalise(smr * imd**0.5)
    core = pd.Series(weighted) * imd
    ineq = pop * hi
    need = 0.9 * core / core.sum() + 0.1 * ineq / ineq.sum()
    adj = need * df["mff"]
    share = (adj / adj.sum()).tolist()

    total = round(control_total * 100)
    previous = [round(c * 100) for c in df["current"]]
    up, cap_rate = 1 + Fraction(str(FLOOR)), 1 + Fraction(str(CEILING))
    out = []
    for _year in range(YEARS):
        target = hamilton_loop([s * total for s in share], total)
        low = [-((-p * up.numerator) // up.denominator) for p in previous]
        high = [
            max(p * cap_rate.numerator // cap_rate.denominator, lo)
            for p, lo in zip(previous, low, strict=True)
        ]
        cap = [lo if lo >= t else min(h, t) for lo, t, h in zip(low, target, high, strict=True)]

        def spend(
            lam: float, low: list[int] = low, target: list[int] = target, cap: list[int] = cap
        ) -> float:
            s = 0.0
            for lo, t, c in zip(low, target, cap, strict=True):
                s += lo if lo >= t else min(lo + lam * (t - lo), c)
            return s

        lo_lam, hi_lam = 0.0, 1.0
        for _ in range(60):  # bisection on the pace parameter
            mid = (lo_lam + hi_lam) / 2
            if spend(mid) < total:
                lo_lam = mid
            else:
                hi_lam = mid
        lam = (lo_lam + hi_lam) / 2
        quotas = [
            lo if lo >= t else min(lo + lam * (t - lo), c)
            for lo, t, c in zip(low, target, cap, strict=True)
        ]
        amounts = hamilton_loop(quotas, total, upper=cap)
        out.append(amounts)
        previous = amounts
        total = math.floor(Fraction(total) * (1 + Fraction(str(GROWTH))) + Fraction(1, 2))
    return np.asarray(out, dtype=np.int64)


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    rng = np.random.default_rng(SEED)
    inputs, bands, control_total = synthetic(rng)
    formula = Formula.from_toml(formula_text(control_total), source="bench.toml")
    print(
        f"allocate: {AREAS:,} areas, {len(bands):,} age-sex band rows, 2 components, "
        f"cost adjustment, {YEARS}-year pace of change"
    )
    t_ours, result = best_of(lambda: allocate(formula, inputs, bands), 5)
    t_base, base = best_of(lambda: baseline(inputs, bands, control_total), 1)
    ours = result.path.allocations
    assert not (result.path.rule == "extra").any(), "the baseline has no extra-growth stage"
    differ = int((ours != base).sum())
    verdict = "meets" if t_ours < 1.0 else "MISSES"
    print(
        f"targets + {YEARS}-year path: healthgap {t_ours:.3f} s ({verdict} the 1 s goal), "
        f"pandas/loop baseline {t_base:.3f} s, ratio {t_base / t_ours:.1f}x"
    )
    print(
        f"agreement: {differ} of {ours.size:,} area-years differ "
        f"(max {int(np.abs(ours - base).max())} p); every year sums to its envelope: "
        f"{bool(np.all(ours.sum(axis=1) == result.path.envelopes))}"
    )


if __name__ == "__main__":
    main()
