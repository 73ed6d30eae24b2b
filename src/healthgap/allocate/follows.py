"""Does money follow need? NHS England's published need against population and deprivation.

One domain service (:func:`money_follows_need`) used by the CLI (``healthgap allocate
need``), the Funding page, its CSV downloads and the report. For each ICB and allocation
year it sets the ICB's **need share** (its share of England's final weighted population,
the core formula's target share) against its **population share**; the **health
inequalities component** (its share of England's inequalities-weighted population, and
the index per head) against the ICB's **Core20 share** (population in England's most
deprived 20% of LSOAs, IMD 2019, mid-2015 populations) and its **IMD score** (the
population-weighted mean IMD 2019 score of its LSOAs, MHCLG's "average score" method);
and gives, across ICBs, the **concentration index** of need per head against deprivation
(:func:`~healthgap.stats.inequality.concentration.concentration_index`, units ranked from
most to least deprived IMD score, weighted by registered population: negative = need
concentrated where deprivation is greater). The change across the three years is given per ICB.

ICBs are matched to the IMD through the ONS LSOA (2011) to ICB (July 2022) lookup and its
NHS ODS codes; the 42 ICBs have kept their boundaries since July 2022 (the practice files
assign each practice to one of the same 42 codes in every year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.allocate import need
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.core20 import core20_lsoas
from healthgap.geography.imd import to_footprint
from healthgap.stats.inequality.concentration import concentration_index

METHOD = (
    "Need share: the ICB's share of England's NHS England final weighted population (the "
    "core formula's target share); population share: its share of England's registered "
    "population. Health inequalities: the share of England's inequalities-weighted "
    "population and that index per head. Core20 share: population in England's most "
    "deprived 20% of LSOAs (IMD 2019, mid-2015 populations); IMD score: population-"
    "weighted mean IMD 2019 score of the ICB's LSOAs (ONS LSOA 2011 to ICB July 2022 "
    "lookup). Concentration index: need per head across the 42 ICBs ranked from most to "
    "least deprived, weighted by registered population (negative = need concentrated in "
    "more deprived ICBs), with 95% limits."
)


@dataclass(frozen=True)
class NeedFollows:
    """What :func:`money_follows_need` returns.

    Attributes
    ----------
    icbs:
        One row per ICB and year: ``year``, ``icb_code``, ``icb_name``,
        ``registered_population``, ``population_share``, ``need_share``,
        ``need_to_population`` (need share / population share = need index),
        ``hi_share``, ``hi_index``, ``hi_effect``, ``pmc_hi_effect``, ``core20_share``,
        ``imd_score``.
    concentration:
        One row per year and measure (``need_index``, ``hi_index``): ``value``,
        ``lower``, ``upper``, ``se``, ``n``.
    change:
        One row per ICB: need share in each year and the change from the first to the
        last year in percentage points (``change_points``), and the same for the need index.
    method:
        How the numbers were made (:data:`METHOD`).
    """

    icbs: pd.DataFrame
    concentration: pd.DataFrame
    change: pd.DataFrame
    method: str = METHOD


def icb_deprivation(store: Store) -> pd.DataFrame:
    """Core20 population share and mean IMD 2019 score for the 42 ICBs, by NHS ODS code."""
    lsoas = core20_lsoas(store, imd=2019)
    lsoas["weighted_score"] = lsoas["imd_score"] * lsoas["population"]
    lsoas["core20_population"] = np.where(lsoas["core20"], lsoas["population"], 0.0)
    values = ["population", "weighted_score", "core20_population"]
    icb = to_footprint(lsoas, values, to="icb", imd=2019, store=store)
    # The LSOA lookup's ICB codes (ONS E54) to NHS ODS codes, from the 2024 names lookup
    # (the geography's current vintage) and the 2022 one (for codes it no longer holds).
    n24 = store.to_pandas(store.table("lookup_sicbl24_icb24_names_en"))
    n22 = store.to_pandas(store.table("lookup_sicbl22_icb22_names_en"))
    ods = pd.concat(
        [
            n24.drop_duplicates("icb24_code").set_index("icb24_code")["icb24_code_nhs"],
            n22.drop_duplicates("icb22_code").set_index("icb22_code")["icb22_code_h"],
        ]
    )
    ods = ods[~ods.index.duplicated()]
    out = pd.DataFrame(
        {
            "icb_code": icb["icb_code"].map(ods),
            "core20_share": icb["core20_population"] / icb["population"],
            "imd_score": icb["weighted_score"] / icb["population"],
        }
    )
    if out["icb_code"].isna().any():
        raise InputError(
            "every ICB of the LSOA lookup must have an NHS ODS code in the ICB names lookup; "
            "got some without. Rebuild the store with `healthgap init`."
        )
    return out


def money_follows_need(store: Store, years: tuple[str, ...] = need.YEARS) -> NeedFollows:
    """Need share against population share, deprivation and Core20, for every ICB and year.

    Examples
    --------
    >>> follows = money_follows_need(store)  # doctest: +SKIP
    >>> follows.concentration.query("measure == 'need_index'")  # doctest: +SKIP
    """
    years = tuple(need.check_year(y) for y in years)
    deprivation = icb_deprivation(store)
    frames = []
    conc = []
    for year in years:
        icb = need.icb_need(store, year).merge(
            deprivation, on="icb_code", how="left", validate="one_to_one"
        )
        if icb["imd_score"].isna().any():
            first = icb.loc[icb["imd_score"].isna(), "icb_code"].iloc[0]
            raise InputError(
                f"every ICB of the weighted populations must be in the LSOA to ICB lookup; "
                f"got {first!r} in none. Rebuild the store with `healthgap init`."
            )
        frame = pd.DataFrame(
            {
                "year": year,
                "icb_code": icb["icb_code"],
                "icb_name": icb["icb_name"],
                "registered_population": icb["registered_population"],
                "population_share": icb["population_share"],
                "need_share": icb["need_share"],
                "need_to_population": icb["need_share"] / icb["population_share"],
                "need_index": icb["need_index"],
                "hi_share": icb["share_health_inequalities_wp"],
                "hi_index": icb["hi_index"],
                "hi_effect": icb["hi_effect"],
                "pmc_hi_effect": icb["pmc_hi_effect"],
                "core20_share": icb["core20_share"],
                "imd_score": icb["imd_score"],
            }
        )
        frames.append(frame)
        for measure in ("need_index", "hi_index"):
            ci = concentration_index(
                frame[measure].to_numpy(dtype=float),
                rank=-frame["imd_score"].to_numpy(dtype=float),
                weights=frame["registered_population"].to_numpy(dtype=float),
            )
            conc.append(
                {
                    "year": year,
                    "measure": measure,
                    "value": ci.value,
                    "lower": ci.lower,
                    "upper": ci.upper,
                    "se": ci.se,
                    "n": ci.n,
                }
            )
    icbs = pd.concat(frames, ignore_index=True)
    return NeedFollows(icbs, pd.DataFrame(conc), _change(icbs, years))


def _change(icbs: pd.DataFrame, years: tuple[str, ...]) -> pd.DataFrame:
    # Names are spelt differently in some years ("Kent And Medway"): the latest name.
    wide = icbs.pivot(index="icb_code", columns="year", values="need_share")
    index = icbs.pivot(index="icb_code", columns="year", values="need_index")
    names = icbs.drop_duplicates("icb_code", keep="last").set_index("icb_code")["icb_name"]
    out = pd.DataFrame({"icb_name": names.reindex(wide.index)}, index=wide.index)
    for year in years:
        out[f"need_share_{year.replace('/', '_')}"] = wide[year]
    for year in years:
        out[f"need_index_{year.replace('/', '_')}"] = index[year]
    first, last = years[0], years[-1]
    out["change_points"] = 100 * (wide[last] - wide[first])
    out["need_index_change"] = index[last] - index[first]
    return out.reset_index().sort_values("change_points", ascending=False, ignore_index=True)


__all__ = ["METHOD", "NeedFollows", "icb_deprivation", "money_follows_need"]
