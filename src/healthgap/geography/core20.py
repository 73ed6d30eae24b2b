"""Core20: the LSOAs in the nationally most deprived 20% by the IMD, and their share.

NHS England's Core20PLUS5 defines *Core20* as the most deprived 20% of the national
population as identified by the Index of Multiple Deprivation. healthgap flags an LSOA
as Core20 when its national IMD decile is 1 or 2 (MHCLG's deciles, 1 = most deprived).

The Core20 share of a footprint is::

    population share = sum(population of its Core20 LSOAs) / sum(population of its LSOAs)
    LSOA share       = number of its Core20 LSOAs / number of its LSOAs

IMD 2019 provides the population share directly (its File 6 mid-2015 populations are in
the store). The open IMD 2025 file has no populations: pass LSOA 2021 populations with
``population=`` or ask for ``weights="lsoas"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.geography.imd import ImdVintage, imd_lsoas, require_population, to_footprint

#: National IMD deciles that make up Core20.
CORE20_DECILES: tuple[int, ...] = (1, 2)


def _deciles(deciles: Any) -> tuple[int, ...]:
    chosen = tuple(deciles) if isinstance(deciles, Sequence) else (deciles,)
    if not chosen or any(
        isinstance(d, bool) or not isinstance(d, int | np.integer) or not 1 <= d <= 10
        for d in chosen
    ):
        raise InputError(
            f"deciles must be whole numbers from 1 to 10; got {deciles!r}. Core20 is "
            "deciles=(1, 2); the most deprived 10% is deciles=(1,)."
        )
    return tuple(int(d) for d in chosen)


def core20_lsoas(
    store: Store | str | None = None,
    *,
    imd: ImdVintage = 2019,
    population: Any = None,
    deciles: Sequence[int] = CORE20_DECILES,
) -> pd.DataFrame:
    """Every English LSOA with its IMD decile and the Core20 flag.

    Columns: ``lsoa_code``, ``lsoa_name``, ``lad_code``, ``lad_name``, ``imd_score``,
    ``imd_rank``, ``imd_decile``, ``population``, ``core20`` (True for deciles 1-2, or
    for the national ``deciles`` given, e.g. ``(1,)`` for the most deprived 10%).

    Examples
    --------
    >>> flags = core20_lsoas(imd=2019)  # doctest: +SKIP
    >>> int(flags["core20"].sum())  # doctest: +SKIP
    6568
    """
    chosen = _deciles(deciles)
    lsoas = imd_lsoas(store, imd=imd, population=population)
    lsoas["core20"] = lsoas["imd_decile"].isin(chosen)
    return lsoas


def core20_share(
    store: Store | str | None = None,
    *,
    to: str | Sequence[Place] = "lad",
    imd: ImdVintage = 2019,
    weights: Literal["population", "lsoas"] = "population",
    population: Any = None,
    lad_vintage: int | None = None,
    strategic: Any = None,
    deciles: Sequence[int] = CORE20_DECILES,
) -> pd.DataFrame:
    """The share of each footprint's population (and LSOAs) living in Core20 LSOAs.

    Parameters
    ----------
    store
        An open store, a store path, or ``None`` for the default store.
    to
        ``"lad"``, ``"utla"``, ``"strategic_authority"``, ``"region"``, ``"england"``,
        ``"sub_icb"``, ``"icb"``, or a list of :class:`~healthgap.geography.Place`.
    imd
        2019 (LSOA 2011, populations mid-2015) or 2025 (LSOA 2021, no populations).
    weights
        ``"population"`` (default) adds population columns and needs populations;
        ``"lsoas"`` gives LSOA counts and shares only.
    population
        LSOA populations replacing the IMD file's (required for IMD 2025 population
        shares): columns ``lsoa_code`` and ``population``.
    lad_vintage
        For ``to="lad"``: the IMD's own LAD codes (default; 2019 for IMD 2019) or 2024.
    strategic
        Your own strategic authority lookup (2024-25 authorities).
    deciles
        The national IMD deciles that count (default Core20: ``(1, 2)``; ``(1,)`` gives
        the share in the most deprived 10%, as in MHCLG's File 10).

    Returns
    -------
    pandas.DataFrame
        ``<to>_code``, ``<to>_name``, ``lsoas``, ``core20_lsoas``, ``core20_lsoa_share``,
        and with population weights ``population``, ``core20_population``,
        ``core20_population_share``. Shares are proportions (0 to 1).

    Examples
    --------
    >>> shares = core20_share(to="lad", imd=2019)  # doctest: +SKIP
    >>> shares.sort_values("core20_population_share").tail(1)  # doctest: +SKIP
    """
    if weights not in ("population", "lsoas"):
        raise InputError(f"weights must be 'population' or 'lsoas'; got {weights!r}.")
    lsoas = core20_lsoas(store, imd=imd, population=population, deciles=deciles)
    lsoas["lsoas"] = 1.0
    lsoas["core20_lsoas"] = lsoas["core20"].astype(float)
    values = ["lsoas", "core20_lsoas"]
    if weights == "population":
        require_population(lsoas, imd)
        lsoas["core20_population"] = np.where(lsoas["core20"], lsoas["population"], 0.0)
        values += ["population", "core20_population"]
    out = to_footprint(
        lsoas, values, to=to, imd=imd, store=store, strategic=strategic, lad_vintage=lad_vintage
    )
    out["lsoas"] = out["lsoas"].astype("int64")
    out["core20_lsoas"] = out["core20_lsoas"].astype("int64")
    out["core20_lsoa_share"] = out["core20_lsoas"] / out["lsoas"]
    if weights == "population":
        out["core20_population_share"] = out["core20_population"] / out["population"]
    return out
