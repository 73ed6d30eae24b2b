"""The inequality explorer: an indicator by deprivation decile of areas covering England.

An indicator is published for districts, for upper-tier authorities, or for a mix (ONS
healthy life expectancy: metropolitan districts and London boroughs as districts, unitary
authorities and shire counties as upper-tier authorities; no shire districts). Using one
area type alone leaves much of England out (the district-only explorer covered 66 areas
and 19.6 million people for HLE). Here every English LSOA takes the value of the smallest
area it is published for: its district where the indicator has a value for it, else its
upper-tier authority. The areas so chosen cover England without overlap; each area's
deprivation is the population-weighted average IMD 2019 score of its LSOAs (MHCLG's
method, :mod:`healthgap.geography.deciles`), and the areas are ranked into deciles
(1 = most deprived).

Each decile's value is the population-weighted mean of its areas' values (for rates an
approximation to the pooled rate, which would need the counts); its standard error is
sqrt(sum w_i^2 s_i^2), w_i the population shares and s_i = (U - L) / (2 x 1.96) from each
area's 95% limits (areas independent). SII and RII come from :func:`healthgap.sii`
(10,000 Monte Carlo repetitions, seed 1). Populations are the ONS mid-2020 LSOA estimates
where the store has them, else IMD 2019's mid-2015 populations.

A decile holding fewer than :data:`FEW_AREAS` areas rests on few places (one large
authority can dominate it): the result warns about each such decile.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.periods import choose_period, indicator_periods
from healthgap.data.store import Store
from healthgap.errors import InputError, SuppressionWarning
from healthgap.geography import authorities as auth
from healthgap.geography.deciles import rank_deciles
from healthgap.geography.hierarchy import lsoa_lookup
from healthgap.geography.imd import imd_lsoas
from healthgap.stats import intervals
from healthgap.stats.inequality.sii import sii

Z95 = intervals.z_value(0.95)
#: A decile with fewer areas than this gets a warning.
FEW_AREAS = 5
AREA_TYPES: tuple[str, ...] = ("lad", "utla")
_TYPE_WORDS = {"lad": "districts", "utla": "upper-tier authorities"}


#: The indicators the explorer offers, with their names (the page, the API and
#: ``healthgap explore`` list these).
INDICATORS = {
    "hle_birth": "Healthy life expectancy at birth",
    "93722": "Under-75 mortality from preventable cardiovascular disease (per 100,000)",
    "adult_obesity": "Adults living with obesity (%)",
}
#: The sexes each explorer indicator is published for (the first is the default).
SEXES = {
    "hle_birth": ("Female", "Male"),
    "93722": ("Persons",),
    "adult_obesity": ("Persons",),
}


@dataclass(frozen=True)
class Explorer:
    """Deciles (``table``), the areas used (``areas``), the SII and coverage."""

    indicator: str
    sex: str
    period: str
    table: pd.DataFrame
    areas: pd.DataFrame
    summary: dict[str, Any]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _lsoa_populations(store: Store) -> tuple[pd.DataFrame, str]:
    lsoas = imd_lsoas(store, imd=2019)[["lsoa_code", "imd_score", "population"]]
    if "population_lsoa11_single_year" in store.tables():
        con = store.backend.con.cursor()
        try:
            pops = con.execute(
                "SELECT lsoa11_code AS lsoa_code, total_population::DOUBLE AS p "
                "FROM population_lsoa11_single_year WHERE lsoa11_code LIKE 'E%'"
            ).fetch_df()
        finally:
            con.close()
        lsoas = lsoas.merge(pops, on="lsoa_code", how="left")
        if lsoas["p"].notna().all():
            return lsoas.assign(population=lsoas["p"]).drop(columns="p"), "mid-2020 (ONS)"
        lsoas = lsoas.drop(columns="p")
    return lsoas, "mid-2015 (IMD 2019)"


def explore(
    store: Store, indicator: str, sex: str, period: str, *, few_areas: int = FEW_AREAS
) -> Explorer:
    """``indicator`` for ``sex`` and ``period`` by deprivation decile of covering areas.

    ``few_areas``: deciles with fewer areas than this are warned about.
    """
    con = store.backend.con.cursor()
    try:
        values = con.execute(
            "SELECT area_code, any_value(area_name) AS area_name, area_type, "
            "any_value(value) AS value, any_value(lower_95_0) AS lower_95_0, "
            "any_value(upper_95_0) AS upper_95_0 FROM indicators WHERE indicator_id = ? "
            "AND sex = ? AND period = ? AND area_type IN ('lad', 'utla') AND category IS NULL "
            "AND value IS NOT NULL AND lower_95_0 IS NOT NULL AND upper_95_0 IS NOT NULL "
            "GROUP BY area_code, area_type",
            [indicator, sex, period],
        ).fetch_df()
    finally:
        con.close()
    renamed = auth.lad25_to_lad24(store)
    values["code24"] = values["area_code"].map(lambda c: renamed.get(c, c))
    lookup = lsoa_lookup(store, lsoa_vintage=2011)[
        ["lsoa_code", "lad_code", "lad_name", "utla_code", "utla_name"]
    ]
    lad = values[values["area_type"] == "lad"].drop_duplicates("code24").set_index("code24")
    utla = values[values["area_type"] == "utla"].drop_duplicates("code24").set_index("code24")
    by_lad = lookup["lad_code"].isin(lad.index)
    by_utla = ~by_lad & lookup["utla_code"].isin(utla.index)
    lookup["area_code"] = np.where(by_lad, lookup["lad_code"], lookup["utla_code"])
    lookup["area_type"] = np.where(by_lad, "lad", "utla")
    lookup["area_name"] = np.where(by_lad, lookup["lad_name"], lookup["utla_name"])
    lsoas, population_source = _lsoa_populations(store)
    merged = lookup.merge(lsoas, on="lsoa_code", how="inner")
    total_population = float(merged["population"].sum())
    covered = merged[merged["lsoa_code"].isin(lookup.loc[by_lad | by_utla, "lsoa_code"])]
    covered = covered.assign(weighted=covered["imd_score"] * covered["population"])
    areas = covered.groupby(["area_code", "area_type", "area_name"], as_index=False).agg(
        population=("population", "sum"), weighted=("weighted", "sum")
    )
    if len(areas) < 10:
        raise InputError(
            f"the explorer needs at least 10 English districts or upper-tier authorities with "
            f"a value and 95% limits; got {len(areas)} for {indicator} ({sex}, {period}). "
            "Choose another period."
        )
    areas["imd_average_score"] = areas["weighted"] / areas["population"]
    rank = areas["imd_average_score"].rank(ascending=False, method="min").astype("int64")
    areas["imd_decile"] = rank_deciles(rank.to_numpy(), len(areas), 10)
    source = pd.concat([lad.assign(area_type="lad"), utla.assign(area_type="utla")])
    source = source.reset_index()[["code24", "area_type", "value", "lower_95_0", "upper_95_0"]]
    areas = areas.drop(columns="weighted").merge(
        source.rename(columns={"code24": "area_code"}), on=["area_code", "area_type"]
    )
    areas["se"] = intervals.se_from_limits(areas["lower_95_0"], areas["upper_95_0"], 0.95)
    share = areas["population"] / areas.groupby("imd_decile")["population"].transform("sum")
    areas["wv"] = share * areas["value"]
    areas["wse2"] = (share * areas["se"]) ** 2
    by = areas.groupby("imd_decile")
    table = pd.DataFrame(
        {
            "imd_decile": by.size().index.astype(int),
            "areas": by.size().to_numpy(),
            "districts": by["area_type"].apply(lambda t: int((t == "lad").sum())).to_numpy(),
            "upper_tier": by["area_type"].apply(lambda t: int((t == "utla").sum())).to_numpy(),
            "population": by["population"].sum().to_numpy(),
            "value": by["wv"].sum().to_numpy(),
            "se": np.sqrt(by["wse2"].sum().to_numpy()),
        }
    )
    table["lower_95_0"] = table["value"] - Z95 * table["se"]
    table["upper_95_0"] = table["value"] + Z95 * table["se"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuppressionWarning)
        res = sii(
            table, "value", "population", "imd_decile", se="se", repetitions=10_000, seed=1
        ).to_pandas()
    r = res.iloc[0]
    few = table[table["areas"] < few_areas]
    warned = tuple(
        f"Decile {int(d)} holds only {int(n)} area{'s' if n != 1 else ''}: its value rests on "
        "few places, and one authority can dominate it."
        for d, n in zip(few["imd_decile"], few["areas"], strict=True)
    )
    used = [_TYPE_WORDS[t] for t in AREA_TYPES if (areas["area_type"] == t).any()]
    covered_population = float(areas["population"].sum())
    summary = {
        "indicator": indicator,
        "sex": sex,
        "period": period,
        "sii": float(r["sii"]),
        "sii_lower_95_0": float(r["sii_lower_95_0"]),
        "sii_upper_95_0": float(r["sii_upper_95_0"]),
        "rii": float(r["rii"]),
        "direction": str(r["direction"]),
        "suppressed": bool(r["suppressed"]),
        "areas": len(areas),
        "districts": int((areas["area_type"] == "lad").sum()),
        "upper_tier": int((areas["area_type"] == "utla").sum()),
        "area_types": used,
        "population_covered": covered_population,
        "population_england": total_population,
        "coverage": covered_population / total_population,
        "population_source": population_source,
        "few_area_deciles": [int(d) for d in few["imd_decile"]],
    }
    notes = (
        f"Areas: {len(areas)} ({summary['districts']} districts, {summary['upper_tier']} "
        "upper-tier authorities where the indicator has no district value), covering "
        f"{100 * covered_population / total_population:.2f}% of England's population "
        f"({population_source}).",
        "Deciles: the areas ranked by population-weighted IMD 2019 score (1 = most "
        "deprived); healthgap.account.explorer.",
        "SII: healthgap.sii on the decile values, 10,000 Monte Carlo repetitions, seed 1.",
    )
    return Explorer(
        indicator,
        sex,
        period,
        table,
        areas.drop(columns=["wv", "wse2"]).sort_values(["imd_decile", "area_name"]),
        summary,
        warned,
        notes,
    )


def explore_chosen(
    store: Store,
    indicator: str = "hle_birth",
    sex: str | None = None,
    period: str | None = None,
) -> Explorer:
    """:func:`explore` for one of :data:`INDICATORS`, choosing as every face does: the
    first sex it is published for (:data:`SEXES`) and the latest period unless given.
    The summary adds ``indicator_name``, the ``periods`` to choose from and the
    ``warnings``."""
    if indicator not in INDICATORS:
        raise InputError(
            f"indicator must be one of {', '.join(INDICATORS)}; got {indicator!r}. "
            "Pick one from the list on /inequality.",
            field="indicator",
        )
    sexes = SEXES[indicator]
    sex = sexes[0] if sex is None else sex
    if sex not in sexes:
        raise InputError(
            f"sex must be one of {', '.join(sexes)} for {indicator}; got {sex!r}. Pick {sexes[0]}.",
            field="sex",
        )
    periods = indicator_periods(store, indicator=indicator, area_type=list(AREA_TYPES), sex=sex)
    period = choose_period(period, periods)
    result = explore(store, indicator, sex, period)
    summary = {
        **result.summary,
        "indicator_name": INDICATORS[indicator],
        "periods": periods,
        "warnings": list(result.warnings),
    }
    return replace(result, summary=summary)
