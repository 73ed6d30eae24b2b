"""What each page and API endpoint shows, computed once from the store by domain functions.

Pages (HTML) and the JSON API call these same functions, so both show the same numbers.
Every table that holds counts passes through :func:`protect` (disclosure control).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthgap.account import explorer
from healthgap.account.regional_gap import regional_hle_gap
from healthgap.data.disclosure import protect_table
from healthgap.data.sql import checked_code
from healthgap.data.store import Store

ENGLAND = "E92000001"


@dataclass(frozen=True)
class View:
    """A table for a page or API response, with what it shows and notes on its method."""

    title: str
    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def protect(df: pd.DataFrame) -> pd.DataFrame:
    """Apply the default disclosure policy to every count-like column of ``df``."""
    return protect_table(df)


def hle_gap(store: Store, period: str | None = None) -> View:
    """The gap in male healthy life expectancy between the highest and lowest English region
    (:func:`healthgap.account.regional_gap.regional_hle_gap`)."""
    result = regional_hle_gap(store, period)
    notes = (
        "Healthy life expectancy at birth, males, ONS; 95% confidence intervals.",
        "Gap: healthgap.gap (highest minus lowest region; limits assume independence).",
    )
    return View("Healthy life expectancy by region", result.regions, result.summary(), notes)


#: Neighbourhood area types: listed only when asked for by name (33,755 LSOAs hold
#: census values; they are reached through the footprints they make up).
NEIGHBOURHOODS = ("lsoa11", "lsoa21")


def areas(store: Store, area_type: str | None = None) -> pd.DataFrame:
    """Areas that have indicator values: code, name and type, sorted by name.

    LSOAs are left out unless ``area_type`` names their type (``lsoa21``).
    """
    t = store.table("indicators")
    if area_type is not None:
        checked_code(area_type, "area_type", "lad")
        t = t.filter(t.area_type == area_type)
    else:
        t = t.filter(~t.area_type.isin(list(NEIGHBOURHOODS)))
    got = store.to_pandas(t.select("area_code", "area_name", "area_type").distinct())
    return got.sort_values(["area_name", "area_type"]).reset_index(drop=True)


def area_profile(store: Store, area_code: str, breakdowns: bool = False) -> View:
    """The area's profile from the one profile service
    (:func:`healthgap.account.profiles.profile`), as published (small numbers withheld).

    ``significance`` repeats ``compared_95`` (the page's and API's long-standing name);
    the ``pos_*`` columns place the spine chart
    (:func:`~healthgap.account.profiles.spine_positions`).
    """
    from healthgap.account.profiles import profile, spine_positions

    checked_code(area_code, "area", "E06000001")
    result = profile(area_code, store=store, inequality=False, breakdowns=breakdowns)
    table = result.for_output()
    table["significance"] = table["compared_95"]
    table = pd.concat([table, spine_positions(table)], axis=1)
    compared = int(
        table.loc[
            (table["benchmark"] == "England")
            & ~table["compared_95"].isin(["not compared", "withheld (small numbers)"]),
            "indicator_id",
        ].nunique()
    )
    return View(
        f"{result.area_name}: area profile",
        table,
        {
            "area_code": area_code,
            "area_name": result.area_name,
            "area_type": result.area_type,
            "indicators": int(table["indicator_id"].nunique()),
            "compared": compared,
        },
        (
            "Significance: the area's 95% (and 99.8%) confidence interval compared with "
            "England's value; 99.8% limits by the indicator's interval method.",
            "Spine: England in the middle; worst, 25th percentile, 75th percentile and best "
            "of the English areas of the same type; the area is the marker.",
            "Trend: weighted least-squares slope over the last 5 periods, tested at 95%.",
        ),
    )


#: Indicators offered by the inequality explorer (LAD values with 95% limits).
#: The explorer's indicators and their sexes (the first is the default): the domain's.
EXPLORER = explorer.INDICATORS
EXPLORER_SEXES = explorer.SEXES


def inequality(
    store: Store, indicator: str = "hle_birth", sex: str | None = None, period: str | None = None
) -> View:
    """An indicator by deprivation decile of the areas covering England, with its SII:
    :func:`healthgap.account.explorer.explore_chosen` (which ``healthgap explore`` prints
    and the API returns), as the page shows it."""
    result = explorer.explore_chosen(store, indicator, sex, period)
    table = result.table.drop(columns=["districts", "upper_tier"])
    title = f"{result.summary['indicator_name']} by deprivation decile"
    return View(title, table, result.summary, result.notes)


def sources(store: Store) -> View:
    """The published datasets loaded in the store, with publisher, period and licence."""
    cols = ["id", "title", "publisher", "period", "licence", "attribution", "rows"]
    table = store.datasets()[cols].reset_index(drop=True)
    text = [c for c in cols if c != "rows"]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return View("Data sources", table, {"datasets": len(table)})


def local_sources(store: Store) -> View:
    """Every local dataset (uploads), newest first, withdrawn ones included."""
    from healthgap.data.local import ALL_AREAS, local_datasets

    table = local_datasets(store.backend.con).reset_index(drop=True)
    table["owner_authority"] = table["owner_authority"].astype(object)
    table.loc[table["owner_authority"].isna(), "owner_authority"] = ALL_AREAS
    for c in ("uploaded_at", "withdrawn_at"):
        table[c] = [
            "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M") for v in table[c]
        ]
    table["withdrawn_by"] = (
        table["withdrawn_by"].astype(object).where(table["withdrawn_by"].notna(), "")
    )
    active = int((table["status"] == "active").sum()) if len(table) else 0
    return View("Local datasets", table, {"datasets": len(table), "active": active})


def local_values(store: Store, area_code: str) -> View:
    """An area's local values beside the published value for the same key."""
    from healthgap.data.local import local_values as values

    table = values(store.backend.con, checked_code(area_code, "area_code", "E06000001"))
    table["uploaded_at"] = [
        pd.Timestamp(v).strftime("%Y-%m-%d %H:%M") for v in table["uploaded_at"]
    ]
    table = table.astype(object).where(table.notna(), None)
    notes = (
        "Local values are uploaded by an authority; they never replace a published value. "
        "Where the published data hold the same indicator, sex, age and period, the "
        "published value is shown beside the local one with its source.",
    )
    return View("Local data", table, {"area_code": area_code, "rows": len(table)}, notes)
