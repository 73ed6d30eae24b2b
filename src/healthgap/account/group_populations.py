"""Population weights for the breakdown groups of published indicators within an area.

The Fingertips extract gives values by ethnic group and by deprivation quintile or decile
within an area, but no population for the groups; the WHO HEAT measures weigh each group
by its share of the population. These functions supply the weights from the census and
the LSOA population estimates:

* **Ethnic group**: each Fingertips category is the sum of one or more Census 2021 ethnic
  groups (:data:`ETHNIC_CENSUS`, 19-group labels; the nearest census groups where the
  classifications differ). Counts are the area's usual residents in those groups, from the
  19-group district table (a district, or the sum of a footprint's whole districts;
  England: every English district), else from the 5-group LSOA table summed over the
  footprint's LSOAs when every category is a whole 5-group. A set whose categories overlap,
  or include one without a census match, gets no weights (the caller falls back to equal
  weights and says so).
* **Deprivation within the area** (Fingertips' LSOA11 quintiles or deciles within area,
  IMD 2019): the area's 2011 LSOAs are ranked on their IMD 2019 score and cut into equal
  groups, and each group's weight is its mid-2020 population
  (``population_lsoa11_single_year``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.deciles import within_area_deciles
from healthgap.geography.resolve import Footprint, footprint

_W, _M, _A, _B, _O = (
    "White",
    "Mixed or Multiple ethnic groups",
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Other ethnic group",
)
#: The 19 Census 2021 groups, as ``<5-group>: <group>`` (the census table's labels).
CENSUS_19: dict[str, tuple[str, ...]] = {
    _W: (
        "English, Welsh, Scottish, Northern Irish or British",
        "Irish",
        "Gypsy or Irish Traveller",
        "Roma",
        "Other White",
    ),
    _M: (
        "White and Black Caribbean",
        "White and Black African",
        "White and Asian",
        "Other Mixed or Multiple ethnic groups",
    ),
    _A: ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Other Asian"),
    _B: ("African", "Caribbean", "Other Black"),
    _O: ("Arab", "Any other ethnic group"),
}


def _g(five: str, *detail: str) -> frozenset[str]:
    return frozenset(f"{five}: {d}" for d in (detail or CENSUS_19[five]))


#: Fingertips ethnic categories -> the Census 2021 groups (19-group labels) they cover.
ETHNIC_CENSUS: dict[str, frozenset[str]] = {
    "White": _g(_W),
    "White British": _g(_W, "English, Welsh, Scottish, Northern Irish or British"),
    "White Irish": _g(_W, "Irish"),
    "White Other": _g(_W, "Irish", "Gypsy or Irish Traveller", "Roma", "Other White"),
    "Any other White background": _g(_W, "Gypsy or Irish Traveller", "Roma", "Other White"),
    "Mixed": _g(_M),
    "Mixed / Multiple ethnic groups": _g(_M),
    "White and Black Caribbean": _g(_M, "White and Black Caribbean"),
    "White and Black African": _g(_M, "White and Black African"),
    "White and Asian": _g(_M, "White and Asian"),
    "Any other mixed background": _g(_M, "Other Mixed or Multiple ethnic groups"),
    # Fingertips lists "Chinese" beside "Asian" wherever "Asian" appears: Asian excludes it
    "Asian": _g(_A, "Indian", "Pakistani", "Bangladeshi", "Other Asian"),
    "Asian / Asian British inc Chinese": _g(_A),
    "Indian": _g(_A, "Indian"),
    "Pakistani": _g(_A, "Pakistani"),
    "Bangladeshi": _g(_A, "Bangladeshi"),
    "Chinese": _g(_A, "Chinese"),
    "Any other Asian background": _g(_A, "Other Asian"),
    "Black": _g(_B),
    "Black / African / Caribbean / Black British": _g(_B),
    "Black African": _g(_B, "African"),
    "Black Caribbean": _g(_B, "Caribbean"),
    "Any other Black background": _g(_B, "Other Black"),
    "Other": _g(_O),
    "Other ethnicity": _g(_O),
    "Other ethnic group": _g(_O),
    "Any other ethnic group": _g(_O),
}
FIVE_GROUPS: dict[str, frozenset[str]] = {five: _g(five) for five in CENSUS_19}
ENGLAND = "E92000001"


def _footprint(area_code: str, store: Store) -> Footprint | None:
    """The area's footprint, or None for codes that are not footprints."""
    try:
        return footprint(area_code, store)
    except InputError:
        return None


def _census19(store: Store, area_code: str, fp: Footprint | None) -> pd.Series | None:
    """Residents by the 19 census groups for the area, or None where not derivable."""
    con = store.backend.con.cursor()
    try:
        rows = con.execute(
            "SELECT area_code, category, count FROM indicators "
            "WHERE indicator_id = 'census_ethnic_group_share' AND area_type = 'lad'"
        ).fetch_df()
    finally:
        con.close()
    if rows.empty:
        return None
    if area_code == ENGLAND:
        chosen = rows[rows["area_code"].str.startswith("E")]
    elif area_code in set(rows["area_code"]):
        chosen = rows[rows["area_code"] == area_code]
    elif fp is not None and (fp.lads["share_inside"] >= 1).all():
        lads = set(fp.lads["lad_code"])
        if not lads <= set(rows["area_code"]):
            return None
        chosen = rows[rows["area_code"].isin(lads)]
    else:
        return None
    return chosen.groupby("category")["count"].sum()


def _census5(store: Store, fp: Footprint) -> pd.Series | None:
    con = store.backend.con.cursor()
    try:
        con.register("_lsoas", pd.DataFrame({"code": list(fp.lsoa21)}))
        rows = con.execute(
            "SELECT category, sum(count) AS count FROM indicators i JOIN _lsoas l "
            "ON i.area_code = l.code WHERE indicator_id = 'census_ethnic_group_share_5' "
            "AND area_type = 'lsoa21' GROUP BY category"
        ).fetch_df()
    finally:
        con.close()
    return None if rows.empty else rows.set_index("category")["count"]


def ethnic_populations(
    area_code: str, categories: Sequence[str], store: Store, *, fp: Footprint | None = None
) -> tuple[dict[str, float], str] | None:
    """Census 2021 residents of each Fingertips ethnic category in the area.

    Returns ``(weights, source)`` or ``None`` when the categories cannot be weighted
    (a category without a census match, overlapping categories, no census data for the
    area).
    """
    cats = list(dict.fromkeys(categories))
    if any(c not in ETHNIC_CENSUS for c in cats):
        return None
    covered = [ETHNIC_CENSUS[c] for c in cats]
    if sum(len(c) for c in covered) != len(frozenset().union(*covered)):
        return None  # overlapping categories (e.g. White and White British)
    if fp is None and area_code != ENGLAND:
        fp = _footprint(area_code, store)
    counts19 = _census19(store, area_code, fp)
    if counts19 is not None:
        weights = {c: float(counts19.reindex(list(ETHNIC_CENSUS[c])).fillna(0).sum()) for c in cats}
        return weights, "Census 2021 ethnic group (19 groups) by district"
    whole = {c: five for c in cats for five, g in FIVE_GROUPS.items() if ETHNIC_CENSUS[c] == g}
    if fp is None or len(whole) != len(cats):
        return None
    counts5 = _census5(store, fp)
    if counts5 is None:
        return None
    weights = {c: float(counts5.get(whole[c], 0.0)) for c in cats}
    return weights, "Census 2021 ethnic group (5 groups) by LSOA, summed over the area"


def deprivation_populations(
    area_code: str, groups: int, store: Store, *, fp: Footprint | None = None
) -> dict[int, float] | None:
    """Mid-2020 population of each IMD 2019 group of the area's own LSOAs (1 = most
    deprived), or ``None`` when the area has no footprint or too few LSOAs."""
    if "population_lsoa11_single_year" not in store.tables():
        return None
    fp = fp or _footprint(area_code, store)
    if fp is None:
        return None
    try:
        ranked = within_area_deciles(fp.lsoa11, store, imd=2019, groups=groups)
    except InputError:
        return None
    con = store.backend.con.cursor()
    try:
        con.register("_ranked", ranked[["lsoa_code", "group"]])
        got = con.execute(
            'SELECT r."group", sum(p.total_population)::DOUBLE FROM _ranked r JOIN '
            "population_lsoa11_single_year p ON p.lsoa11_code = r.lsoa_code GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    return {int(g): float(p) for g, p in got}
