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

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.scorecards import (
    Z95,
    compare_to_benchmark,
    widen_limits,
)
from healthgap.data.published import remembered
from healthgap.data.sources.indicator_review import DOMAINS, OUTCOMES
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats import intervals
from healthgap.stats.benchmark import Polarity, polarity_signs
from healthgap.stats.intervals import poisson_limits, wilson_limits


def trend_slope(values: Any, lower: Any, upper: Any) -> tuple[float, float]:
    """Weighted least-squares slope per period and its z statistic (see module docs)."""
    y = np.asarray(values, float)
    se = intervals.se_from_limits(lower, upper, 0.95)
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
    pol = Polarity.parse(polarity)
    if pol is Polarity.HIGHER_IS_BETTER:
        return direction, "getting better" if z > 0 else "getting worse"
    if pol is Polarity.LOWER_IS_BETTER:
        return direction, "getting worse" if z > 0 else "getting better"
    return direction, ""


#: Area types in the order a profile prefers them when an area has several.
AREA_TYPE_ORDER: tuple[str, ...] = (
    "utla",
    "lad",
    "combined_authority",
    "region",
    "icb",
    "sub_icb",
    "nation",
    "country",
)
#: Columns of the profile table, in order (see :func:`profile`).
COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "area_type",
    "domain",
    "indicator_id",
    "indicator_name",
    "unit",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value",
    "lower_95_0",
    "upper_95_0",
    "lower_99_8",
    "upper_99_8",
    "limits_99_8",
    "count",
    "denominator",
    "benchmark",
    "england_value",
    "region_code",
    "region_value",
    "compared_95",
    "compared_99_8",
    "spine_min",
    "spine_q1",
    "spine_median",
    "spine_q3",
    "spine_max",
    "worst",
    "best",
    "n_areas",
    "trend_from",
    "trend_slope",
    "trend_z",
    "trend",
    "trend_meaning",
    "polarity",
    "polarity_reason",
    "interval_method",
    "value_type",
    "definition",
    "source",
    "source_url",
    "caveats",
    "value_note",
)
_KEYS = ["indicator_id", "sex", "age"]
_NO_TREND = ("trend_from", "trend_slope", "trend_z", "trend", "trend_meaning")


@dataclass(frozen=True)
class Profile:
    """An area profile: one row per indicator, sex and age (and breakdown category).

    ``table`` has :data:`COLUMNS`; ``trends`` the recent periods behind each trend;
    ``inequality`` the Core20 breakdown (see :func:`profile`).
    """

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

    def for_output(self) -> pd.DataFrame:
        """The table as every face publishes it: :func:`published` (disclosure control)."""
        return published(self.table)

    @property
    def compared(self) -> pd.DataFrame:
        """Rows compared with England (a significance other than "not compared")."""
        t = self.table
        return t[(t["benchmark"] == "England") & (t["compared_95"] != "not compared")]

    def summary(self) -> str:
        """Plain text, one line per indicator, grouped by domain."""
        lines = [f"Profile: {self.area_name} ({self.area_code}, {self.area_type})"]
        n = self.compared["indicator_id"].nunique()
        lines.append(f"{n} indicators compared with England.")
        for domain, part in self.table.groupby("domain", sort=False):
            lines.append(f"\n{domain}")
            for r in part.itertuples(index=False):
                cat = f" [{r.category_type}: {r.category}]" if isinstance(r.category, str) else ""
                england = float(r.england_value)  # type: ignore[arg-type]
                eng = "" if np.isnan(england) else f"; England {england:.1f}"
                lines.append(
                    f"- {r.indicator_name} ({r.sex}){cat} {r.period}: {r.value:.1f}{eng}; "
                    f"{r.compared_95} at 95%, {r.compared_99_8} at 99.8%; trend: {r.trend}"
                )
        return "\n".join(lines)


def published(table: pd.DataFrame) -> pd.DataFrame:
    """Disclosure control at the output boundary (:func:`healthgap.data.disclosure.protect_table`).

    Small counts are withheld with the values and limits derived from them; the
    comparisons of a withheld row read "withheld (small numbers)".
    """
    from healthgap.data.disclosure import protect_table

    out = protect_table(table)
    hidden = (out["value"].isna() & table["value"].reset_index(drop=True).notna()).to_numpy()
    for c in ("compared_95", "compared_99_8", "trend"):
        out[c] = out[c].astype(object)
        out.loc[hidden, c] = "withheld (small numbers)"
    for c in ("trend_slope", "trend_z", "trend_meaning"):
        if c in out:
            out.loc[hidden, c] = np.nan if c != "trend_meaning" else ""
    return out


def spine_positions(table: pd.DataFrame) -> pd.DataFrame:
    """Positions (0 to 1) for drawing each row's spine chart, England in the middle.

    As Fingertips draws it: England's value at 0.5, the scale half-width the larger
    distance from England to the worst or best value, worse to the left and better to the
    right (lower to the left where the indicator has no judgement). Columns
    ``pos_worst``, ``pos_q1``, ``pos_q3``, ``pos_best`` and ``pos_area``; NaN where
    the row has no spine or England value.
    """
    eng = table["england_value"].to_numpy(dtype=float)
    signs = polarity_signs(table["polarity"])
    sign = np.where(signs < 0, -1.0, 1.0)
    lo = table["spine_min"].to_numpy(dtype=float)
    hi = table["spine_max"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.fmax(np.abs(lo - eng), np.abs(hi - eng))
        half = np.where(half > 0, half, np.nan)
        out = pd.DataFrame(index=table.index)
        for name, column in (
            ("pos_worst", "worst"),
            ("pos_q1", "spine_q1"),
            ("pos_q3", "spine_q3"),
            ("pos_best", "best"),
            ("pos_area", "value"),
        ):
            x = table[column].to_numpy(dtype=float)
            out[name] = np.clip(0.5 + sign * (x - eng) / (2 * half), 0.0, 1.0)
    # without judgement the spine runs lowest (left) to highest (right)
    plain = np.isnan(signs)
    out.loc[plain, "pos_worst"] = np.clip(0.5 + (lo[plain] - eng[plain]) / (2 * half[plain]), 0, 1)
    out.loc[plain, "pos_best"] = np.clip(0.5 + (hi[plain] - eng[plain]) / (2 * half[plain]), 0, 1)
    return out


def multiplier(unit: Any) -> float:
    """The scale of a Fingertips unit label: "%" 100, "per 100,000" 100000, else NaN."""
    if not isinstance(unit, str):
        return float("nan")
    if unit.strip() == "%":
        return 100.0
    found = re.match(r"^per ([\d,]+)", unit.strip())
    return float(found.group(1).replace(",", "")) if found else float("nan")


def limits_99_8(frame: pd.DataFrame) -> pd.DataFrame:
    """99.8% limits by each row's interval method, with ``limits_99_8`` saying how.

    * published 99.8% limits are kept ("published");
    * Wilson score (proportions) with a count and denominator: Wilson limits of
      count/denominator at 99.8%, times the unit's multiplier;
    * Byar's method (crude rates) with a count and denominator: exact Poisson limits
      below 10 events and Byar's from 10 (:func:`healthgap.stats.intervals.poisson_limits`),
      divided by the denominator, times the multiplier;
    * otherwise the 95% half-widths are scaled by z(99.8%)/z(95%)
      (:func:`healthgap.account.scorecards.widen_limits`; "derived from 95% limits").
    """
    out = frame.copy()
    n = len(out)
    method = np.full(n, "", dtype=object)
    lo = out["lower_99_8"].to_numpy(dtype=float).copy()
    hi = out["upper_99_8"].to_numpy(dtype=float).copy()
    published = ~np.isnan(lo) & ~np.isnan(hi)
    method[published] = "published"
    units = out["unit"]
    scale = {u: multiplier(u) for u in units.dropna().unique()}  # once per distinct unit
    mult = units.map(scale).to_numpy(dtype=float)
    count = out["count"].to_numpy(dtype=float)
    den = out["denominator"].to_numpy(dtype=float)
    usable = ~published & np.isfinite(count) & np.isfinite(den) & (den > 0) & np.isfinite(mult)
    ci = out["interval_method"].fillna("").to_numpy(dtype=object)
    wilson = usable & (ci == "Wilson Score method") & (count <= den)
    if wilson.any():
        w_lo, w_hi = wilson_limits(count[wilson], den[wilson], 0.998)
        lo[wilson], hi[wilson] = w_lo * mult[wilson], w_hi * mult[wilson]
        method[wilson] = "Wilson score from count and denominator"
    byar = usable & (ci == "Byar's method")
    if byar.any():
        p_lo, p_hi, _ = poisson_limits(count[byar], 0.998)
        lo[byar], hi[byar] = p_lo / den[byar] * mult[byar], p_hi / den[byar] * mult[byar]
        method[byar] = "exact Poisson (<10) or Byar's from the count"
    rest = ~published & ~wilson & ~byar
    d_lo, d_hi = widen_limits(out["value"], out["lower_95_0"], out["upper_95_0"])
    lo[rest], hi[rest] = d_lo[rest], d_hi[rest]
    has = rest & ~np.isnan(lo)
    method[has] = "derived from 95% limits"
    method[rest & np.isnan(lo)] = "none"
    out["lower_99_8"], out["upper_99_8"] = lo, hi
    out["limits_99_8"] = method
    return out


def _pick_types(mine: pd.DataFrame, area_type: str | None) -> pd.DataFrame:
    """One area type per area and indicator: the given one, else the first in
    :data:`AREA_TYPE_ORDER` the area has values for (a grouped minimum, no merge)."""
    if area_type is not None:
        return mine[mine["area_type"] == area_type]
    rank = {t: i for i, t in enumerate(AREA_TYPE_ORDER)}
    r = mine["area_type"].map(rank).fillna(len(rank)).to_numpy(dtype=float)
    keys = [mine["area_code"], mine["indicator_id"]]
    best = pd.Series(r, index=mine.index).groupby(keys, sort=False).transform("min")
    return mine[r == best.to_numpy()]


def _cached(store: Store) -> dict[str, Any]:
    """The region lookup and the indicator metadata, worked out once per build
    (:mod:`healthgap.data.published`); shared, so read-only."""
    return remembered(store, ("profiles.lookups",), lambda: _lookups(store))


def _lookups(store: Store) -> dict[str, Any]:
    from healthgap.data.indicator_metadata import metadata
    from healthgap.geography import lad_lookup

    try:
        lookup = lad_lookup(store)
        regions = dict(zip(lookup["utla_code"], lookup["region_code"], strict=True))
        regions.update(zip(lookup["lad_code"], lookup["region_code"], strict=True))
    except InputError:
        regions = {}
    meta = metadata(store).drop(columns=["dataset_id", "decimal_places"])
    meta = meta.rename(columns={"name": "meta_name", "polarity": "meta_polarity"})
    return {"regions": regions, "metadata": meta}


def _comparators(store: Store) -> dict[str, pd.DataFrame]:
    """Every comparator a profile needs, from one pass each, once per build (shared, so
    read-only):

    * ``spine``: per indicator, area type, sex, age and period, the English areas'
      minimum, quartiles, maximum and count (the spine chart);
    * ``england``: England's value for each indicator, sex, age and period;
    * ``region``: every region's value likewise.

    A profile or a compare-areas table then merges its rows with these frames instead
    of querying the whole table again.
    """
    return remembered(store, ("profiles.comparators",), lambda: _comparator_frames(store))


def _comparator_frames(store: Store) -> dict[str, pd.DataFrame]:
    cur = store.backend.con.cursor()
    try:
        spine = cur.execute(_SPINE_SQL).fetch_df()
        england = cur.execute(_ENGLAND_SQL).fetch_df()
        region = cur.execute(_REGIONS_SQL).fetch_df()
    finally:
        cur.close()
    quartiles = [
        q if isinstance(q, list | np.ndarray) else [np.nan] * 3 for q in spine["quartiles"]
    ]
    spine[["spine_q1", "spine_median", "spine_q3"]] = np.asarray(quartiles, dtype=float).reshape(
        len(spine), 3
    )
    return {"spine": spine.drop(columns="quartiles"), "england": england, "region": region}


_AREA_SQL = """
SELECT * REPLACE (coalesce(sex, 'Persons') AS sex, coalesce(age, '') AS age)
FROM indicators
WHERE area_code IN (SELECT unnest($codes)) AND value IS NOT NULL {indicators}
"""

_SPINE_SQL = """
SELECT indicator_id, area_type, coalesce(sex, 'Persons') AS sex, coalesce(age, '') AS age,
       period, min(value) AS spine_min,
       quantile_cont(value, [0.25, 0.5, 0.75]) AS quartiles,
       max(value) AS spine_max, count(value) AS n_areas
FROM indicators
WHERE category_type IS NULL AND value IS NOT NULL AND area_code LIKE 'E%'
GROUP BY ALL
"""

_ENGLAND_SQL = """
SELECT indicator_id, coalesce(sex, 'Persons') AS sex, coalesce(age, '') AS age, period,
       any_value(value) AS england_value
FROM indicators
WHERE area_code = 'E92000001' AND area_type = 'nation' AND category_type IS NULL
  AND value IS NOT NULL
GROUP BY ALL
"""

_REGIONS_SQL = """
SELECT indicator_id, area_code AS region_code, coalesce(sex, 'Persons') AS sex,
       coalesce(age, '') AS age, period, any_value(value) AS region_value
FROM indicators
WHERE area_type = 'region' AND category_type IS NULL
GROUP BY ALL
"""


def trends_table(recent: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """:func:`trend_slope` for every group of ``recent`` at once (vectorised).

    ``recent`` holds the last periods of each group in order, with ``value``,
    ``lower_95_0`` and ``upper_95_0``; the result has one row per group with
    ``trend_slope`` and ``trend_z`` (NaN with fewer than 3 usable periods).
    """
    r = recent[keys].copy()
    t = recent.groupby(keys, sort=False).cumcount().to_numpy(dtype=float)
    y = recent["value"].to_numpy(dtype=float)
    se = intervals.se_from_limits(recent["lower_95_0"], recent["upper_95_0"], 0.95)
    ok = ~(np.isnan(y) | np.isnan(se)) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(ok, 1.0 / se**2, 0.0)
    y0 = np.where(ok, y, 0.0)
    r["n"], r["sw"], r["swt"], r["swy"] = ok.astype(float), w, w * t, w * y0
    r["swtt"], r["swty"] = w * t * t, w * t * y0
    s = r.groupby(keys, sort=False).sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        tw = s["swt"] / s["sw"]
        sxx = s["swtt"] - s["sw"] * tw**2
        slope = (s["swty"] - tw * s["swy"]) / sxx
        z = slope * np.sqrt(sxx)
    few = s["n"] < 3
    s["trend_slope"] = slope.mask(few)
    s["trend_z"] = z.mask(few)
    return s[[*keys, "trend_slope", "trend_z"]]


def _trend_columns(z: pd.Series, polarity: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    zz = z.to_numpy(dtype=float)
    signs = polarity_signs(polarity)
    up, down = zz > Z95, zz < -Z95
    words = np.where(up, "increasing", np.where(down, "decreasing", "no significant change"))
    words = np.where(np.isnan(zz), "not assessed", words).astype(object)
    better = ((signs > 0) & up) | ((signs < 0) & down)
    worse = ((signs > 0) & down) | ((signs < 0) & up)
    meaning = np.where(better, "getting better", np.where(worse, "getting worse", ""))
    return words, meaning.astype(object)


def profile_rows(
    area_codes: list[str],
    *,
    store: Store,
    area_type: str | None = None,
    indicators: list[str] | None = None,
    trend_periods: int = 5,
    breakdowns: bool = False,
    trends: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The profile table of several areas at once (the engine of :func:`profile` and
    :func:`healthgap.account.compare_areas.compare_areas`): ``(table, trend rows)``.

    ``indicators=None`` takes every indicator but the Health Index's ``hi_*`` (which have
    no limits or England value)."""
    cache = _cached(store)
    cur = store.backend.con.cursor()
    try:
        params: dict[str, Any] = {"codes": list(area_codes)}
        extra = "AND NOT starts_with(indicator_id, 'hi_')"  # Health Index: not compared
        if indicators is not None:
            extra, params["ids"] = "AND indicator_id IN (SELECT unnest($ids))", list(indicators)
        if not breakdowns:
            extra += " AND category_type IS NULL"
        # through Arrow: several times quicker than fetch_df() for text columns
        rows = cur.execute(_AREA_SQL.format(indicators=extra), params).to_arrow_table().to_pandas()
        note = rows["value_note"]
        rows["value_note"] = note.astype(object).where(note.notna(), None)  # None, as before
        overall = _pick_types(rows[rows["category_type"].isna()], area_type)
        if overall.empty:
            return pd.DataFrame(columns=list(COLUMNS)), pd.DataFrame()
        order = ["area_code", *_KEYS, "period_end", "period_start"]
        overall = overall.sort_values(order)
        latest = overall.groupby(["area_code", *_KEYS], sort=False).tail(1)
    finally:
        cur.close()
    comparators = _comparators(store)
    regions = cache["regions"]
    table = latest.merge(
        comparators["spine"], on=["indicator_id", "area_type", "sex", "age", "period"], how="left"
    )
    table = table.merge(
        comparators["england"], on=["indicator_id", "sex", "age", "period"], how="left"
    )
    table["region_code"] = table["area_code"].map(regions)
    table = table.merge(comparators["region"], on=["region_code", *_KEYS, "period"], how="left")
    table["benchmark"] = "England"

    if breakdowns:
        cats = rows[rows["category_type"].notna()]
        cats = cats.merge(
            latest[["area_code", "indicator_id", "area_type"]].drop_duplicates(),
            on=["area_code", "indicator_id", "area_type"],
        )
        if len(cats):
            last = cats.groupby(["area_code", *_KEYS, "category_type"])["period_end"].transform(
                "max"
            )
            cats = cats[cats["period_end"] == last]
            whole = overall[["area_code", *_KEYS, "period", "value"]].rename(
                columns={"value": "england_value"}
            )
            cats = cats.merge(whole, on=["area_code", *_KEYS, "period"], how="left")
            cats["benchmark"] = "area"
            table = pd.concat([table, cats], ignore_index=True)

    table = table.merge(cache["metadata"], on="indicator_id", how="left")
    table["indicator_name"] = table["meta_name"].fillna(table["indicator_name"])
    table["polarity"] = table["meta_polarity"].fillna(table["polarity"])
    table["domain"] = table["domain"].fillna(OUTCOMES)
    for c in ("value", "lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8"):
        table[c] = table[c].astype(float)
    table = limits_99_8(table)
    table["compared_95"] = compare_to_benchmark(
        table["lower_95_0"], table["upper_95_0"], table["england_value"], table["polarity"]
    )
    table["compared_99_8"] = compare_to_benchmark(
        table["lower_99_8"], table["upper_99_8"], table["england_value"], table["polarity"]
    )
    low_good = polarity_signs(table["polarity"]) < 0
    table["worst"] = np.where(low_good, table["spine_max"], table["spine_min"])
    table["best"] = np.where(low_good, table["spine_min"], table["spine_max"])

    trend_rows = pd.DataFrame(columns=["area_code", *_KEYS, "period", "value"])
    keys = ["area_code", *_KEYS]
    if trends:
        recent = overall.groupby(keys, sort=False).tail(trend_periods)
        tr = trends_table(recent, keys)
        tr["trend_from"] = recent.groupby(keys, sort=False)["period"].first().to_numpy()
        table = table.merge(tr, on=keys, how="left")
        trend_rows = recent[[*keys, "period", "value", "lower_95_0", "upper_95_0"]]
        trend_rows = trend_rows.reset_index(drop=True)
    else:
        for c in ("trend_from", "trend_slope", "trend_z"):
            table[c] = np.nan
    area_rows = (table["benchmark"] == "area").to_numpy()
    table.loc[area_rows, ["trend_from", "trend_slope", "trend_z"]] = np.nan
    table["trend"], table["trend_meaning"] = _trend_columns(table["trend_z"], table["polarity"])
    domain_rank = {d: i for i, d in enumerate(DOMAINS)}
    table["_d"] = table["domain"].map(domain_rank).fillna(len(DOMAINS))
    table["_b"] = area_rows
    table = table.sort_values(
        ["area_code", "_d", "indicator_name", "sex", "age", "_b", "category_type", "category"],
        na_position="first",
    )
    table["age"] = table["age"].replace("", np.nan)
    table["area_name"] = np.nan
    return table[list(COLUMNS)].reset_index(drop=True), trend_rows


def profile(
    area_code: str,
    *,
    store: Store,
    area_type: str | None = None,
    indicators: list[str] | None = None,
    trend_periods: int = 5,
    inequality: bool = True,
    breakdowns: bool = False,
) -> Profile:
    """The Fingertips-style profile of one area: every indicator the store holds for it.

    Rows are grouped by domain (health outcomes, health improvement, wider determinants,
    healthcare; from ``indicator_metadata``) and carry the indicator's metadata (unit,
    definition, polarity and its reason, interval method, source and its address).
    For each indicator, sex and age the latest period with a value is compared with
    England at 95% and 99.8% (:func:`limits_99_8` gives the 99.8% limits by the
    indicator's interval method), placed on a spine of every English area of the same
    type (worst, 25th percentile, median, 75th percentile and best by polarity), and
    given its recent trend (see the module docs). ``region_value`` is the area's
    region's value where the store holds it.

    Parameters
    ----------
    area_code
        A GSS code in the store's indicators (LAD, UTLA, combined authority, region,
        ICB, sub-ICB).
    store
        An open store.
    area_type
        Use only this area type; default: per indicator, the first of
        :data:`AREA_TYPE_ORDER` the area has values for (a unitary authority is both a
        ``utla`` and a ``lad``).
    indicators
        Indicator ids to include (default: all with values for the area; Health Index
        ``hi_*`` indicators, which have no limits or England value, are left out unless
        named).
    trend_periods
        Periods in the recent trend (at least 3).
    inequality
        Add the Core20 breakdown of the four headline indicators (``Profile.inequality``,
        :func:`healthgap.account.core20plus5.core20_indicators`).
    breakdowns
        Add rows for the area's breakdowns (ethnic group, deprivation within the area,
        ...) in their latest period, with ``category_type`` and ``category`` set and the
        area's own value as ``benchmark`` (``england_value`` then holds the area's value).

    Examples
    --------
    >>> p = profile("E08000003", store=store)  # doctest: +SKIP
    >>> p.compared["indicator_id"].nunique() >= 40  # doctest: +SKIP
    True
    """
    if isinstance(trend_periods, bool) or not isinstance(trend_periods, int) or trend_periods < 3:
        raise InputError(
            f"trend_periods must be a whole number of at least 3; got {trend_periods!r}. "
            "Fingertips uses the 5 most recent periods."
        )
    cur = store.backend.con.cursor()
    try:
        mine = cur.execute(
            "SELECT DISTINCT area_type, indicator_id FROM indicators WHERE area_code = ?",
            [area_code],
        ).fetch_df()
        found = cur.execute(
            "SELECT any_value(name) FROM areas WHERE code = ? AND name IS NOT NULL", [area_code]
        ).fetchone()
    finally:
        cur.close()
    if mine.empty:
        raise InputError(
            f"area must have indicator values in the store; got {area_code!r}, which has "
            "none. Use a LAD, UTLA, combined authority or region code such as E08000025."
        )
    types = list(dict.fromkeys(mine["area_type"]))
    if area_type is not None and area_type not in types:
        raise InputError(
            f"area_type must be one of {', '.join(types)} for {area_code}; got {area_type!r}."
        )
    available = sorted(set(mine["indicator_id"]))
    if area_type is not None:
        available = sorted(set(mine.loc[mine["area_type"] == area_type, "indicator_id"]))
    if indicators is None:
        ids = [i for i in available if not i.startswith("hi_")]
    else:
        missing = [i for i in indicators if i not in available]
        if missing:
            raise InputError(
                f"indicators must have values for {area_code}; got {missing[0]!r}, which has "
                f"none. Available: {', '.join(available[:8])}."
            )
        ids = list(indicators)
    table, trend_rows = profile_rows(
        [area_code],
        store=store,
        area_type=area_type,
        indicators=ids,
        trend_periods=trend_periods,
        breakdowns=breakdowns,
    )
    kinds = table.loc[table["benchmark"] == "England", "area_type"]
    chosen = str(kinds.mode().iloc[0]) if len(kinds) else (area_type or types[0])
    area_name = str(found[0]) if found and found[0] is not None else area_code
    table["area_name"] = area_name
    headline = table[table["benchmark"] == "England"]
    breakdown, notes = (
        _inequality(area_code, store, headline, ["indicator_id", "sex"])
        if inequality
        else (pd.DataFrame(), ())
    )
    return Profile(
        area_code=area_code,
        area_name=area_name,
        area_type=chosen,
        table=table,
        trends=trend_rows.drop(columns="area_code", errors="ignore"),
        inequality=breakdown,
        notes=notes,
    )


def _inequality(
    area_code: str, store: Store, table: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Core20 LADs vs the rest within the area, and the SII across LAD deciles."""
    from healthgap.account.core20plus5 import core20_indicators

    headline = {("hle_birth", "Female"), ("hle_birth", "Male"), ("93722", "Persons")}
    headline |= {("adult_obesity", "Persons")}
    pairs = [
        tuple(x)
        for x in table[keys].drop_duplicates().itertuples(index=False, name=None)
        if tuple(x) in headline
    ]
    if not pairs:
        return pd.DataFrame(), ("No inequality breakdown: none of the headline indicators.",)
    try:
        result = core20_indicators(area_code, store=store, indicators=pairs)
    except InputError as exc:
        return pd.DataFrame(), (f"No inequality breakdown: {exc}",)
    return result.indicators, result.notes
