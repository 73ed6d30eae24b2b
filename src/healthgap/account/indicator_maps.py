"""An indicator on a map: a value per area of a geography (upper-tier councils, districts,
integrated care boards) for one sex and period, with the hexagons of its layout.

The maps page, its API and the mission page draw these (``healthgap.charts.hexmap``);
the values are disclosure-controlled here, before any face sees them. ICBs have no
published indicators: their one measure is the Core20 share counted from their LSOAs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthgap.data.disclosure import protect_table
from healthgap.data.published import remembered
from healthgap.data.sql import checked_code
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.hexes import current_area_codes, current_hexes

#: Map geographies: hexagon geography, indicator area type, and a note.
MAP_LAYOUTS: dict[str, tuple[str, str, str]] = {
    "utla": (
        "utla",
        "utla",
        "Upper-tier councils, drawn on the 2023 district layout: each hexagon is a district "
        "coloured with its upper-tier council's value, so a county is the block of its "
        "districts (codes of April 2023, e.g. North Yorkshire E06000065, Somerset "
        "E06000066, Buckinghamshire E06000060).",
    ),
    "lad": (
        "lad",
        "lad",
        "Local authority districts (2023 layout, 2024 codes). ONS does not publish healthy "
        "life expectancy for shire districts, so those hexagons show no data for it. "
        "Figures published under the 2025 codes of Barnsley and Sheffield (E08000038, "
        "E08000039) are drawn on their 2024 hexagons.",
    ),
    "icb": (
        "icb",
        "icb",
        "Integrated care boards (April 2024 codes) on the 2022 ICB layout, matched by NHS "
        "ODS code. No published indicator is given for ICBs in the open data; the measure "
        "shown is counted from each ICB's own neighbourhoods (LSOAs).",
    ),
}
#: The measure offered for ICBs: counted from LSOAs (no ICB figures are published).
ICB_CORE20 = ("core20_population_share", "Core20: people in England's most deprived 20% (%)")
MAP_SEXES = ("Female", "Male", "Persons")


def map_indicators(store: Store, geography: str = "utla") -> pd.DataFrame:
    """Indicators (id, name, sex) with values at a map geography's area type."""
    if geography not in MAP_LAYOUTS:
        raise InputError(
            f"geography must be one of {', '.join(MAP_LAYOUTS)}; got {geography!r}. "
            "Pick one from the list on /maps."
        )
    if geography == "icb":
        return pd.DataFrame(
            {"indicator_id": [ICB_CORE20[0]], "indicator_name": [ICB_CORE20[1]], "sex": ["Persons"]}
        )
    # published indicators only: the same for every store on this build (each map asks)
    return remembered(
        store, ("map_indicators", geography), lambda: _map_indicators(store, geography)
    )


def _map_indicators(store: Store, geography: str) -> pd.DataFrame:
    area_type = MAP_LAYOUTS[geography][1]
    t = store.table("indicators")
    expr = t.filter((t.area_type == area_type) & t.category_type.isnull())
    got = store.to_pandas(expr.select("indicator_id", "indicator_name", "sex").distinct())
    got["sex"] = got["sex"].fillna("Persons")
    # hle_birth first (the mission's measure), then by name.
    got["_first"] = got["indicator_id"] != "hle_birth"
    got = got.sort_values(["_first", "indicator_name", "sex"]).drop(columns="_first")
    return got.reset_index(drop=True)


@dataclass(frozen=True)
class MapValues:
    """What a map of one indicator shows: a value per area (``rows``, with ``on_map``:
    whether the layout has a hexagon for it), the hexagons, a title, the summary
    (geography, indicator, sex, period, the periods to choose from, areas with a value,
    areas not on the map) and notes on the layout and colours."""

    title: str
    rows: pd.DataFrame
    hexes: pd.DataFrame
    summary: dict[str, Any]
    notes: tuple[str, ...]


def map_values(
    store: Store,
    geography: str = "utla",
    indicator: str = "hle_birth",
    sex: str = "Female",
    period: str | None = None,
) -> MapValues:
    """An indicator's values for every area of a geography (latest period by default),
    with the hexagons to draw them on."""
    options = map_indicators(store, geography)
    if geography == "icb":  # one measure, counted from LSOAs
        return _icb_map(store, MAP_LAYOUTS["icb"][2])
    checked_code(indicator, "indicator", "hle_birth", field="indicator")
    match = options[(options["indicator_id"] == indicator) & (options["sex"] == sex)]
    if match.empty:
        have = options[options["indicator_id"] == indicator]["sex"].tolist()
        hint = (
            f"It is published for: {', '.join(have)}."
            if have
            else "Pick one from the list on /maps."
        )
        raise InputError(
            f"indicator and sex must have values for {geography} areas; got {indicator!r} "
            f"for {sex!r}. {hint}"
        )
    hex_geography, area_type, note = MAP_LAYOUTS[geography]
    t = store.table("indicators")
    # Upper-tier councils include metropolitan districts and London boroughs, which the
    # store types as "lad": take them from there.
    types = ["utla", "lad"] if geography == "utla" else [area_type]
    expr = t.filter(
        (t.indicator_id == indicator) & t.area_type.isin(types) & t.category_type.isnull()
    )
    cols = [
        "area_code",
        "area_name",
        "sex",
        "period",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
        "count",
    ]
    rows = store.to_pandas(expr.select(*cols))
    rows["area_code"] = current_area_codes(rows["area_code"], store)
    rows = rows[rows["sex"].fillna("Persons") == sex].drop(columns="sex")
    if geography == "utla":
        rows = rows[rows["area_code"].str.match(r"E0[689]|E10")]  # not shire districts
    rows = rows.drop_duplicates(["area_code", "period"])
    periods = (
        rows.drop_duplicates("period").sort_values("period_end")["period"].astype(str).tolist()
    )
    chosen = periods[-1] if period is None else period
    if chosen not in periods:
        raise InputError(
            f"period must be one of the periods of {indicator}; got {period!r}. "
            f"Try one of: {', '.join(periods[-5:])}."
        )
    rows = rows[rows["period"] == chosen].drop(columns="period_end")
    rows = protect_table(rows.sort_values("area_name").reset_index(drop=True))
    hexes = current_hexes(store, hex_geography)  # type: ignore[arg-type]
    name = str(match["indicator_name"].iloc[0])
    unit = "upper-tier council" if geography == "utla" else "local authority district"
    title = f"{name}, {sex}, {chosen}, by {unit}"
    on_map = set(hexes["area_code"])
    rows["on_map"] = rows["area_code"].isin(on_map)
    summary = {
        "geography": geography,
        "indicator": indicator,
        "indicator_name": name,
        "sex": sex,
        "period": chosen,
        "periods": periods,
        "areas": int(rows["value"].notna().sum()),
        "not_on_map": int((~rows["on_map"]).sum()),
    }
    notes = (
        note,
        "Colours: five classes at the 20th, 40th, 60th and 80th percentiles of the values "
        "shown; hexagon layouts by Open Innovations (MIT licence).",
    )
    return MapValues(title, rows, hexes, summary, notes)


def _icb_map(store: Store, note: str) -> MapValues:
    """The Core20 population share of every ICB (IMD 2019, counted from its LSOAs)."""
    from healthgap.geography.core20 import core20_share

    shares = core20_share(store, to="icb", imd=2019)
    rows = pd.DataFrame(
        {
            "area_code": shares["icb_code"].astype(str),
            "area_name": shares["icb_name"].astype(str),
            "period": "IMD 2019",
            "value": 100 * shares["core20_population_share"].astype(float),
            "lower_95_0": math.nan,
            "upper_95_0": math.nan,
            "count": shares["core20_population"].astype(float),
        }
    )
    rows = protect_table(rows.sort_values("area_name").reset_index(drop=True))
    hexes = current_hexes(store, "icb")
    title = f"{ICB_CORE20[1]}, IMD 2019, by integrated care board"
    rows["on_map"] = rows["area_code"].isin(set(hexes["area_code"]))
    summary = {
        "geography": "icb",
        "indicator": ICB_CORE20[0],
        "indicator_name": ICB_CORE20[1],
        "sex": "Persons",
        "period": "IMD 2019",
        "periods": ["IMD 2019"],
        "areas": int(rows["value"].notna().sum()),
        "not_on_map": int((~rows["on_map"]).sum()),
    }
    notes = (
        note,
        "Aggregation: the sum of the mid-2015 populations of the ICB's LSOAs in national "
        "IMD 2019 deciles 1-2 over the sum of all its LSOAs' populations (counts, not a mean "
        "of rates). 2011 LSOAs are placed in April 2024 ICBs through the ONS LSOA 2011 to "
        "2021 lookup. Core20 people are counts: rounded to the nearest 5.",
        "Colours: five classes at the 20th, 40th, 60th and 80th percentiles of the values "
        "shown; hexagon layouts by Open Innovations (MIT licence).",
    )
    return MapValues(title, rows, hexes, summary, notes)
