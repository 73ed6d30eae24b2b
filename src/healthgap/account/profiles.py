"""Area profiles: every indicator for one area against England, Fingertips style.

For each indicator and sex the store holds for the area (latest period):

* the value with 95% and 99.8% limits (99.8% derived from 95% where the source has
  none, see :mod:`healthgap.account.scorecards`), England's value and the comparison
  at both levels (better/similar/worse by polarity, or higher/similar/lower);
* **spine-chart data** across the comparable areas (every area of the same type in the
  same period): ``spine_min``, ``spine_q1``, ``spine_median``, ``spine_q3``,
  ``spine_max`` (quartiles by linear interpolation, numpy's default), ``worst`` and
  ``best`` (by polarity; lowest/highest without one), and ``n_areas``;
* the **recent trend** over the last ``trend_periods`` periods (default 5): the slope
  per period of a weighted least-squares line (weights 1/se^2, se from the 95% limits),
  z = slope / se(slope) with se(slope) = 1 / sqrt(sum w (t - t_w)^2); ``increasing`` or
  ``decreasing`` when |z| > 1.96, else ``no significant change``, with ``trend_meaning``
  ``getting better``/``getting worse`` by polarity. Rolling periods overlap, so read it
  as a guide (Fingertips uses a chi-squared test for trend on counts, which the open data
  lack). With fewer than 3 periods that have limits the trend is ``not assessed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.scorecards import (
    ENGLAND,
    HIGH_IS_GOOD,
    LOW_IS_GOOD,
    Z95,
    compare_to_benchmark,
    fill_99_8,
)
from healthgap.data.store import Store
from healthgap.errors import InputError


def trend_slope(values: Any, lower: Any, upper: Any) -> tuple[float, float]:
    """Weighted least-squares slope per period and its z statistic (see module docs)."""
    y = np.asarray(values, float)
    se = (np.asarray(upper, float) - np.asarray(lower, float)) / (2 * Z95)
    ok = ~(np.isnan(y) | np.isnan(se)) & (se > 0)
    if ok.sum() < 3:
        return float("nan"), float("nan")
    t = np.arange(len(y), dtype=float)[ok]
    w = 1.0 / se[ok] ** 2
    y = y[ok]
    tw = (w * t).sum() / w.sum()
    sxx = (w * (t - tw) ** 2).sum()
    slope = (w * (t - tw) * y).sum() / sxx
    return float(slope), float(slope * np.sqrt(sxx))


def _trend_words(z: float, polarity: Any) -> tuple[str, str]:
    if np.isnan(z):
        return "not assessed", ""
    if abs(z) <= Z95:
        return "no significant change", ""
    direction = "increasing" if z > 0 else "decreasing"
    if polarity == HIGH_IS_GOOD:
        return direction, "getting better" if z > 0 else "getting worse"
    if polarity == LOW_IS_GOOD:
        return direction, "getting worse" if z > 0 else "getting better"
    return direction, ""


@dataclass(frozen=True)
class Profile:
    """An area profile: one row per indicator and sex, plus each indicator's trend rows."""

    area_code: str
    area_name: str
    area_type: str
    table: pd.DataFrame
    trends: pd.DataFrame
    inequality: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """A copy of the profile table."""
        return self.table.copy()

    def summary(self) -> str:
        """Plain text, one line per indicator."""
        lines = [f"Profile: {self.area_name} ({self.area_code}, {self.area_type})"]
        for r in self.table.itertuples(index=False):
            lines.append(
                f"- {r.indicator_name} [{r.sex}] {r.period}: {r.value:.1f} "
                f"(England {r.england_value:.1f}; {r.compared_95} at 95%, "
                f"{r.compared_99_8} at 99.8%); range {r.spine_min:.1f}-{r.spine_max:.1f}; "
                f"trend: {r.trend}"
            )
        return "\n".join(lines)


def profile(
    area_code: str,
    *,
    store: Store,
    area_type: str | None = None,
    indicators: list[str] | None = None,
    trend_periods: int = 5,
    inequality: bool = True,
) -> Profile:
    """The Fingertips-style profile of one area (see the module docs for the methods).

    Parameters
    ----------
    area_code
        A GSS code in the store's indicators (LAD, UTLA, combined authority, region).
    store
        An open store.
    area_type
        Which of the area's types to profile when a code has several (a unitary
        authority is both ``lad`` and ``utla``); default: the first of utla,
        combined_authority, region, lad that has data.
    indicators
        Indicator ids to include (default: all with values for the area; Health Index
        ``hi_*`` indicators, which have no limits, are left out unless named).
    trend_periods
        Periods in the recent trend (at least 3).
    inequality
        Add the inequality breakdown (``Profile.inequality``): for an area made of LADs
        (a UTLA, strategic authority, region or a LAD itself), its Core20 LADs against
        the rest and the SII across national LAD deprivation deciles, from
        :func:`healthgap.account.core20plus5.core20_indicators` (an ecological
        approximation; see there). Empty, with a note, where the area is not made of
        LADs in the 2024 lookups.

    Examples
    --------
    >>> p = profile("E08000025", store=store)  # doctest: +SKIP
    >>> print(p.summary())  # doctest: +SKIP
    """
    if isinstance(trend_periods, bool) or not isinstance(trend_periods, int) or trend_periods < 3:
        raise InputError(
            f"trend_periods must be a whole number of at least 3; got {trend_periods!r}. "
            "Fingertips uses the 5 most recent periods."
        )
    table = store.table("indicators")
    mine = store.to_pandas(
        table.filter(table.area_code == area_code).select("area_type", "indicator_id").distinct()
    )
    if mine.empty:
        raise InputError(
            f"area must have indicator values in the store; got {area_code!r}, which has "
            "none. Use a LAD, UTLA, combined authority or region code such as E08000025."
        )
    types = list(dict.fromkeys(mine["area_type"]))
    if area_type is None:
        order = ["utla", "combined_authority", "region", "lad", "nation"]
        area_type = next((t for t in order if t in types), types[0])
    elif area_type not in types:
        raise InputError(
            f"area_type must be one of {', '.join(types)} for {area_code}; got {area_type!r}."
        )
    ids = sorted(set(mine.loc[mine["area_type"] == area_type, "indicator_id"]))
    if indicators is None:
        ids = [i for i in ids if not i.startswith("hi_")]
    else:
        missing = [i for i in indicators if i not in ids]
        if missing:
            raise InputError(
                f"indicators must have values for {area_code}; got {missing[0]!r}, which has "
                f"none. Available: {', '.join(ids[:8])}."
            )
        ids = list(indicators)
    cond = (
        table.indicator_id.isin(ids)
        & ((table.area_type == area_type) | (table.area_code == ENGLAND))
        & table.category_type.isnull()
    )
    rows = store.to_pandas(table.filter(cond))
    rows["sex"] = rows["sex"].fillna("Persons")  # the Health Index gives no sex: all persons
    for c in ("value", "lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8"):
        rows[c] = rows[c].astype(float)
    rows = fill_99_8(rows)
    peers = rows[rows["area_type"] == area_type]
    area = peers[peers["area_code"] == area_code]
    area_name = str(area["area_name"].iloc[0]) if len(area) else area_code
    keys = ["indicator_id", "sex"]

    latest = (area.sort_values([*keys, "period_end", "period_start"]).groupby(keys).tail(1))[
        [
            *keys,
            "indicator_name",
            "period",
            "value",
            "lower_95_0",
            "upper_95_0",
            "lower_99_8",
            "upper_99_8",
            "derived_99_8",
            "polarity",
        ]
    ]
    eng = rows[(rows["area_code"] == ENGLAND) & (rows["area_type"] == "nation")][
        [*keys, "period", "value"]
    ].rename(columns={"value": "england_value"})
    out = latest.merge(eng, on=[*keys, "period"], how="left")
    out["compared_95"] = compare_to_benchmark(
        out["lower_95_0"], out["upper_95_0"], out["england_value"], out["polarity"]
    )
    out["compared_99_8"] = compare_to_benchmark(
        out["lower_99_8"], out["upper_99_8"], out["england_value"], out["polarity"]
    )

    # spine chart: all comparable areas in the same period, vectorised by groupby
    same = peers.merge(out[[*keys, "period"]], on=[*keys, "period"])
    g = same.groupby(keys)["value"]
    spine = pd.DataFrame(
        {
            "spine_min": g.min(),
            "spine_q1": g.quantile(0.25),
            "spine_median": g.median(),
            "spine_q3": g.quantile(0.75),
            "spine_max": g.max(),
            "n_areas": g.count(),
        }
    ).reset_index()
    out = out.merge(spine, on=keys, how="left")
    low_good = out["polarity"] == LOW_IS_GOOD
    out["worst"] = np.where(low_good, out["spine_max"], out["spine_min"])
    out["best"] = np.where(low_good, out["spine_min"], out["spine_max"])

    # trend: the last trend_periods periods per indicator (a loop over a few indicators)
    recent = (
        area.sort_values([*keys, "period_end", "period_start"]).groupby(keys).tail(trend_periods)
    )
    trend_rows = []
    for (ind, sex), part in recent.groupby(keys, sort=True):
        slope, z = trend_slope(part["value"], part["lower_95_0"], part["upper_95_0"])
        words, meaning = _trend_words(z, part["polarity"].iloc[0])
        trend_rows.append(
            {
                "indicator_id": ind,
                "sex": sex,
                "trend_from": part["period"].iloc[0],
                "trend_slope": slope,
                "trend_z": z,
                "trend": words,
                "trend_meaning": meaning,
            }
        )
    trend_columns = [*keys, "trend_from", "trend_slope", "trend_z", "trend", "trend_meaning"]
    out = out.merge(pd.DataFrame(trend_rows, columns=trend_columns), on=keys, how="left")
    trends = recent[[*keys, "period", "value", "lower_95_0", "upper_95_0"]].reset_index(drop=True)
    breakdown, notes = (
        _inequality(area_code, store, out, keys) if inequality else (pd.DataFrame(), ())
    )
    return Profile(
        area_code=area_code,
        area_name=area_name,
        area_type=area_type,
        table=out.sort_values(keys, ignore_index=True),
        trends=trends,
        inequality=breakdown,
        notes=notes,
    )


def _inequality(
    area_code: str, store: Store, table: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Core20 LADs vs the rest within the area, and the SII across LAD deciles."""
    from healthgap.account.core20plus5 import core20_indicators

    pairs = [tuple(x) for x in table[keys].itertuples(index=False, name=None)]
    try:
        result = core20_indicators(area_code, store=store, indicators=pairs)
    except InputError as exc:
        return pd.DataFrame(), (f"No inequality breakdown: {exc}",)
    return result.indicators, result.notes
