"""The life-expectancy gap split by health state: LE = HLE + years in poorer health.

Two published views of the split, as the web page ``/decomposition``, its API and the
CLI ``healthgap health-state`` show them:

* :func:`decile_split`: the male gap between each IMD 2015 decile and the least deprived
  (10), ONS 2015-2017 (no intervals published);
* :func:`region_split`: the gap between two regions for a sex and period, with 95% limits
  of the LE and HLE gaps from the published limits
  (:func:`healthgap.stats.intervals.se_from_limits`,
  :func:`~healthgap.stats.intervals.difference_of_estimates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats import intervals


@dataclass(frozen=True)
class HealthStateSplit:
    """A split of life-expectancy gaps: ``table`` by decile or region, the headline
    ``summary`` and notes on the method and sources."""

    title: str
    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


DECILE_HLE = "hle_birth_imd2015_decile"
DECILE_POORER = "years_in_poorer_health_imd2015_decile"


def _difference(
    a: tuple[float, float, float], b: tuple[float, float, float]
) -> intervals.Difference:
    """``a - b`` with 95% limits, each estimate's standard error recovered from its
    published 95% limits and the two taken as independent."""
    return intervals.difference_of_estimates(
        a[0], intervals.se_from_limits(a[1], a[2]), b[0], intervals.se_from_limits(b[1], b[2])
    )


def decile_split(store: Store) -> HealthStateSplit:
    """The male life-expectancy gap between each IMD 2015 decile and the least deprived
    (10), split into years in good health and years in poorer health (ONS, 2015-2017).

    LE = HLE + years in poorer health, so LE(10) - LE(d) = [HLE(10) - HLE(d)] +
    [poorer(10) - poorer(d)]. ONS publishes no intervals with this chart.
    """
    t = store.table("indicators")
    got = store.to_pandas(
        t.filter(t.indicator_id.isin([DECILE_HLE, DECILE_POORER])).select(
            "indicator_id", "category", "period", "sex", "value"
        )
    )
    if got.empty:
        raise InputError(
            "the store must hold ONS HLE by IMD decile; got none. Run `healthgap init`."
        )
    wide = got.pivot_table(index="category", columns="indicator_id", values="value")
    wide.index = wide.index.astype(int)
    wide = wide.sort_index()
    hle = wide[DECILE_HLE].to_numpy(float)
    poorer = wide[DECILE_POORER].to_numpy(float)
    le = hle + poorer
    ref = int(np.flatnonzero(wide.index == 10)[0])
    gap = le[ref] - le
    table = pd.DataFrame(
        {
            "imd_decile": wide.index.to_numpy(),
            "hle": hle,
            "years_in_poorer_health": poorer,
            "le": le,
            "le_gap": gap,
            "from_hle": hle[ref] - hle,
            "from_poorer_health": poorer[ref] - poorer,
        }
    )
    summary = {
        "period": str(got["period"].iloc[0]),
        "sex": str(got["sex"].iloc[0]),
        "gap": float(gap[0]),
        "from_hle": float(table["from_hle"].iloc[0]),
        "from_poorer_health": float(table["from_poorer_health"].iloc[0]),
    }
    notes = (
        "ONS, Health state life expectancies by national deprivation deciles, England: "
        "2015 to 2017 (males; IMD 2015 deciles of LSOAs; 1 = most deprived). Life "
        "expectancy = healthy life expectancy + years lived in poorer health.",
        "ONS gives no confidence intervals with these figures.",
    )
    return HealthStateSplit(
        "Male life expectancy gap to the least deprived decile, by health state",
        table,
        summary,
        notes,
    )


def region_split(
    store: Store,
    sex: str = "Female",
    period: str | None = None,
    first: str | None = None,
    second: str | None = None,
) -> HealthStateSplit:
    """The life-expectancy gap between two regions (default: lowest and highest LE),
    split into the gap in healthy life expectancy and in years not in good health.

    LE from ONS life expectancy for local areas; HLE from ONS's interim-method series.
    Gap = LE(second) - LE(first) = [HLE(second) - HLE(first)] + [U(second) - U(first)],
    U = LE - HLE. The LE and HLE gaps have 95% limits from the published limits
    (standard errors s = (U - L) / (2 x 1.959964), combined in quadrature).
    """
    if sex not in ("Female", "Male"):
        raise InputError(f"sex must be one of Female, Male; got {sex[:20]!r}. Pick Female.")
    t = store.table("indicators")
    cols = ["indicator_id", "area_code", "area_name", "period", "period_end", "value"]
    expr = t.filter(
        t.indicator_id.isin(["le_birth", "hle_birth"]) & (t.area_type == "region") & (t.sex == sex)
    ).select(*cols, "lower_95_0", "upper_95_0")
    got = store.to_pandas(expr)
    got = got[got["area_code"].str.startswith("E12")]
    both = got.pivot_table(
        index=["area_code", "area_name", "period", "period_end"],
        columns="indicator_id",
        values=["value", "lower_95_0", "upper_95_0"],
    ).dropna()
    both.columns = [f"{ind}_{val}" for val, ind in both.columns]
    both = both.reset_index()
    periods = both.drop_duplicates("period").sort_values("period_end")["period"].tolist()
    chosen = periods[-1] if period is None else period
    if chosen not in periods:
        raise InputError(
            f"period must be a period with both LE and HLE for regions; got {period!r}. "
            f"Try one of: {', '.join(periods[-5:])}."
        )
    now = both[both["period"] == chosen].sort_values("le_birth_value").reset_index(drop=True)
    names = now["area_name"].tolist()
    a = names[0] if first is None else first
    b = names[-1] if second is None else second
    for label, v in (("first", a), ("second", b)):
        if v not in names:
            raise InputError(
                f"{label} region must be one of the 9 English regions; got {v[:40]!r}. "
                f"Example: {names[0]}."
            )
    if a == b:
        raise InputError(
            f"first and second regions must differ; got {a!r} twice. Pick two regions."
        )
    now["poorer_health"] = now["le_birth_value"] - now["hle_birth_value"]
    r1 = now[now["area_name"] == a].iloc[0]
    r2 = now[now["area_name"] == b].iloc[0]

    def gap(ind: str) -> intervals.Difference:
        def one(row: pd.Series) -> tuple[float, float, float]:
            return row[f"{ind}_value"], row[f"{ind}_lower_95_0"], row[f"{ind}_upper_95_0"]

        return _difference(one(r2), one(r1))

    le, hle = gap("le_birth"), gap("hle_birth")
    le_gap, hle_gap = float(le.value), float(hle.value)
    table = pd.DataFrame(
        {
            "area_code": now["area_code"],
            "area_name": now["area_name"],
            "le": now["le_birth_value"],
            "le_lower_95_0": now["le_birth_lower_95_0"],
            "le_upper_95_0": now["le_birth_upper_95_0"],
            "hle": now["hle_birth_value"],
            "hle_lower_95_0": now["hle_birth_lower_95_0"],
            "hle_upper_95_0": now["hle_birth_upper_95_0"],
            "years_not_in_good_health": now["poorer_health"],
        }
    )
    summary = {
        "sex": sex,
        "period": chosen,
        "periods": periods,
        "regions": names,
        "first": a,
        "second": b,
        "le_gap": le_gap,
        "le_gap_lower_95_0": float(le.lower),
        "le_gap_upper_95_0": float(le.upper),
        "from_hle": hle_gap,
        "from_hle_lower_95_0": float(hle.lower),
        "from_hle_upper_95_0": float(hle.upper),
        "from_poorer_health": le_gap - hle_gap,
    }
    notes = (
        "Life expectancy: ONS life expectancy for local areas (Explore Local Statistics). "
        "Healthy life expectancy: ONS interim-method local-areas series. They are separate "
        "ONS datasets, so years not in good health (LE - HLE) may differ slightly from the "
        "figure ONS would publish, and no interval is given for it (LE and HLE are "
        "correlated).",
        "Gap limits treat the two regions as independent.",
    )
    return HealthStateSplit(
        f"Life expectancy gap between {a} and {b} by health state", table, summary, notes
    )


#: Columns of :func:`benchmark_split`'s table (gaps are benchmark minus area).
BENCHMARK_SPLIT_COLUMNS = (
    "sex",
    "period",
    "le_area",
    "le_england",
    "hle_area",
    "hle_england",
    "le_gap",
    "le_gap_lower",
    "le_gap_upper",
    "hle_gap",
    "hle_gap_lower",
    "hle_gap_upper",
    "poorer_health_gap",
)


def benchmark_split(
    store: Store,
    area_code: str,
    *,
    period: str,
    benchmark_code: str = "E92000001",
    sexes: tuple[str, ...] = ("Female", "Male"),
) -> HealthStateSplit:
    """The HLE gap of a region (or England) to the benchmark (England), by sex:
    HLE gap = LE gap + extra years in poorer health, gaps being benchmark minus area.

    Uses ``period`` when both measures are published for it, else the latest period
    with both that starts no later than ``period``. The LE and HLE gaps have 95% limits
    from the published limits (standard errors combined as if independent; the area is
    part of England, so they are slightly wide); the poorer-health part has none (LE and
    HLE of one area share their mortality data and their covariance is not published).
    An empty table means the store holds no period with both measures.
    """
    t = store.table("indicators")
    cond = (
        t.indicator_id.isin(["hle_birth", "le_birth"])
        & t.category_type.isnull()
        & t.area_code.isin([area_code, benchmark_code])
        & t.area_type.isin(["region", "nation"])
        & t.sex.isin(list(sexes))
    )
    cols = ["indicator_id", "area_code", "sex", "period", "period_start", "period_end"]
    rows = store.to_pandas(t.filter(cond).select(*cols, "value", "lower_95_0", "upper_95_0"))
    both = rows.groupby("period")["indicator_id"].nunique()
    common = rows[rows["period"].isin(both[both == 2].index)]
    common = common[common["period_start"] <= int(period[:4])]
    title = "Healthy life expectancy gap to England split by health state"
    if common.empty:
        return HealthStateSplit(title, pd.DataFrame(columns=list(BENCHMARK_SPLIT_COLUMNS)))
    use = (
        period
        if period in set(common["period"])
        else str(common.sort_values("period_end")["period"].iloc[-1])
    )
    wide = common[common["period"] == use].pivot_table(
        index="sex",
        columns=["indicator_id", "area_code"],
        values=["value", "lower_95_0", "upper_95_0"],
    )
    out = []
    for sex in sexes:

        def get(what: str, ind: str, code: str, sex: str = sex) -> float:
            cell: Any = wide.loc[sex, (what, ind, code)]
            return float(cell)

        def gap(ind: str) -> intervals.Difference:
            def one(code: str) -> tuple[float, float, float]:
                return (
                    get("value", ind, code),
                    get("lower_95_0", ind, code),
                    get("upper_95_0", ind, code),
                )

            return _difference(one(benchmark_code), one(area_code))

        le, hle = gap("le_birth"), gap("hle_birth")
        out.append(
            {
                "sex": sex,
                "period": use,
                "le_area": get("value", "le_birth", area_code),
                "le_england": get("value", "le_birth", benchmark_code),
                "hle_area": get("value", "hle_birth", area_code),
                "hle_england": get("value", "hle_birth", benchmark_code),
                "le_gap": float(le.value),
                "le_gap_lower": float(le.lower),
                "le_gap_upper": float(le.upper),
                "hle_gap": float(hle.value),
                "hle_gap_lower": float(hle.lower),
                "hle_gap_upper": float(hle.upper),
                "poorer_health_gap": float(hle.value) - float(le.value),
            }
        )
    return HealthStateSplit(title, pd.DataFrame(out), {"period": use, "area_code": area_code})
