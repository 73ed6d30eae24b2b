"""LSOA-level Index of Multiple Deprivation, with populations, for Core20 and deciles.

Two vintages are in the store:

========= =========== ============ ====================================================
IMD       LSOAs       LAD codes    population weights
========= =========== ============ ====================================================
2019      2011 (32,844) 2019       mid-2015 totals from IoD2019 File 6 (in the file)
2025      2021 (33,755) 2024       **none in the open data**: pass ``population=``
========= =========== ============ ====================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.hierarchy import using
from healthgap.stats._frames import InputFrame
from healthgap.stats._validate import numeric_column, require_finite, require_non_negative

ImdVintage = Literal[2019, 2025]


@dataclass(frozen=True)
class ImdVintageInfo:
    """Where one IMD vintage lives in the store."""

    table: str
    lsoa: str
    lad: str
    lsoa_vintage: Literal[2011, 2021]
    lad_vintage: int
    population: str | None


VINTAGES: dict[int, ImdVintageInfo] = {
    2019: ImdVintageInfo("imd2019_lsoa11", "lsoa11", "lad19", 2011, 2019, "pop_total_mid2015"),
    2025: ImdVintageInfo("imd2025_lsoa21", "lsoa21", "lad24", 2021, 2024, None),
}


def vintage(imd: Any) -> ImdVintageInfo:
    """The :class:`ImdVintageInfo` for ``imd`` (2019 or 2025)."""
    if isinstance(imd, bool) or imd not in VINTAGES:
        raise InputError(
            f"imd must be 2019 or 2025; got {imd!r}. The store holds the English Indices "
            "of Deprivation 2019 and 2025."
        )
    return VINTAGES[int(imd)]


def imd_lsoas(
    store: Store | str | None = None,
    *,
    imd: ImdVintage = 2019,
    population: Any = None,
) -> pd.DataFrame:
    """One row per English LSOA: IMD score, rank, decile, its LAD, and its population.

    Columns: ``lsoa_code``, ``lsoa_name``, ``lad_code``, ``lad_name`` (the IMD file's own
    LAD vintage: 2019 or 2024), ``imd_score``, ``imd_rank`` (1 = most deprived),
    ``imd_decile`` (1 = most deprived 10%), ``population`` (missing for IMD 2025 unless
    ``population`` is given).

    Parameters
    ----------
    population
        Optional LSOA populations to use instead of the file's: a data frame with
        columns ``lsoa_code`` and ``population``, one row per LSOA of the IMD's vintage
        (2011 LSOAs for 2019, 2021 LSOAs for 2025), covering every LSOA.
    """
    info = vintage(imd)
    with using(store) as s:
        raw = s.to_pandas(s.table(info.table))
    out = pd.DataFrame(
        {
            "lsoa_code": raw[f"{info.lsoa}_code"],
            "lsoa_name": raw[f"{info.lsoa}_name"],
            "lad_code": raw[f"{info.lad}_code"],
            "lad_name": raw[f"{info.lad}_name"],
            "imd_score": raw["imd_score"].astype(float),
            "imd_rank": raw["imd_rank"].astype("int64"),
            "imd_decile": raw["imd_decile"].astype("int64"),
            "population": (raw[info.population].astype(float) if info.population else np.nan),
        }
    )
    if population is not None:
        out["population"] = _user_population(population, out["lsoa_code"], info)
    return out


def _user_population(population: Any, lsoas: pd.Series, info: ImdVintageInfo) -> np.ndarray:
    frame = InputFrame.of(population, name="population")
    frame.require(["lsoa_code", "population"])
    values = numeric_column(frame, "population", "population", context=["lsoa_code"])
    require_non_negative(frame, values, "population", "population", context=["lsoa_code"])
    require_finite(frame, values, "population", "population", context=["lsoa_code"])
    codes = frame.df["lsoa_code"].astype("str")
    dup = codes.duplicated(keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"population must have one row per LSOA; got {int(dup.sum())} rows repeating a "
            f"code (first: {frame.describe_row(first, ['lsoa_code'])}). Sum or drop repeats."
        )
    if np.isnan(values).any():
        first = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(
            f"population must have a value for every LSOA; got {int(np.isnan(values).sum())} "
            f"missing (first: {frame.describe_row(first, ['lsoa_code'])})."
        )
    by_code = pd.Series(values, index=codes.to_numpy())
    missing = ~lsoas.isin(by_code.index)
    if missing.any():
        raise InputError(
            f"population must cover every {info.lsoa.upper()} LSOA of the IMD; got "
            f"{int(missing.sum())} LSOAs without a population (first: "
            f"{lsoas[missing].iloc[0]!r}). Use {info.lsoa[-2:]}-based LSOA populations."
        )
    return by_code.reindex(lsoas.to_numpy()).to_numpy(dtype=float)


def require_population(lsoas: pd.DataFrame, imd: int) -> None:
    """Population-weighted figures need a population for every LSOA."""
    if lsoas["population"].isna().any():
        raise InputError(
            f"population-weighted figures for IMD {imd} must have LSOA populations; got "
            "none: the open IMD 2025 file has no population denominators. Pass "
            "population=<frame with lsoa_code and population for 2021 LSOAs>, use "
            "imd=2019 (mid-2015 populations), or count LSOAs instead."
        )


def to_footprint(
    lsoas: pd.DataFrame,
    values: list[str],
    *,
    to: Any,
    imd: int,
    store: Store | str | None,
    strategic: Any = None,
    lad_vintage: int | None = None,
) -> pd.DataFrame:
    """Sum LSOA ``values`` to the footprint ``to`` (a level name or a list of places).

    ``to="lad"`` uses the IMD file's own LAD codes (2019 or 2024) unless
    ``lad_vintage=2024`` asks for current codes (through the LSOA lookups).
    """
    from healthgap.geography.footprints import aggregate

    info = vintage(imd)
    if lad_vintage not in (None, info.lad_vintage, 2024):
        raise InputError(
            f"lad_vintage must be {info.lad_vintage} or 2024 for IMD {imd}; got {lad_vintage!r}."
        )
    if isinstance(to, str) and to == "lad" and lad_vintage in (None, info.lad_vintage):
        grouped = lsoas.groupby(["lad_code", "lad_name"], sort=True)[values].sum()
        return grouped.reset_index()
    with using(store) as s:
        out = aggregate(
            lsoas[["lsoa_code", *values]],
            area="lsoa_code",
            values=values,
            level="lsoa",
            to=to,
            store=s,
            lsoa_vintage=info.lsoa_vintage,
            strategic=strategic,
        )
    return out.drop(columns=["n_areas", "n_missing"])
