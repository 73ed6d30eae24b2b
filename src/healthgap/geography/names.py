"""Names for codes: the one place every face looks up what an area or indicator is called.

Areas come from the store's ``areas`` table (ONS names of nations, regions, combined
authorities and the GLA, upper- and lower-tier councils, ICBs and sub-ICB locations);
indicators from ``indicator_metadata`` (name and unit). Pages, the CLI and the report show
the name and keep the code as secondary text or in downloads.

>>> area_label("E47000001", {"E47000001": "Greater Manchester"})
'Greater Manchester'
>>> area_label("E99999999", {})
'E99999999'
>>> names_list(["E47000001", "E47000002"], {"E47000001": "Greater Manchester"})
'Greater Manchester, E47000002'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from healthgap.data.store import Store

#: Area types named by :func:`area_names` (small areas and wards are left out: there are
#: tens of thousands and no page lists them by name).
AREA_TYPES: tuple[str, ...] = (
    "country",
    "nation",
    "region",
    "combined_authority",
    "utla",
    "lad",
    "icb",
    "sub_icb",
)


def area_names(store: Store) -> dict[str, str]:
    """``{code: name}`` for every nation, region, authority, council and ICB in the store.

    A code named in several vintages takes its latest name.
    """
    if "areas" not in store.tables():
        return {}
    t = store.table("areas")
    frame = store.to_pandas(
        t.filter(t.type.isin(list(AREA_TYPES))).select("code", "name", "vintage")
    )
    frame = frame.sort_values("vintage", na_position="first")
    return {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True) if n}


def area_label(code: Any, names: Mapping[str, str]) -> str:
    """The name of ``code`` (the code itself when the store does not name it)."""
    text = "" if code is None or (isinstance(code, float) and math.isnan(code)) else str(code)
    return names.get(text, text)


def names_list(codes: Iterable[Any], names: Mapping[str, str]) -> str:
    """Comma-separated names of ``codes``, in order."""
    return ", ".join(area_label(c, names) for c in codes)


def indicator_names(store: Store) -> dict[str, dict[str, str]]:
    """``{indicator_id: {"name": ..., "unit": ...}}`` from the indicator metadata."""
    from healthgap.data.indicator_metadata import metadata

    meta = metadata(store)
    out: dict[str, dict[str, str]] = {}
    for rec in meta[["indicator_id", "name", "unit"]].to_dict("records"):
        name = rec["name"] if isinstance(rec["name"], str) and rec["name"] else rec["indicator_id"]
        unit = rec["unit"] if isinstance(rec["unit"], str) else ""
        out[str(rec["indicator_id"])] = {"name": str(name), "unit": unit}
    return out


def indicator_label(indicator_id: Any, names: Mapping[str, Mapping[str, str]]) -> str:
    """An indicator's name (its id when the metadata do not name it)."""
    found = names.get(str(indicator_id))
    return str(found["name"]) if found else str(indicator_id)
