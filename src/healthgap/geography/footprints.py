"""Add up counts from any level of the hierarchy to any footprint, or to your own places.

:func:`aggregate` joins the data's area column to the hierarchy (one vectorised merge)
and sums the value columns per target area and ``group_by`` group (one groupby). A
:class:`Place` is a named list of areas at one level, e.g. a neighbourhood made of
LSOAs or a devolution footprint made of LADs; places may overlap.

Rules
-----
* Every area code in the data must be known at ``level`` (else :class:`InputError`,
  naming the first unknown code and its row).
* Each area must lie wholly within one target area. LSOAs nest in everything; LADs nest
  in UTLAs, strategic authorities, regions and England, but 13 LADs are split between
  ICBs: aggregating LAD data containing them to ICBs raises :class:`InputError`.
* Areas outside every target (a LAD in no strategic authority, an area in no place) do
  not contribute; ``n_areas`` in the result says how many areas did.
* Values must be numbers, 0 or more; missing values count as 0 and are reported in
  ``n_missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.hierarchy import LEVELS, LsoaVintage, lsoa_lookup, using
from healthgap.stats._frames import InputFrame, isin, normalise_group_by, to_kind
from healthgap.stats._validate import no_reserved_names, numeric_column, require_non_negative

#: Levels data can be given at (``from``) and summed to (``to``).
FROM_LEVELS: tuple[str, ...] = (
    "lsoa",
    "lad",
    "utla",
    "strategic_authority",
    "region",
    "sub_icb",
    "icb",
)


@dataclass(frozen=True)
class Place:
    """A user-defined place: a name and the codes of the areas it is made of.

    Parameters
    ----------
    name
        What to call the place in results, e.g. ``"Coastal towns"``.
    areas
        Area codes at ``level`` (e.g. LAD 2024 codes, or LSOA codes).
    level
        The level of ``areas``: one of ``lsoa``, ``lad``, ``utla``,
        ``strategic_authority``, ``region``, ``icb``.
    code
        An identifier for results; defaults to ``name``.

    Examples
    --------
    >>> coast = Place("Fylde coast", ["E06000009", "E07000119", "E07000128"])
    >>> coast.areas, coast.level, coast.code
    (('E06000009', 'E07000119', 'E07000128'), 'lad', 'Fylde coast')
    """

    name: str
    areas: Sequence[str] = field()
    level: str = "lad"
    code: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(
                f"a place's name must be non-empty text; got {self.name!r}. "
                "Use e.g. Place('Fylde coast', [...]).",
                field="name",
            )
        if isinstance(self.areas, str):
            raise InputError(
                f"place {self.name!r} areas must be a list of codes; got the single string "
                f"{self.areas!r}. Use areas=[{self.areas!r}].",
                field="areas",
            )
        areas = tuple(str(a) for a in self.areas)
        if not areas:
            raise InputError(
                f"place {self.name!r} must list at least one area; got none. "
                "Give the area codes it is made of.",
                field="areas",
            )
        if self.level not in FROM_LEVELS:
            raise InputError(
                f"place {self.name!r} level must be one of {list(FROM_LEVELS)}; got "
                f"{self.level!r}.",
                field="level",
            )
        object.__setattr__(self, "areas", areas)
        object.__setattr__(self, "code", self.name if self.code is None else str(self.code))


#: Height in the hierarchy: data can be summed to the same or a greater height.
_RANK = {
    "lsoa": 0,
    "lad": 1,
    "sub_icb": 1,
    "utla": 2,
    "icb": 2,
    "strategic_authority": 3,
    "region": 4,
    "england": 5,
}


def _level_table(lookup: pd.DataFrame, level: str, to: str) -> pd.DataFrame:
    """``level`` code -> ``to`` code and name, one row per pair that occurs."""
    pairs = pd.DataFrame(
        {
            "_from": lookup[f"{level}_code"].to_numpy(),
            "_code": lookup[f"{to}_code"].to_numpy(),
            "_name": lookup[f"{to}_name"].to_numpy(),
        }
    )
    return pairs.dropna(subset=["_from", "_code"]).drop_duplicates(["_from", "_code"])


def _check_level(name: str, value: str, options: Sequence[str]) -> None:
    if value not in options:
        raise InputError(f"{name} must be one of {list(options)}; got {value!r}.")


def aggregate(
    data: Any,
    *,
    area: str,
    values: str | Sequence[str],
    level: str = "lad",
    to: str | Sequence[Place] = "region",
    group_by: str | Sequence[str] | None = None,
    store: Store | str | None = None,
    lsoa_vintage: LsoaVintage = 2021,
    strategic: Any = None,
) -> Any:
    """Sum ``values`` from areas at ``level`` up to the footprint ``to``.

    Parameters
    ----------
    data
        pandas or polars data frame (or Arrow table): one row per area (and group).
    area
        The column holding the area codes (LSOA codes of ``lsoa_vintage``; LAD, UTLA and
        strategic authority codes of 2024; region, ICB codes).
    values
        Count columns to add up (numbers, 0 or more).
    level
        The level of ``area``: one of :data:`FROM_LEVELS`.
    to
        A level at or above ``level`` (``lad``, ``utla``, ``strategic_authority``,
        ``region``, ``england``, ``sub_icb``, ``icb``), or a list of :class:`Place`.
    group_by
        Further columns to keep apart, e.g. ``["sex", "age_band"]``.
    store
        An open store, a store path, or ``None`` for the default store.
    lsoa_vintage
        2011 or 2021, for LSOA codes.
    strategic
        Your own strategic authority lookup (see
        :func:`~healthgap.geography.hierarchy.strategic_authorities`).

    Returns
    -------
    data frame of the same kind as ``data``
        ``<to>_code``, ``<to>_name`` (``place_code``/``place_name`` for places), the
        ``group_by`` columns, the summed ``values``, ``n_areas`` (areas that
        contributed) and ``n_missing`` (missing values counted as 0).

    Examples
    --------
    >>> import pandas as pd
    >>> deaths = pd.DataFrame({"lad": ["E06000001", "E06000002"], "deaths": [10, 20]})
    >>> aggregate(deaths, area="lad", values="deaths", to="region")  # doctest: +SKIP
      region_code region_name  deaths  n_areas  n_missing
    0   E12000001  North East    30.0        2          0
    """
    _check_level("level", level, FROM_LEVELS)
    frame = InputFrame.of(data)
    value_cols = normalise_group_by(values)
    if not value_cols:
        raise InputError("values must name at least one column; got none. Pass values='count'.")
    groups = normalise_group_by(group_by)
    frame.require(
        [area, *value_cols, *groups],
        ["area", *["value"] * len(value_cols), *["group_by"] * len(groups)],
    )
    places = None if isinstance(to, str) else list(to)
    if places is not None:
        if not places or not all(isinstance(p, Place) for p in places):
            raise InputError(
                "to must be a level name or a non-empty list of Place objects; got "
                f"{to!r}. Use e.g. to='region' or to=[Place('My place', [...])]."
            )
        prefix = "place"
    else:
        assert isinstance(to, str)
        _check_level("to", to, LEVELS[1:])
        if _RANK[to] < _RANK[level]:
            raise InputError(
                f"to must be a level at or above {level!r}; got {to!r}. "
                f"Data at {level} level can only be summed upwards."
            )
        prefix = to
    no_reserved_names(groups, [f"{prefix}_code", f"{prefix}_name", "n_areas", "n_missing"])
    arrays = {}
    for col in value_cols:
        v = numeric_column(frame, col, "value", context=[area])
        require_non_negative(frame, v, col, "value", context=[area])
        arrays[col] = v
    with using(store) as s:
        lookup = lsoa_lookup(s, lsoa_vintage=lsoa_vintage, strategic=strategic)
    codes = frame.df[area].astype("str")
    known = pd.Index(lookup[f"{level}_code"].dropna().unique())
    unknown = ~isin(codes, known)
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        what = f"LSOA {lsoa_vintage}" if level == "lsoa" else level.replace("_", " ")
        raise InputError(
            f"area column {area!r} must hold English {what} codes known to the store; got "
            f"{int(unknown.sum())} rows with unknown codes (first: {codes.iloc[first]!r} at "
            f"{frame.describe_row(first)}). LAD codes must be 2024 codes: recode older "
            "ones with healthgap.geography.recode_lad()."
        )
    if places is None:
        mapping = _level_table(lookup, level, prefix)
    else:
        mapping = _places_table(places, lookup, level)
    split = mapping.groupby("_from")["_code"].nunique() if places is None else None
    if split is not None and (split > 1).any():
        bad = codes[isin(codes, split[split > 1].index)]
        if len(bad):
            first_code = bad.iloc[0]
            raise InputError(
                f"each {level.replace('_', ' ')} must lie within one {prefix.replace('_', ' ')} "
                f"to be added up; got {bad.nunique()} that are split (first: {first_code!r}, "
                f"in {int(split[first_code])}). Aggregate from LSOA data instead."
            )
    work = pd.DataFrame({"_from": codes.to_numpy(), "_row": np.arange(len(codes))})
    for g in groups:
        work[g] = frame.df[g].to_numpy()
    for col, v in arrays.items():
        work[col] = v
    work["_missing"] = np.sum([np.isnan(v) for v in arrays.values()], axis=0)
    merged = work.merge(mapping, on="_from", how="inner")
    keys = ["_code", "_name", *groups]
    grouped = merged.groupby(keys, sort=True, dropna=False, observed=True)
    out = grouped[value_cols].sum(min_count=0)
    for col in value_cols:  # whole-number counts in, whole-number counts out
        if pd.api.types.is_integer_dtype(frame.df[col]) and not np.isnan(arrays[col]).any():
            out[col] = out[col].astype("int64")
    out["n_areas"] = grouped["_from"].nunique()
    out["n_missing"] = grouped["_missing"].sum().astype("int64")
    out = out.reset_index().rename(columns={"_code": f"{prefix}_code", "_name": f"{prefix}_name"})
    return to_kind(out, frame.kind)


def _places_table(places: Sequence[Place], lookup: pd.DataFrame, level: str) -> pd.DataFrame:
    """Data-level code -> place code and name (an area can be in several places): for
    every place at once, one merge per place level. Should any place be wrong, the places
    are checked one at a time for the first problem's message."""
    if len({str(p.code) for p in places}) < len(places) or any(
        _RANK[p.level] < _RANK[level] for p in places
    ):
        return _places_table_one_by_one(places, lookup, level)
    members = pd.DataFrame(
        [(i, p.level, area) for i, p in enumerate(places) for area in p.areas],
        columns=["_place", "_level", "_area"],
    ).drop_duplicates(["_place", "_area"])
    parts = []
    for place_level, group in members.groupby("_level", sort=False):
        if not isin(group["_area"], set(lookup[f"{place_level}_code"].dropna())).all():
            return _places_table_one_by_one(places, lookup, level)
        pairs = _level_table(lookup, level, str(place_level)).reset_index(drop=True)
        pairs["_row"] = np.arange(len(pairs))
        m = pairs.merge(group, left_on="_code", right_on="_area")
        # a data-level area is wholly inside a place when all its pairs are
        inside = m.groupby(["_place", "_from"], sort=False).size()
        total = pairs.groupby("_from").size()
        if (inside.to_numpy() < total.reindex(inside.index.get_level_values("_from"))).any():
            return _places_table_one_by_one(places, lookup, level)
        parts.append(m[["_place", "_row", "_from"]])
    chosen = pd.concat(parts).sort_values(["_place", "_row"]).drop_duplicates(["_place", "_from"])
    index = chosen["_place"].to_numpy()
    return pd.DataFrame(
        {
            "_from": chosen["_from"].to_numpy(),
            "_code": np.array([places[i].code for i in index], dtype=object),
            "_name": np.array([places[i].name for i in index], dtype=object),
        }
    )


def _places_table_one_by_one(
    places: Sequence[Place], lookup: pd.DataFrame, level: str
) -> pd.DataFrame:
    """:func:`_places_table` place by place, raising the first problem found."""
    codes = [str(p.code) for p in places]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise InputError(
            f"places must have distinct codes; got {dup[0]!r} more than once. "
            "Give each place its own name or code."
        )
    parts = []
    for place in places:  # a handful of places: building the table, not the hot path
        if _RANK[place.level] < _RANK[level]:
            raise InputError(
                f"place {place.name!r} must be made of areas at or above the data's level "
                f"{level!r}; got level {place.level!r}. Define the place with {level} codes."
            )
        members = pd.Series(place.areas)
        known = set(lookup[f"{place.level}_code"].dropna())
        unknown = members[~members.isin(known)]
        if len(unknown):
            raise InputError(
                f"place {place.name!r} areas must be {place.level} codes known to the store; "
                f"got {len(unknown)} unknown (first: {unknown.iloc[0]!r}). "
                "LAD codes must be 2024 codes."
            )
        pairs = _level_table(lookup, level, place.level)
        inside = pairs["_code"].isin(set(place.areas))
        touching = set(pairs.loc[inside, "_from"])
        partial = pairs.loc[~inside & pairs["_from"].isin(touching), "_from"]
        if len(partial):
            raise InputError(
                f"place {place.name!r} must be made of whole {level} areas; got "
                f"{partial.nunique()} {level} areas only partly inside it (first: "
                f"{partial.iloc[0]!r}). Define the place with {level} codes, or use LSOA data."
            )
        chosen = pairs.loc[inside, ["_from"]].drop_duplicates()
        parts.append(chosen.assign(_code=place.code, _name=place.name))
    return pd.concat(parts, ignore_index=True)
