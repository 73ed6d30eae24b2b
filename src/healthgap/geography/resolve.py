"""Any footprint by its code: strategic authorities, ICBs, sub-ICBs, councils, regions, places.

:func:`footprint` turns a code into a :class:`Footprint`: its one canonical code and name,
what kind of area it is, the code published figures for it use, its neighbourhoods (LSOA
2021 and LSOA 2011, for the two IMD vintages) and its councils with how much of each lies
inside. Everything that works "for a footprint" (Core20, scorecards, neighbours, the
report) starts here, so a strategic authority of May 2025, the GLA, an ICB, a sub-ICB and a
user-defined place are handled alike.

Codes read
----------
=====================  ===========================================================
``E47...``, ``E61000001``  strategic authority (:mod:`~healthgap.geography.authorities`;
                           ``E12000007`` is the London region, or the GLA with
                           ``kind="strategic_authority"``)
``E54...``                 integrated care board (April 2024); the July 2022 codes of
                           Surrey Heartlands and Sussex name their successors
``E38...``                 sub-ICB location (April 2024)
``E06/E07/E08/E09...``     local authority district (2024; Barnsley's and Sheffield's
                           2025 codes are accepted)
``E10...``                 upper-tier (county) council
``E12...``                 region;  ``E92000001`` England
=====================  ===========================================================

Membership is by LSOA: an LSOA lies in exactly one area of every kind, so a footprint's
population is the sum of its LSOAs' and a council split between ICBs is counted in part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from healthgap.data.published import remembered
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography import authorities as auth
from healthgap.geography.footprints import Place
from healthgap.geography.hierarchy import ENGLAND_CODE, lsoa_lookup

#: Footprint kinds and the ``area_type`` published figures for them use in the store.
AREA_TYPES: dict[str, str] = {
    "strategic_authority": "combined_authority",
    "icb": "icb",
    "sub_icb": "sub_icb",
    "lad": "lad",
    "utla": "utla",
    "region": "region",
    "england": "nation",
    "place": "place",
}
KIND_LABELS: dict[str, str] = {
    "strategic_authority": "strategic authority",
    "icb": "integrated care board",
    "sub_icb": "sub-ICB location",
    "lad": "local authority district",
    "utla": "upper-tier council",
    "region": "region",
    "england": "country",
    "place": "user-defined place",
}
#: ICB codes of July 2022 that April 2024 replaced (old -> new).
ICB22_TO_ICB24: dict[str, str] = {"E54000052": "E54000063", "E54000053": "E54000064"}
SUB_ICB22_TO_SUB_ICB24: dict[str, str] = {"E38000246": "E38000264", "E38000248": "E38000265"}


@dataclass(frozen=True)
class Footprint:
    """An area healthgap can report on, with its neighbourhoods and councils.

    ``lads`` has one row per council with any LSOA inside: ``lad_code``, ``lad_name``,
    ``utla_code``, ``utla_name``, ``lsoas`` (its 2021 LSOAs inside), ``lad_lsoas`` (all
    its 2021 LSOAs) and ``share_inside`` (``lsoas / lad_lsoas``; 1 for whole councils).
    """

    code: str
    name: str
    kind: str
    data_code: str
    area_type: str
    region_code: str
    region_name: str
    lsoa21: tuple[str, ...] = field(repr=False)
    lsoa11: tuple[str, ...] = field(repr=False)
    lads: pd.DataFrame = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    vintage: str = auth.LATEST

    @property
    def label(self) -> str:
        """What kind of area this is, in words."""
        return KIND_LABELS[self.kind]

    @property
    def whole_lads(self) -> pd.DataFrame:
        """The councils lying wholly inside (every one of their LSOAs)."""
        return self.lads[self.lads["share_inside"] >= 1].reset_index(drop=True)

    @property
    def partial_lads(self) -> pd.DataFrame:
        """The councils only partly inside."""
        return self.lads[self.lads["share_inside"] < 1].reset_index(drop=True)

    def place(self, lsoa_vintage: int = 2021) -> Place:
        """The footprint as a :class:`Place` of LSOAs of ``lsoa_vintage`` (2011 or 2021)."""
        areas = self.lsoa21 if lsoa_vintage == 2021 else self.lsoa11
        return Place(self.name, list(areas), level="lsoa", code=self.code)


def _article(words: str) -> str:
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _kind_of(code: str) -> str | None:
    if code in (auth.GLA_CODE,) or code.startswith("E47"):
        return "strategic_authority"
    prefixes = {
        "E54": "icb",
        "E38": "sub_icb",
        "E06": "lad",
        "E07": "lad",
        "E08": "lad",
        "E09": "lad",
        "E10": "utla",
        "E12": "region",
    }
    if code == ENGLAND_CODE:
        return "england"
    return prefixes.get(code[:3])


def footprint(
    code: str | Place,
    store: Store,
    *,
    on: dt.date | str | None = None,
    kind: str | None = None,
) -> Footprint:
    """The :class:`Footprint` for ``code`` (see the module docs for the codes read).

    Parameters
    ----------
    code
        An area code, or a :class:`~healthgap.geography.Place` (of LSOAs or districts).
    store
        An open store.
    on
        For strategic authorities, the date membership is taken for (default now).
    kind
        Force the kind, e.g. ``"strategic_authority"`` to read E12000007 as the GLA.

    Raises
    ------
    InputError
        Unknown codes, abolished authorities (naming their successor) and the replaced
        2022 ICB codes (naming the 2024 code).
    """
    if isinstance(code, Place):
        return _place_footprint(code, store)
    raw = str(code).strip().upper()
    if kind == "strategic_authority" or (kind is None and _kind_of(raw) == "strategic_authority"):
        return _authority_footprint(raw, store, on)
    if raw in ICB22_TO_ICB24 or raw in SUB_ICB22_TO_SUB_ICB24:
        new = ICB22_TO_ICB24.get(raw) or SUB_ICB22_TO_SUB_ICB24[raw]
        raise auth.ReplacedCodeError(
            f"footprint must be a current (April 2024) ICB or sub-ICB code; got {raw!r}, a "
            f"July 2022 code replaced by {new} in April 2024. Use {new}."
        )
    level = kind or _kind_of(raw)
    lookup = lsoa_lookup(store, lsoa_vintage=2021)
    notes: tuple[str, ...] = ()
    if level == "lad" and raw not in set(lookup["lad_code"]):
        renamed = auth.lad25_to_lad24(store)
        if raw in renamed:
            notes = (
                f"{raw} is the 2025 code of this council after a boundary change; healthgap "
                f"uses its 2024 code {renamed[raw]}, the vintage of the LSOA lookups.",
            )
            raw = renamed[raw]
    if level is None or level == "place" or level not in AREA_TYPES:
        raise InputError(
            f"footprint must be an English area code (strategic authority E47/E61, ICB E54, "
            f"sub-ICB E38, council E06-E10, region E12 or England E92000001); got {code!r}."
        )
    rows = lookup[lookup[f"{level}_code"] == raw]
    if rows.empty:
        examples = lookup[f"{level}_code"].dropna().drop_duplicates().sort_values().head(3)
        raise InputError(
            f"footprint must be {_article(KIND_LABELS[level])} code known to the store; got "
            f"{code!r}. "
            f"E.g. {', '.join(examples)}."
        )
    name = str(rows[f"{level}_name"].iloc[0])
    return _build(raw, name, level, raw, rows, lookup, store, notes)


def _authority_footprint(raw: str, store: Store, on: dt.date | str | None) -> Footprint:
    resolved = auth.resolve(raw, store, on=on)
    lookup = lsoa_lookup(store, lsoa_vintage=2021)
    rows = lookup[lookup["lad_code"].isin(resolved.members["lad_code"])]
    return _build(
        resolved.code,
        resolved.name,
        "strategic_authority",
        resolved.data_code,
        rows,
        lookup,
        store,
        resolved.notes,
        resolved.vintage,
    )


def _place_footprint(place: Place, store: Store) -> Footprint:
    lookup = lsoa_lookup(store, lsoa_vintage=2021)
    areas = pd.Series(place.areas, dtype=object)
    level = place.level
    known = set(lookup[f"{level}_code"].dropna())
    unknown = areas[~areas.isin(known)]
    if len(unknown):
        listed = ", ".join(unknown.head(20))
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise InputError(
            f"place {place.name!r} must be made of English {level.replace('_', ' ')} codes "
            f"known to the store (LSOA 2021 codes, LAD 2024 codes); got {len(unknown)} "
            f"unknown: {listed}{more}. Check each code."
        )
    rows = lookup[lookup[f"{level}_code"].isin(set(areas))]
    return _build(
        str(place.code),
        place.name,
        "place",
        str(place.code),
        rows,
        lookup,
        store,
        (f"A user-defined place of {len(areas)} {level.replace('_', ' ')} areas.",),
    )


def _build(
    code: str,
    name: str,
    kind: str,
    data_code: str,
    rows: pd.DataFrame,
    lookup: pd.DataFrame,
    store: Store,
    notes: Sequence[str],
    vintage: str = auth.LATEST,
) -> Footprint:
    lsoa21 = tuple(sorted(rows["lsoa_code"]))
    lsoa11 = _lsoa11_of(store, set(lsoa21))
    per_lad = rows.groupby(["lad_code", "lad_name", "utla_code", "utla_name"]).size()
    lads = per_lad.rename("lsoas").reset_index()
    lads["lad_lsoas"] = lads["lad_code"].map(lookup.groupby("lad_code").size()).astype("int64")
    lads["lsoas"] = lads["lsoas"].astype("int64")
    lads["share_inside"] = lads["lsoas"] / lads["lad_lsoas"]
    regions = rows.groupby(["region_code", "region_name"]).size().sort_values(ascending=False)
    region_code, region_name = regions.index[0]
    notes = tuple(notes)
    if len(regions) > 1:
        notes = (
            *notes,
            f"It spans {len(regions)} regions; its region here is {region_name}, where most of "
            "its neighbourhoods are.",
        )
    return Footprint(
        code=code,
        name=name,
        kind=kind,
        data_code=data_code,
        area_type=AREA_TYPES[kind],
        region_code=str(region_code),
        region_name=str(region_name),
        lsoa21=lsoa21,
        lsoa11=lsoa11,
        lads=lads.sort_values("lad_code", ignore_index=True),
        notes=notes,
        vintage=vintage,
    )


def _lsoa11_of(store: Store, lsoa21: set[str]) -> tuple[str, ...]:
    """The 2011 LSOAs of a set of 2021 LSOAs: those whose 2021 successors are mostly inside.

    A 2011 LSOA maps to one or more 2021 LSOAs (split), or several to one (merged). It
    belongs to the footprint when most of its 2021 pieces do (ties: inside), so every 2011
    LSOA belongs to exactly one footprint of a partition and populations add up.
    """
    bridge = store.to_pandas(store.table("lookup_lsoa11_lsoa21_lad22_ew"))
    bridge = bridge[bridge["lsoa11_code"].str.startswith("E")]
    inside = bridge["lsoa21_code"].isin(lsoa21)
    share = inside.groupby(bridge["lsoa11_code"]).mean()
    return tuple(sorted(share.index[share >= 0.5]))


def overlaps(
    store: Store,
    a: str = "strategic_authority",
    b: str = "icb",
    *,
    on: dt.date | str | None = None,
) -> pd.DataFrame:
    """How areas of two kinds overlap, in neighbourhoods and in people, both ways.

    Columns: ``<a>_code``, ``<a>_name``, ``<b>_code``, ``<b>_name``, ``lsoas`` (2021 LSOAs
    in both), ``population`` (mid-2015, the IMD 2019 LSOA populations, 2011 LSOAs in both
    through the 2011 lookup), ``share_of_<a>`` and ``share_of_<b>`` (population shares: of
    ``a``'s people, the part living in ``b``, and the other way round),
    ``lsoa_share_of_<a>`` and ``lsoa_share_of_<b>``.

    Examples
    --------
    >>> overlaps(store, "strategic_authority", "icb")  # doctest: +SKIP
    """
    for name, level in (("a", a), ("b", b)):
        if level not in ("strategic_authority", "icb", "sub_icb", "lad", "utla", "region"):
            raise InputError(
                f"{name} must be strategic_authority, icb, sub_icb, lad, utla or region; got "
                f"{level!r}."
            )
    day = auth.membership_date(on)
    return remembered(store, ("overlaps", a, b, day), lambda: _overlaps(store, a, b, day))


def _overlaps(store: Store, a: str, b: str, on: dt.date) -> pd.DataFrame:
    l21 = lsoa_lookup(store, lsoa_vintage=2021, on=on)
    l11 = lsoa_lookup(store, lsoa_vintage=2011, on=on)
    imd = store.to_pandas(store.table("imd2019_lsoa11"))[["lsoa11_code", "pop_total_mid2015"]]
    l11 = l11.merge(
        imd.rename(columns={"lsoa11_code": "lsoa_code", "pop_total_mid2015": "population"}),
        on="lsoa_code",
    )
    keys = [f"{a}_code", f"{a}_name", f"{b}_code", f"{b}_name"]
    count = l21.dropna(subset=[keys[0], keys[2]]).groupby(keys).size().rename("lsoas")
    pop = l11.dropna(subset=[keys[0], keys[2]]).groupby(keys)["population"].sum()
    out = pd.concat([count, pop], axis=1).fillna(0).reset_index()
    out["lsoas"] = out["lsoas"].astype("int64")
    out["population"] = out["population"].astype(float)
    for side in (a, b):
        total_pop = l11.groupby(f"{side}_code")["population"].sum()
        total_lsoa = l21.groupby(f"{side}_code").size()
        out[f"share_of_{side}"] = out["population"] / out[f"{side}_code"].map(total_pop)
        out[f"lsoa_share_of_{side}"] = out["lsoas"] / out[f"{side}_code"].map(total_lsoa)
    out = out[(out["lsoas"] > 0) | (out["population"] > 0)]
    return out.sort_values([keys[0], f"share_of_{a}"], ascending=[True, False], ignore_index=True)
