"""What drives the regional gap: age-standardised death rates by cause and region.

From the ONS SDG 3.4.1 age-specific death rates (``death_rates_by_cause``) and the
European Standard Population 2013 (``standard_populations``, 20 bands), for ages 30 and
over (regions publish no younger bands):

* the **age-standardised rate** of each region, cause, sex and year:
  DSR = sum_i w_i r_i / sum_i w_i over the 13 bands 30-34 ... 90+, with w_i the ESP2013
  weights and r_i the published rates per 100,000 (the direct-standardisation point
  estimate of :func:`healthgap.stats.dsr`, applied to published rates). Without counts
  the rates have no confidence limits. A cell missing any band is not standardised
  (``suppressed`` with the missing bands named);
* the **excess** of one region over another (default: North East over South East) by
  cause and by age band: each band's contribution w_i (r_high,i - r_low,i) / sum w, which
  sums over bands to the difference in DSRs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError

NORTH_EAST = "E12000001"
SOUTH_EAST = "E12000008"
AGE_FROM = 30


@dataclass(frozen=True)
class CauseExcess:
    """Standardised rates by cause for two regions and the excess by cause and age."""

    year: int
    sex: str
    rates: pd.DataFrame
    by_cause: pd.DataFrame
    by_age: pd.DataFrame
    notes: tuple[str, ...]


def _weights(store: Store) -> pd.DataFrame:
    con = store.backend.con.cursor()
    try:
        w = con.execute(
            "SELECT age_lower, weight FROM standard_populations WHERE standard = 'esp2013_20' "
            "AND age_lower >= ?",
            [AGE_FROM],
        ).fetch_df()
    finally:
        con.close()
    if len(w) != 13:
        raise InputError(
            "the store must hold the ESP2013 20-band weights (esp2013_20); got "
            f"{len(w)} bands from age {AGE_FROM}. Rebuild it with `healthgap init`."
        )
    return w


def standardised_rates(store: Store) -> pd.DataFrame:
    """ESP2013-standardised death rates (ages 30+) by year, area, cause and sex."""
    w = _weights(store)
    con = store.backend.con.cursor()
    try:
        rates = con.execute(
            "SELECT * FROM death_rates_by_cause WHERE age_lower >= ?", [AGE_FROM]
        ).fetch_df()
    finally:
        con.close()
    rates = rates.merge(w, on="age_lower", how="inner")
    rates["wr"] = rates["weight"] * rates["rate_per_100000"]
    key = ["year", "area_code", "area_name", "cause", "sex"]
    g = rates.groupby(key, sort=True)
    out = g.agg(bands=("age_lower", "nunique"), wr=("wr", "sum"), w=("weight", "sum"))
    out = out.reset_index()
    complete = out["bands"] == len(w)
    out["dsr_per_100000"] = np.where(complete, out["wr"] / out["w"], np.nan)
    out["suppressed"] = ~complete
    out["suppression_reason"] = np.where(
        complete, "", "not every age band from 30 to 90+ is published"
    )
    return out[[*key, "dsr_per_100000", "bands", "suppressed", "suppression_reason"]]


def regional_excess(
    store: Store,
    *,
    high: str = NORTH_EAST,
    low: str = SOUTH_EAST,
    year: int | None = None,
    sex: str = "Persons",
) -> CauseExcess:
    """The excess of region ``high`` over ``low`` by cause and age band (see module docs)."""
    w = _weights(store)
    con = store.backend.con.cursor()
    try:
        rates = con.execute(
            "SELECT * FROM death_rates_by_cause WHERE age_lower >= ? AND sex = ? "
            "AND area_code IN (?, ?)",
            [AGE_FROM, sex, high, low],
        ).fetch_df()
    finally:
        con.close()
    if rates.empty:
        raise InputError(
            f"high and low must be region codes with death rates for sex {sex!r}; got "
            f"{high!r} and {low!r}. Use e.g. E12000001 (North East) and E12000008."
        )
    years = sorted(set(rates["year"].astype(int)))
    chosen = years[-1] if year is None else int(year)
    if chosen not in years:
        raise InputError(f"year must be one of {years[0]}-{years[-1]}; got {year!r}.")
    rates = rates[rates["year"] == chosen].merge(w, on="age_lower")
    wide = rates.pivot_table(
        index=["cause", "age_band", "age_lower", "weight"],
        columns="area_code",
        values="rate_per_100000",
        aggfunc="first",
    ).reset_index()
    if high not in wide or low not in wide:
        raise InputError(
            f"both regions must have rates in {chosen}; got {sorted(set(rates.area_code))}."
        )
    total = float(w["weight"].sum())
    wide = wide.rename(columns={high: "rate_high", low: "rate_low"})
    wide["difference"] = wide["rate_high"] - wide["rate_low"]
    wide["contribution"] = wide["weight"] * wide["difference"] / total
    complete = wide.groupby("cause")["difference"].transform(lambda d: d.notna().all())
    by_age = wide[complete].sort_values(["cause", "age_lower"], ignore_index=True)
    by_cause = by_age.groupby("cause").agg(
        dsr_high=("rate_high", lambda r: float(np.sum(r * by_age.loc[r.index, "weight"]) / total)),
        dsr_low=("rate_low", lambda r: float(np.sum(r * by_age.loc[r.index, "weight"]) / total)),
        excess=("contribution", "sum"),
    )
    by_cause["ratio"] = by_cause["dsr_high"] / by_cause["dsr_low"]
    by_cause = by_cause.reset_index().sort_values("excess", ascending=False, ignore_index=True)
    names = dict(zip(rates["area_code"], rates["area_name"], strict=False))
    notes = (
        f"{names.get(high, high)} over {names.get(low, low)}, {sex}, {chosen}, ages 30+: "
        "age-standardised to the ESP2013 (weights of the bands 30-34 to 90+).",
        "Published rates, not counts: no confidence limits. Each age band's contribution "
        "is its ESP2013 weight times the rate difference over the total weight; the "
        "contributions sum to the difference in standardised rates.",
        "These four causes are not all deaths: an all-cause decomposition of the life "
        "expectancy gap needs life tables the open data do not hold.",
    )
    return CauseExcess(
        chosen,
        sex,
        standardised_rates(store).query("year == @chosen"),
        by_cause,
        by_age[["cause", "age_band", "rate_high", "rate_low", "difference", "contribution"]],
        notes,
    )
