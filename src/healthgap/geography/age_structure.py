"""The age structure of any footprint, and of each deprivation decile within it.

From the ONS mid-2020 LSOA estimates by single year of age (table
``population_lsoa11_single_year``, one row per 2011 LSOA and one column per age): the
footprint's 2011 LSOAs (:attr:`healthgap.geography.footprint`'s ``lsoa11``) are summed in
one query, optionally grouped by IMD 2019 decile, national or within the area.

Examples
--------
>>> import os, pytest
>>> from healthgap.data.store import open_store
>>> if not os.environ.get("HEALTHGAP_STORE"):
...     pytest.skip("needs a built store")
>>> with open_store() as store:  # doctest: +SKIP
...     ages = age_structure("E08000003", store)
>>> int(ages["population"].sum())  # doctest: +SKIP
555741
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.deciles import within_area_deciles
from healthgap.geography.footprints import Place
from healthgap.geography.resolve import Footprint, footprint

TABLE = "population_lsoa11_single_year"
AGES: tuple[str, ...] = (*(f"age_{a}" for a in range(90)), "age_90_plus")
ByDecile = Literal["national", "within_area"]


def _lsoa_table(store: Store) -> None:
    if TABLE not in store.tables():
        raise InputError(
            f"the store must hold the LSOA single-year populations (table {TABLE}); got a "
            "store without it. Rebuild it with `healthgap init` (dataset "
            "ons_mye_2020_lsoa11_single_year)."
        )


def age_structure(
    area: str | Place | Footprint,
    store: Store,
    *,
    by_decile: ByDecile | None = None,
    groups: int = 10,
    on: dt.date | str | None = None,
) -> pd.DataFrame:
    """Mid-2020 population by single year of age (0 to 89, 90+) of ``area``.

    Parameters
    ----------
    area
        Any footprint code (council, strategic authority, ICB, sub-ICB, region, England), a
        :class:`~healthgap.geography.Place` or a :class:`~healthgap.geography.resolve.Footprint`.
    store
        An open store.
    by_decile
        ``None`` (the whole area), ``"national"`` (England's IMD 2019 LSOA deciles) or
        ``"within_area"`` (the area's own LSOAs cut into ``groups`` by IMD 2019 score,
        1 = most deprived; :func:`~healthgap.geography.deciles.within_area_deciles`).
    groups
        Groups for ``"within_area"`` (10 deciles, 5 quintiles).
    on
        Membership date for strategic authorities.

    Returns
    -------
    pandas.DataFrame
        ``[imd_decile,] age, age_lower, age_upper, population`` (``age`` "0" ... "89",
        "90+"; ``age_upper`` missing for 90+), one row per age (and decile).
    """
    _lsoa_table(store)
    fp = area if isinstance(area, Footprint) else footprint(area, store, on=on)
    lsoas = pd.DataFrame({"lsoa_code": list(fp.lsoa11)})
    if by_decile == "within_area":
        groups_of = within_area_deciles(fp.lsoa11, store, imd=2019, groups=groups)
        lsoas = groups_of[["lsoa_code", "group"]].rename(columns={"group": "imd_decile"})
    elif by_decile == "national":
        con = store.backend.con.cursor()
        try:
            con.register("_wanted", lsoas)
            lsoas = con.execute(
                "SELECT w.lsoa_code, i.imd_decile FROM _wanted w JOIN imd2019_lsoa11 i "
                "ON i.lsoa11_code = w.lsoa_code"
            ).fetch_df()
        finally:
            con.close()
    elif by_decile is not None:
        raise InputError(f"by_decile must be None, 'national' or 'within_area'; got {by_decile!r}.")
    keys = ["imd_decile"] if by_decile else []
    sums = ", ".join(f'sum(p."{a}")::DOUBLE AS "{a}"' for a in AGES)
    select = ", ".join([*(f"w.{k}" for k in keys), sums])
    group = f" GROUP BY {', '.join(f'w.{k}' for k in keys)}" if keys else ""
    con = store.backend.con.cursor()
    try:
        con.register("_wanted", lsoas)
        wide = con.execute(
            f"SELECT {select} FROM _wanted w JOIN {TABLE} p ON p.lsoa11_code = w.lsoa_code{group}"
        ).fetch_df()
    finally:
        con.close()
    long = wide.melt(
        id_vars=keys, value_vars=list(AGES), var_name="column", value_name="population"
    )
    lower = long["column"].str.removeprefix("age_").str.removesuffix("_plus").astype("int64")
    long["age"] = lower.astype(str).where(lower < 90, "90+")
    long["age_lower"] = lower
    long["age_upper"] = lower.astype("Int64").where(lower < 90)
    long["population"] = long["population"].fillna(0.0)
    out = long[[*keys, "age", "age_lower", "age_upper", "population"]]
    if keys:
        out = out.assign(imd_decile=out["imd_decile"].astype("int64"))
    return out.sort_values([*keys, "age_lower"], ignore_index=True)
