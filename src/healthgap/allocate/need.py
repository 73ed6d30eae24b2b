"""Need on NHS England's published weighted populations, for ICBs and any footprint.

NHS England's allocation formulae turn every GP practice's registered population into
weighted populations, one per component of need (general and acute, community services,
mental health, maternity, the health inequalities adjustment, prescribing), a final (core)
weighted population, and a primary medical care weighted population with its own
inequalities adjustment. Each is scaled so that England's total equals England's
registered population, so a footprint's **need index** is simply its weighted population
over its registered population (England = 1), and an ICB's **target share** is its share
of England's weighted population. These are the published need figures, not money: a £
amount needs the published envelope (a control total the user supplies).

Footprints (:func:`footprint_need`):

* ``icb``: the practices of each ICB (NHS ODS code), exactly as NHS England sums them.
* ``lad``: each practice counted wholly in the district of its address (the file's LAD
  2021 code, carried forward to 2024 codes with the ONS code history). Registered lists
  are not split by where patients live: the open data hold no list-by-LSOA counts, so a
  district's need is the need of the patients of its practices.
* ``utla``, ``strategic_authority``, ``region``: the districts summed with
  :func:`healthgap.geography.hierarchy.lad_lookup` (your own strategic authority lookup
  may be passed as ``strategic``).
* ``icb_place``: an ICB's practices split by the upper-tier authority of their district
  (the usual footprint of a place-based partnership).
* a list of :class:`~healthgap.geography.Place` of LAD (2024) codes: the districts summed.

>>> from healthgap.allocate.need import YEARS
>>> YEARS
('2023/24', '2024/25', '2025/26')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.sources.nhs_allocations import COMPONENTS
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.geography.hierarchy import lad_lookup, recode_lad

#: The allocation years with published weighted populations.
YEARS: tuple[str, ...] = ("2023/24", "2024/25", "2025/26")

#: Share of the final primary medical care weighted population that is the health
#: inequalities adjustment (Final PMC WP = 0.85 PMC WP + 0.15 HI WP, exact in every file).
PMC_HI_WEIGHT = 0.15

#: How a footprint's need is built from practices, for pages, reports and CSV files.
METHOD = (
    "Need index = the footprint's NHS England final weighted population / its registered "
    "population (England = 1), from the GP practice weighted populations of the allocation "
    "year. ICBs: their practices, as NHS England sums them. Districts: each practice counted "
    "wholly in the district of its address (LAD 2021 codes carried forward to 2024); "
    "registered lists are not split by where patients live (no list-by-LSOA counts are in "
    "the open data). Upper-tier authorities, strategic authorities and regions: their "
    "districts summed. ICB places: an ICB's practices split by the upper-tier authority of "
    "their district."
)

#: Footprint levels :func:`footprint_need` accepts by name.
LEVELS: tuple[str, ...] = ("icb", "icb_place", "lad", "utla", "strategic_authority", "region")

_SUMS = ["registered_population", *COMPONENTS]


def check_year(year: Any) -> str:
    """``year`` if it is one of :data:`YEARS`; else an :class:`InputError`."""
    if year not in YEARS:
        raise InputError(
            f"year must be one of {', '.join(YEARS)} (allocation years with published "
            f"weighted populations); got {year!r}."
        )
    return str(year)


def practices(store: Store, year: str) -> pd.DataFrame:
    """The practice weighted populations of ``year`` (one row per GP practice)."""
    year = check_year(year)
    if "nhs_weighted_populations" not in store.tables():
        raise InputError(
            "the store must hold NHS England's weighted populations (table "
            "nhs_weighted_populations); got a store without them. Rebuild it with "
            "`healthgap init`."
        )
    t = store.table("nhs_weighted_populations")
    return store.to_pandas(t.filter(t.allocation_year == year))


def _with_indices(frame: pd.DataFrame) -> pd.DataFrame:
    """Add shares of England, need indices per head and the inequalities effects."""
    out = frame.copy()
    pop = out["registered_population"].to_numpy(dtype=float)
    out["population_share"] = pop / pop.sum()
    for column in COMPONENTS:
        values = out[column].to_numpy(dtype=float)
        out[f"share_{column}"] = values / values.sum()
    out["need_share"] = out["share_final_wp"]
    out["pmc_need_share"] = out["share_final_pmc_wp"]
    out["need_index"] = out["final_wp"] / pop
    out["pmc_need_index"] = out["final_pmc_wp"] / pop
    out["hi_index"] = out["health_inequalities_wp"] / pop
    # What the inequalities component alone does: its share minus the population share.
    out["hi_effect"] = out["share_health_inequalities_wp"] - out["population_share"]
    # Primary medical care: the final share minus the share before the adjustment, which
    # equals 0.15 x (HI share - PMC share) exactly.
    out["pmc_hi_effect"] = out["share_final_pmc_wp"] - out["share_pmc_wp"]
    return out


def icb_need(store: Store, year: str) -> pd.DataFrame:
    """The 42 ICBs of ``year``: weighted populations, shares and need indices.

    Columns: ``icb_code`` (NHS ODS), ``icb_name``, ``practices``,
    ``registered_population``, the nine weighted populations, ``population_share``,
    ``share_<component>`` (what each component alone gives), ``need_share`` (the target
    share of the core formula: the ICB's share of England's final weighted population),
    ``pmc_need_share``, ``need_index``, ``pmc_need_index``, ``hi_index``, ``hi_effect``
    (inequalities component share minus population share) and ``pmc_hi_effect`` (final
    primary medical care share minus the share before the adjustment).
    """
    prac = practices(store, year)
    sums = prac.groupby(["icb_code", "icb_name"], as_index=False, sort=True)[_SUMS].sum()
    sums.insert(2, "practices", prac.groupby("icb_code", sort=True).size().to_numpy())
    return _with_indices(sums)


def district_need(store: Store, year: str) -> pd.DataFrame:
    """Practices summed by the district of their address, in LAD 2024 codes."""
    prac = practices(store, year)
    prac["lad_code"] = recode_lad(prac["lad_code"].to_numpy(), 2021, 2024, store=store)
    sums = prac.groupby("lad_code", as_index=False, sort=True)[_SUMS].sum()
    sums.insert(1, "practices", prac.groupby("lad_code", sort=True).size().to_numpy())
    return sums


def footprint_need(
    store: Store,
    year: str,
    to: str | Sequence[Place] = "strategic_authority",
    *,
    strategic: Any = None,
) -> pd.DataFrame:
    """Need per head for every footprint of a level (or your places), method :data:`METHOD`.

    Returns ``code``, ``name``, ``practices``, ``registered_population``, the weighted
    populations and the columns of :func:`icb_need` (shares are of England's total for
    ICBs, districts and places covering England; for strategic authorities, which cover
    part of England, shares are still of England's total).
    """
    year = check_year(year)
    if isinstance(to, str):
        if to not in LEVELS:
            raise InputError(
                f"footprint must be one of {', '.join(LEVELS)} or a list of places; got {to!r}."
            )
        if to == "icb":
            out = icb_need(store, year).rename(columns={"icb_code": "code", "icb_name": "name"})
            return out
        if to == "icb_place":
            return _icb_places(store, year)
    districts = district_need(store, year)
    lads = lad_lookup(store, strategic=strategic)
    merged = districts.merge(lads, on="lad_code", how="left", validate="one_to_one")
    if merged["lad_name"].isna().any():
        first = merged.loc[merged["lad_name"].isna(), "lad_code"].iloc[0]
        raise InputError(
            f"every practice district must be an English LAD 2024 code; got {first!r}. "
            "Rebuild the store with `healthgap init`."
        )
    england = merged[_SUMS].sum()
    if isinstance(to, str):
        keys = [f"{to}_code", f"{to}_name"]
        grouped = merged.dropna(subset=[keys[0]]).groupby(keys, as_index=False, sort=True)
        sums = grouped[[*_SUMS, "practices"]].sum()
        sums = sums.rename(columns={keys[0]: "code", keys[1]: "name"})
    else:
        sums = _places(merged, to)
    return _shares_of(sums, england)


def _shares_of(sums: pd.DataFrame, england: pd.Series) -> pd.DataFrame:
    """Shares of England's totals (not of the footprints listed) and indices per head."""
    out = _with_indices(sums)
    pop = out["registered_population"].to_numpy(dtype=float)
    out["population_share"] = pop / float(england["registered_population"])
    for column in COMPONENTS:
        out[f"share_{column}"] = out[column] / float(england[column])
    out["need_share"] = out["share_final_wp"]
    out["pmc_need_share"] = out["share_final_pmc_wp"]
    out["hi_effect"] = out["share_health_inequalities_wp"] - out["population_share"]
    out["pmc_hi_effect"] = out["share_final_pmc_wp"] - out["share_pmc_wp"]
    return out


def _places(merged: pd.DataFrame, places: Sequence[Place]) -> pd.DataFrame:
    rows = []
    known = set(merged["lad_code"])
    for place in places:
        if not isinstance(place, Place) or place.level != "lad":
            raise InputError(
                "places must be Place objects made of LAD 2024 codes (level 'lad'); got "
                f"{place!r}. Build them as Place(name, [lad codes])."
            )
        unknown = [c for c in place.areas if c not in known]
        if unknown:
            raise InputError(
                f"place {place.name!r} must be made of districts with GP practices (LAD "
                f"2024 codes); got {len(unknown)} that are not (first: {unknown[0]!r})."
            )
        part = merged[merged["lad_code"].isin(place.areas)]
        row = part[[*_SUMS, "practices"]].sum()
        rows.append({"code": place.code or place.name, "name": place.name, **row.to_dict()})
    return pd.DataFrame(rows)


def _icb_places(store: Store, year: str) -> pd.DataFrame:
    prac = practices(store, year)
    prac["lad_code"] = recode_lad(prac["lad_code"].to_numpy(), 2021, 2024, store=store)
    lads = lad_lookup(store)[["lad_code", "utla_code", "utla_name"]]
    prac = prac.merge(lads, on="lad_code", how="left", validate="many_to_one")
    keys = ["icb_code", "icb_name", "utla_code", "utla_name"]
    grouped = prac.groupby(keys, as_index=False, sort=True)
    sums = grouped[_SUMS].sum()
    sums["practices"] = grouped.size()["size"].to_numpy()
    sums["code"] = sums["icb_code"] + ":" + sums["utla_code"]
    sums["name"] = (
        sums["icb_name"].str.removeprefix("NHS ").str.removesuffix(" ICB")
        + ": "
        + sums["utla_name"]
    )
    england = prac[_SUMS].sum()
    out = _shares_of(sums, england)
    # The place's need relative to its ICB, as place-based allocation tools show it.
    icb_index = out["icb_code"].map(
        out.groupby("icb_code")["final_wp"].sum()
        / out.groupby("icb_code")["registered_population"].sum()
    )
    out["need_index_within_icb"] = out["need_index"] / icb_index
    front = ["code", "name", "icb_code", "icb_name", "utla_code", "utla_name", "practices"]
    return out[front + [c for c in out.columns if c not in front]]


def need_inputs(store: Store, year: str) -> pd.DataFrame:
    """The inputs table of the ICB examples: one row per ICB (``area`` = ODS code)."""
    icb = icb_need(store, year)
    pop = icb["registered_population"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "area": icb["icb_code"],
            "area_name": icb["icb_name"],
            "population": pop,
            "final_wp_per_head": icb["final_wp"].to_numpy(dtype=float) / pop,
            "pmc_wp_per_head": icb["pmc_wp"].to_numpy(dtype=float) / pop,
            "hi_wp_per_head": icb["health_inequalities_wp"].to_numpy(dtype=float) / pop,
            "published_need_share": icb["need_share"],
            "published_pmc_share": icb["pmc_need_share"],
        }
    )


def component_table(store: Store, year: str) -> pd.DataFrame:
    """Long table: for each ICB and component, the share that component alone would give.

    Columns ``icb_code``, ``icb_name``, ``component``, ``label``, ``weighted_population``,
    ``share``, ``population_share`` and ``difference`` (share minus population share).
    """
    icb = icb_need(store, year)
    parts = [
        pd.DataFrame(
            {
                "icb_code": icb["icb_code"],
                "icb_name": icb["icb_name"],
                "component": column,
                "label": label,
                "weighted_population": icb[column],
                "share": icb[f"share_{column}"],
                "population_share": icb["population_share"],
            }
        )
        for column, label in COMPONENTS.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    out["difference"] = out["share"] - out["population_share"]
    return out


def england_check(store: Store, year: str) -> dict[str, float]:
    """England's registered population and the total of each weighted population."""
    icb = icb_need(store, year)
    return {c: float(np.sum(icb[c])) for c in _SUMS}


__all__ = [
    "LEVELS",
    "METHOD",
    "PMC_HI_WEIGHT",
    "YEARS",
    "check_year",
    "component_table",
    "district_need",
    "england_check",
    "footprint_need",
    "icb_need",
    "need_inputs",
    "practices",
]
