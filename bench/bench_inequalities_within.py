"""Inequalities within an area for Manchester: batched measures vs the per-series loop.

``healthgap.account.inequalities.inequalities`` computes WHO HEAT measures for every
indicator, breakdown and period of an area (Manchester: about 30 series). It sends the
series that share options to ``inequality_measures`` in one call (``group_by`` the
series) and looks group populations up once per distinct set of groups. The baseline is
the previous code, kept here only: one ``inequality_measures`` call per series (2,000
Monte Carlo draws each) and one ``.loc`` weighting per set of groups. Both run in this
process on the same store, alternately, best of three; the printout checks that the two
give the same frames and prints the ratio.

Builds a store from the offline mirror ($HEALTHGAP_MIRROR, default ../shared/data) in a
temporary folder (not timed), or uses the store given as the first argument.

    .venv/bin/python bench/bench_inequalities_within.py [path/to/store.duckdb]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

AREA = "E08000003"  # Manchester
RUNS = 3


def baseline_weigh(both: pd.DataFrame, area_code: str, store: Any, fp: Any) -> pd.DataFrame:
    """The previous ``_weigh``: a loop over sets of groups with ``.loc`` assignments."""
    from healthgap.account import inequalities as m

    both = both.copy()
    both["population"] = 1.0
    both["weight"] = m._EQUAL
    key = ["indicator_id", "sex", "age", "category_type", "period"]
    ethnic_cache: dict[tuple[str, ...], Any] = {}
    deprivation_cache: dict[int, Any] = {}
    for _, part in both.groupby(key, sort=False):
        dimension = part["dimension"].iloc[0]
        if dimension == "ethnic group":
            cats = tuple(sorted(part["category"].astype(str)))
            if cats not in ethnic_cache:
                ethnic_cache[cats] = m.ethnic_populations(area_code, cats, store, fp=fp)
            found = ethnic_cache[cats]
            if found is None:
                continue
            weights, source = found
            both.loc[part.index, "population"] = part["category"].map(weights).to_numpy()
            both.loc[part.index, "weight"] = source
        elif dimension == "deprivation within the area" and part["rank"].notna().all():
            groups = 10 if part["rank"].max() > 5 else 5
            if groups not in deprivation_cache:
                deprivation_cache[groups] = m.deprivation_populations(
                    area_code, groups, store, fp=fp
                )
            pops = deprivation_cache[groups]
            if pops is None:
                continue
            both.loc[part.index, "population"] = part["rank"].map(pops).to_numpy()
            both.loc[part.index, "weight"] = (
                f"mid-2020 population of the area's LSOAs in the IMD 2019 {groups}-group"
            )
    return both


def baseline_measures(both: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The previous ``_measures``: one ``inequality_measures`` call per series."""
    from healthgap.account import inequalities as m

    out = []
    key = ["indicator_id", "indicator_name", "sex", "age", "dimension", "category_type", "period"]
    for values, part in both.groupby(key, sort=True):
        part = part[part["population"].notna()]
        part = part[part["value"].notna()]
        if len(part) < 2:
            continue
        polarity = part["polarity"].iloc[0]
        favourable = m.Polarity.parse(polarity) is not m.Polarity.LOWER_IS_BETTER
        ordered = str(values[4]).startswith("deprivation within the area")
        codes = m.ORDERED_CODES if ordered else m.NON_ORDERED_CODES
        if values[4] == "sex":
            codes = ["D", "R"]
        limits = part["lower_95_0"].notna().all() and part["upper_95_0"].notna().all()
        try:
            result = m.inequality_measures(
                part,
                value="value",
                population="population",
                subgroup="category",
                favourable=favourable,
                ordered=ordered,
                order="rank" if ordered else None,
                lower="lower_95_0" if limits else None,
                upper="upper_95_0" if limits else None,
                measures=codes,
                confidence=0.95,
                repetitions=2_000,
                seed=seed,
            ).to_frame()
        except m.InputError:
            continue
        for k, v in zip(key, values, strict=True):
            result[k] = v
        result["judgement"] = "no judgement" if polarity == m.NO_JUDGEMENT else polarity
        out.append(result)
    if not out:
        return pd.DataFrame(columns=[*key, "measure", "value"])
    frame = pd.concat(out, ignore_index=True)
    first = [*key, "measure"]
    return frame[first + [c for c in frame.columns if c not in first]].replace({np.inf: np.nan})


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = run()
    return time.perf_counter() - t0, result


def main() -> None:
    from healthgap.account import inequalities as m
    from healthgap.data.store import init_store, open_store

    warnings.simplefilter("ignore")  # suppression warnings: the same in both
    batched_weigh, batched_measures = m._weigh, m._measures

    def use(weigh: Any, measures: Any) -> None:
        m._weigh, m._measures = weigh, measures  # type: ignore[assignment]

    with tempfile.TemporaryDirectory() as tmp:
        if len(sys.argv) > 1:
            store = open_store(sys.argv[1])
        else:
            mirror = os.environ.get("HEALTHGAP_MIRROR") or str(
                Path(__file__).resolve().parents[1].parent / "shared" / "data"
            )
            store = init_store(Path(tmp) / "bench.duckdb", mirror=mirror)
        run = lambda: m.inequalities(AREA, store=store)  # noqa: E731
        run()  # warm caches (footprint, metadata) for both
        old_t, new_t = [], []
        try:
            for _ in range(RUNS):
                use(baseline_weigh, baseline_measures)
                t, old = timed(run)
                old_t.append(t)
                use(batched_weigh, batched_measures)
                t, new = timed(run)
                new_t.append(t)
        finally:
            use(batched_weigh, batched_measures)
        # the measures step alone, on the same weighted rows
        rows = _weighted_rows(m, store)
        old_m, new_m = [], []
        for _ in range(RUNS):
            old_m.append(timed(lambda: baseline_measures(rows, 20_260_515))[0])
            new_m.append(timed(lambda: batched_measures(rows, 20_260_515))[0])
        store.close()
    same = old.groups.equals(new.groups) and old.measures.equals(new.measures)
    series = new.measures.groupby(m._SERIES).ngroups
    print(f"inequalities within {AREA} (Manchester): {series} series, best of {RUNS}")
    print(
        f"  whole service:  per-series loop {min(old_t):6.2f} s   batched {min(new_t):6.2f} s"
        f"   ratio {min(old_t) / min(new_t):5.1f}x"
    )
    print(
        f"  measures step:  per-series loop {min(old_m):6.2f} s   batched {min(new_m):6.2f} s"
        f"   ratio {min(old_m) / min(new_m):5.1f}x"
    )
    print(f"  identical frames (groups and measures, bit for bit): {'yes' if same else 'NO'}")


def _weighted_rows(m: Any, store: Any) -> pd.DataFrame:
    """The weighted rows ``_measures`` receives, captured from one run of the service."""
    seen: list[pd.DataFrame] = []
    original = m._measures

    def capture(both: pd.DataFrame, seed: int) -> pd.DataFrame:
        seen.append(both)
        return original(both, seed)

    m._measures = capture
    try:
        m.inequalities(AREA, store=store)
    finally:
        m._measures = original
    return seen[0]


if __name__ == "__main__":
    main()
