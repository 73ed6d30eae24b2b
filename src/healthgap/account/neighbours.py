"""Similar authorities: nearest neighbours by deprivation and population.

Each area of a level (LAD, upper-tier authority, strategic authority or region) is
described by two numbers built from the Indices of Deprivation 2019 LSOA file (whose
mid-2015 LSOA populations are in the store):

* the population-weighted IMD score, ``sum(score_i * pop_i) / sum(pop_i)`` over its
  LSOAs (MHCLG's File 10 "average score" measure); and
* its population, ``sum(pop_i)``.

Both are standardised across all areas of the level (z = (x - mean) / sd, sd with
n - 1) and the distance between two areas is the Euclidean distance of their z-scores,

    d(a, b) = sqrt((zIMD_a - zIMD_b)^2 + (zPOP_a - zPOP_b)^2),

so deprivation and size count equally. The ``k`` areas with the smallest distance
(ties broken by code) are the nearest neighbours. This is a deliberately simple,
transparent comparator set; CIPFA's nearest neighbours and the ONS area classification
use many more variables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.published import remembered
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import membership_date
from healthgap.geography.imd import imd_lsoas, to_footprint

#: Store ``area_type`` -> geography level used to aggregate the IMD LSOAs.
LEVELS: dict[str, str] = {
    "lad": "lad",
    "utla": "utla",
    "combined_authority": "strategic_authority",
    "region": "region",
    "icb": "icb",
    "sub_icb": "sub_icb",
}


def area_features(store: Store, area_type: str) -> pd.DataFrame:
    """Population-weighted IMD 2019 score and population for every area of a type.

    Columns: ``area_code``, ``area_name``, ``population``, ``imd_score``, ``z_imd``,
    ``z_population``.
    """
    if area_type not in LEVELS:
        raise InputError(
            f"area_type must be one of {', '.join(LEVELS)} for neighbours; got "
            f"{area_type!r}. Nearest neighbours are defined for LADs, upper-tier and "
            "strategic authorities, regions, ICBs and sub-ICB locations."
        )
    today = membership_date(None)  # the footprints of today's authorities
    return remembered(
        store, ("area_features", area_type, today), lambda: _area_features(store, area_type)
    )


def _area_features(store: Store, area_type: str) -> pd.DataFrame:
    level = LEVELS[area_type]
    lsoas = imd_lsoas(store, imd=2019)
    lsoas["weighted_score"] = lsoas["imd_score"] * lsoas["population"]
    out = to_footprint(
        lsoas,
        ["population", "weighted_score"],
        to=level,
        imd=2019,
        store=store,
        lad_vintage=2024 if level == "lad" else None,
    )
    table = pd.DataFrame(
        {
            "area_code": out[f"{level}_code"].astype(str),
            "area_name": out[f"{level}_name"].astype(str),
            "population": out["population"].astype(float),
            "imd_score": (out["weighted_score"] / out["population"]).astype(float),
        }
    )
    return standardise(table)


def deprivation_ranks(store: Store, members: pd.DataFrame) -> pd.DataFrame:
    """``members`` (a frame with ``lad_code``) with each district's ``population`` and
    population-weighted ``imd_score`` (:func:`area_features`) and its ``deprivation_rank``
    among the members: 1 = most deprived (highest score), ties broken by code. The rows come
    back in rank order."""
    feats = area_features(store, "lad")
    m = members.merge(
        feats[["area_code", "population", "imd_score"]],
        left_on="lad_code",
        right_on="area_code",
        how="left",
    ).drop(columns="area_code")
    m = m.sort_values(["imd_score", "lad_code"], ascending=[False, True], ignore_index=True)
    m["deprivation_rank"] = np.arange(1, len(m) + 1)
    return m


def standardise(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``z_imd`` and ``z_population`` (z-scores with the n - 1 standard deviation)."""
    out = table.copy()
    for column, z in (("imd_score", "z_imd"), ("population", "z_population")):
        x = out[column].to_numpy(dtype=float)
        sd = x.std(ddof=1) if len(x) > 1 else 0.0
        out[z] = (x - x.mean()) / sd if sd > 0 else 0.0
    return out


def distances(features: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """Every other area with its standardised distance from ``area_code``, nearest first."""
    codes = features["area_code"].to_numpy()
    hit = np.flatnonzero(codes == area_code)
    if hit.size == 0:
        example = ", ".join(map(str, codes[:3]))
        raise InputError(
            f"area must be one of the {len(codes)} areas of this type; got {area_code!r}. "
            f"Use a code such as {example}."
        )
    z = features[["z_imd", "z_population"]].to_numpy(dtype=float)
    d = np.sqrt(((z - z[hit[0]]) ** 2).sum(axis=1))
    out = features.assign(distance=d)
    out = out[out["area_code"] != area_code]
    return out.sort_values(["distance", "area_code"], ignore_index=True)


def nearest_neighbours(
    area_code: str,
    *,
    store: Store,
    area_type: str = "utla",
    k: int = 5,
    among: Any = None,
) -> pd.DataFrame:
    """The ``k`` areas most similar to ``area_code`` in deprivation and population.

    Parameters
    ----------
    area_code
        The area (GSS code) whose neighbours are wanted.
    store
        An open store with the IMD 2019 tables and ONS lookups.
    area_type
        ``"lad"``, ``"utla"``, ``"combined_authority"`` (the strategic authorities of the
        latest lookup and the GLA, E61000001), ``"region"``, ``"icb"`` or ``"sub_icb"``.
    k
        How many neighbours (at least 1).
    among
        Optional codes to choose from (e.g. the areas that have data); the z-scores are
        still computed across all areas of the type.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, ``population``, ``imd_score``, ``z_imd``,
        ``z_population``, ``distance``, nearest first.

    Examples
    --------
    >>> from healthgap.account.neighbours import nearest_neighbours  # doctest: +SKIP
    >>> nearest_neighbours("E08000025", store=store, area_type="utla", k=3)  # doctest: +SKIP
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"k must be a whole number of at least 1; got {k!r}. Try k=5.")
    table = distances(area_features(store, area_type), area_code)
    if among is not None:
        table = table[table["area_code"].isin(set(among))]
    return table.head(k).reset_index(drop=True)
