"""Deprivation deciles of higher areas, computed from LSOA scores and populations.

Method (the one MHCLG uses for its local-authority "average score" summaries, File 10):

1. population-weighted average IMD score of each area::

       average score = sum(LSOA score x LSOA population) / sum(LSOA population)

2. rank the areas on the average score, 1 = most deprived (highest score); ties share
   the lowest rank;
3. cut the ranks into ``groups`` (10: deciles) of as equal size as possible::

       decile = ceil(rank x groups / number of areas)

   The same rule turns MHCLG's national LSOA ranks into its published LSOA deciles
   exactly (IMD 2019 and IMD 2025; tested), so area deciles follow the national
   convention: decile 1 is the most deprived tenth of the areas.

Deciles are relative to the set of areas ranked (e.g. all English LADs). IMD 2019
provides populations (mid-2015); for IMD 2025 pass LSOA 2021 populations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.geography.imd import ImdVintage, imd_lsoas, require_population, to_footprint


def rank_deciles(rank: Any, n: int, groups: int = 10) -> np.ndarray:
    """Group ranks 1..n into ``groups`` near-equal groups: ``ceil(rank * groups / n)``.

    Examples
    --------
    >>> rank_deciles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 11).tolist()
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    """
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 2:
        raise InputError(f"groups must be a whole number of 2 or more; got {groups!r}.")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < groups:
        raise InputError(
            f"n (the number of areas ranked) must be a whole number of at least groups "
            f"({groups}); got {n!r}."
        )
    r = np.asarray(rank, dtype=float)
    bad = ~np.isfinite(r) | (r < 1) | (r > n) | (r % 1 != 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"rank must hold whole numbers from 1 to {n}; got {r[first]:g} at position "
            f"{first + 1}. Rank areas 1 = most deprived."
        )
    # Integer arithmetic: ceil(a / b) = -(-a // b), exact for any size.
    return -(-(r.astype(np.int64) * groups) // n)


def _column_name(groups: int) -> str:
    return {10: "imd_decile", 5: "imd_quintile", 4: "imd_quartile"}.get(groups, "imd_group")


def deprivation_deciles(
    store: Store | str | None = None,
    *,
    to: str | Sequence[Place] = "lad",
    imd: ImdVintage = 2019,
    population: Any = None,
    groups: int = 10,
    lad_vintage: int | None = None,
    strategic: Any = None,
) -> pd.DataFrame:
    """Population-weighted average IMD score, rank and decile of each area.

    Parameters
    ----------
    store
        An open store, a store path, or ``None`` for the default store.
    to
        The areas to rank: ``"lad"`` (default), ``"utla"``, ``"strategic_authority"``,
        ``"region"``, ``"sub_icb"``, ``"icb"``, or a list of
        :class:`~healthgap.geography.Place`.
    imd
        2019 (with mid-2015 LSOA populations) or 2025 (pass ``population=``).
    population
        LSOA populations (columns ``lsoa_code``, ``population``) replacing the file's.
    groups
        10 for deciles (default), 5 for quintiles, 4 for quartiles.
    lad_vintage
        For ``to="lad"``: the IMD's own LAD codes (default) or 2024.
    strategic
        Your own strategic authority lookup (2024-25 authorities).

    Returns
    -------
    pandas.DataFrame
        ``<to>_code``, ``<to>_name``, ``population``, ``imd_average_score``,
        ``imd_rank`` (1 = most deprived) and ``imd_decile`` (``imd_quintile``,
        ``imd_quartile`` or ``imd_group`` for other ``groups``), sorted by rank.

    Examples
    --------
    >>> lads = deprivation_deciles(to="lad", imd=2019)  # doctest: +SKIP
    >>> lads.iloc[0][["lad_name", "imd_average_score", "imd_rank"]].tolist()  # doctest: +SKIP
    ['Blackpool', 45.0394..., 1]
    """
    lsoas = imd_lsoas(store, imd=imd, population=population)
    require_population(lsoas, imd)
    lsoas["weighted_score"] = lsoas["imd_score"] * lsoas["population"]
    out = to_footprint(
        lsoas,
        ["population", "weighted_score"],
        to=to,
        imd=imd,
        store=store,
        strategic=strategic,
        lad_vintage=lad_vintage,
    )
    if (out["population"] <= 0).any():
        first = out.loc[out["population"] <= 0].iloc[0, 0]
        raise InputError(
            f"each area must have a population above 0 to average its score; got 0 for "
            f"{first!r}. Check the population you passed."
        )
    out["imd_average_score"] = out["weighted_score"] / out["population"]
    out = out.drop(columns="weighted_score")
    rank = out["imd_average_score"].rank(ascending=False, method="min").astype("int64")
    out["imd_rank"] = rank
    out[_column_name(groups)] = rank_deciles(rank.to_numpy(), len(out), groups)
    return out.sort_values(["imd_rank", out.columns[0]], ignore_index=True)


#: The IMD table (LSOA codes and scores) of each vintage, and its LSOA vintage.
_IMD_TABLES: dict[int, tuple[str, str]] = {
    2019: ("imd2019_lsoa11", "lsoa11_code"),
    2025: ("imd2025_lsoa21", "lsoa21_code"),
}


def within_area_deciles(
    lsoas: Sequence[str], store: Store, *, imd: int = 2019, groups: int = 10
) -> pd.DataFrame:
    """Deprivation groups of an area's own LSOAs: 1 = the area's most deprived tenth.

    The area's LSOAs are ranked on their IMD score (highest = rank 1; ties share the
    lowest rank) and cut into ``groups`` near-equal groups of LSOAs with
    :func:`rank_deciles` (Fingertips' "deprivation deciles within area"). ``imd`` is 2019
    (LSOA 2011 codes) or 2025 (LSOA 2021 codes, the Census 2021 geography).

    Returns ``lsoa_code``, ``imd_score``, ``national_decile`` and ``group`` (1 = most
    deprived), sorted by group. LSOAs without a score (Welsh ones) are left out.

    Raises
    ------
    InputError
        Fewer scored LSOAs than ``groups``.
    """
    if imd not in _IMD_TABLES:
        raise InputError(f"imd must be 2019 or 2025; got {imd!r}.")
    table, code = _IMD_TABLES[imd]
    con = store.backend.con.cursor()
    try:
        con.register("_wanted", pd.DataFrame({"lsoa_code": list(lsoas)}))
        got = con.execute(
            f"SELECT w.lsoa_code, i.imd_score, i.imd_decile AS national_decile FROM _wanted w "
            f'JOIN "{table}" i ON i."{code}" = w.lsoa_code WHERE i.imd_score IS NOT NULL'
        ).fetch_df()
    finally:
        con.close()
    if len(got) < groups:
        raise InputError(
            f"an area must have at least {groups} LSOAs with an IMD {imd} score to cut them "
            f"into {groups} groups; got {len(got)}. Use fewer groups (5 for quintiles) or a "
            "larger area."
        )
    rank = got["imd_score"].rank(ascending=False, method="min").astype("int64")
    got["group"] = rank_deciles(rank.to_numpy(), len(got), groups)
    got["national_decile"] = got["national_decile"].astype("int64")
    return got.sort_values(["group", "lsoa_code"], ignore_index=True)
