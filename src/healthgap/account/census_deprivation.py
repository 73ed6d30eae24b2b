"""Census 2021 LSOA measures by deprivation decile of an area's own neighbourhoods.

For an area (any footprint code), its 2021 LSOAs are ranked on their IMD 2025 score (IMD
2025 uses LSOA 2021, the Census geography) and cut into deciles within the area, or
quintiles when the area has fewer than 50 LSOAs (at least 2 per quintile); areas with fewer
than 10 LSOAs get none. For each census LSOA measure (disability, households deprived in
one or more dimensions, overcrowded households, and each of the five ethnic groups' share
of residents), counts and denominators are summed over each group's LSOAs and the share
is their ratio with Wilson 95% limits (:func:`healthgap.proportion`). The group's
denominator (residents or households) is its population weight in the summary measures
(:mod:`healthgap.account.inequalities`), so the SII and RII weigh each decile by the
people in it.
"""

from __future__ import annotations

import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.deciles import within_area_deciles
from healthgap.geography.resolve import Footprint, footprint
from healthgap.stats.proportion import proportion

DIMENSION = "deprivation within the area (its LSOAs, IMD 2025)"
#: Headline measures (one series each) and breakdown measures (one series per category).
HEADLINES: tuple[str, ...] = (
    "census_disabled_pct",
    "census_households_deprived_pct",
    "census_households_overcrowded_pct",
)
BREAKDOWNS: tuple[str, ...] = ("census_ethnic_group_share_5",)
_DECILES = (
    "Most deprived decile",
    "Second most deprived decile",
    "Third more deprived decile",
    "Fourth more deprived decile",
    "Fifth more deprived decile",
    "Fifth less deprived decile",
    "Fourth less deprived decile",
    "Third less deprived decile",
    "Second least deprived decile",
    "Least deprived decile",
)
_QUINTILES = (
    "Most deprived quintile",
    "Second most deprived quintile",
    "Average deprived quintile",
    "Second least deprived quintile",
    "Least deprived quintile",
)
MIN_PER_GROUP = 5


def groups_for(n_lsoas: int) -> int | None:
    """Deciles from 50 LSOAs (5 a decile), quintiles from 10 (2 a quintile), else none."""
    if n_lsoas >= 10 * MIN_PER_GROUP:
        return 10
    if n_lsoas >= 10:
        return 5
    return None


def census_by_deprivation(
    area_code: str, store: Store, *, fp: Footprint | None = None
) -> pd.DataFrame:
    """The census LSOA measures by deprivation group within ``area_code``.

    Returns one row per measure (and ethnic group) and deprivation group, in the group
    layout of :func:`healthgap.account.inequalities.inequalities` (``population`` = the
    group's denominator); empty when the area is not a footprint, has too few LSOAs, or
    the store holds no census LSOA tables.
    """
    if fp is None:
        try:
            fp = footprint(area_code, store)
        except InputError:
            return pd.DataFrame()
    n = groups_for(len(fp.lsoa21))
    if n is None:
        return pd.DataFrame()
    groups = within_area_deciles(fp.lsoa21, store, imd=2025, groups=n)
    con = store.backend.con.cursor()
    try:
        con.register("_groups", groups[["lsoa_code", "group"]])
        rows = con.execute(
            "SELECT i.indicator_id, i.indicator_name, coalesce(i.category, '') AS census_category, "
            'i.polarity, g."group", sum(i.count) AS count, sum(i.denominator) AS denominator '
            "FROM indicators i JOIN _groups g ON i.area_code = g.lsoa_code "
            "WHERE i.area_type = 'lsoa21' AND i.indicator_id IN (SELECT unnest(?)) "
            "GROUP BY ALL",
            [[*HEADLINES, *BREAKDOWNS]],
        ).fetch_df()
    finally:
        con.close()
    if rows.empty:
        return rows
    key = ["indicator_id", "census_category", "group"]
    limits = proportion(rows, "count", "denominator", group_by=key, multiplier=100).to_frame()
    rows = rows.merge(limits[[*key, "value", "lower_95_0", "upper_95_0"]], on=key)
    labels = _DECILES if n == 10 else _QUINTILES
    kind = "deciles" if n == 10 else "quintiles"
    named = rows["census_category"].ne("")
    rows["indicator_name"] = rows["indicator_name"].where(
        ~named, rows["indicator_name"] + ": " + rows["census_category"]
    )
    return pd.DataFrame(
        {
            "indicator_id": rows["indicator_id"],
            "indicator_name": rows["indicator_name"],
            "area_type": fp.area_type,
            "sex": "Persons",
            "age": "",
            "dimension": DIMENSION,
            "category_type": f"LSOA21 deprivation {kind} within area (IMD 2025)",
            "category": rows["group"].map(lambda g: labels[int(g) - 1]),
            "rank": rows["group"].astype("int64"),
            "period": "2021",
            "period_end": 2021,
            "value": rows["value"],
            "lower_95_0": rows["lower_95_0"],
            "upper_95_0": rows["upper_95_0"],
            "count": rows["count"].astype("float64"),
            "denominator": rows["denominator"].astype("float64"),
            "polarity": rows["polarity"],
            "population": rows["denominator"].astype("float64"),
        }
    )
