"""Hex-map layouts on the codes of the data: districts 2024, upper-tier councils, ICBs 2024.

The store holds Open Innovations' HexJSON layouts as published (``hex_layouts``). Their
codes are of their own vintage, so drawing current data on them leaves areas blank. This
module gives each layout on current codes:

* ``lad``: the 2023 district layout (its 296 English hexagons are exactly the LAD 2024
  codes). Data carrying the 2025 codes of Barnsley and Sheffield (E08000038, E08000039)
  are read as their 2024 codes (:func:`current_area_codes`).
* ``utla``: the same district hexagons, each labelled with its upper-tier council (LAD to
  UTLA, April 2023), so a county is drawn as the block of its districts. The older UTLA
  layout (about 2019-20: Buckinghamshire, Cumbria, Northamptonshire, North Yorkshire and
  Somerset before their reorganisation) is not used.
* ``icb``: the 2022 ICB layout, whose hexagon ids are NHS ODS codes; each is given the
  April 2024 ICB code with the same ODS code (Surrey Heartlands and Sussex were recoded
  E54000052 -> E54000063 and E54000053 -> E54000064).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.data.published import remembered
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import lad25_to_lad24, membership_date
from healthgap.geography.hierarchy import lad_lookup

HexGeography = Literal["lad", "utla", "icb"]
LAYOUT_IDS: dict[str, str] = {"lad": "hex_lad23", "utla": "hex_lad23", "icb": "hex_icb22"}
COLUMNS = ["hex_id", "area_code", "area_name", "q", "r", "layout", "region"]


def current_hexes(store: Store, geography: HexGeography) -> pd.DataFrame:
    """One row per English hexagon, with the current code and name of the area it draws.

    Columns: ``hex_id``, ``area_code``, ``area_name``, ``q``, ``r``, ``layout``,
    ``region``. For ``utla`` several hexagons share a code (a county's districts).
    """
    if geography not in LAYOUT_IDS:
        raise InputError(
            f"geography must be one of {', '.join(LAYOUT_IDS)}; got {geography!r}. "
            "Hex layouts exist for districts, upper-tier councils and ICBs."
        )
    today = membership_date(None)  # the current councils
    return remembered(
        store, ("current_hexes", geography, today), lambda: _current_hexes(store, geography)
    )


def _current_hexes(store: Store, geography: HexGeography) -> pd.DataFrame:
    h = store.table("hex_layouts")
    hexes = store.to_pandas(h.filter(h.layout_id == LAYOUT_IDS[geography]))
    if geography == "icb":
        names = store.to_pandas(store.table("lookup_sicbl24_icb24_names_en"))
        ods = names.drop_duplicates("icb24_code").set_index("icb24_code_nhs")
        hexes = hexes[hexes["hex_id"].isin(ods.index)].copy()
        hexes["area_code"] = hexes["hex_id"].map(ods["icb24_code"])
        hexes["area_name"] = hexes["hex_id"].map(ods["icb24_name"])
        return hexes[COLUMNS].reset_index(drop=True)
    lads = lad_lookup(store)
    hexes = hexes[hexes["area_code"].isin(set(lads["lad_code"]))].copy()
    if geography == "utla":
        utla = lads.set_index("lad_code")
        hexes["area_name"] = hexes["area_code"].map(utla["utla_name"])
        hexes["area_code"] = hexes["area_code"].map(utla["utla_code"])
    return hexes[COLUMNS].reset_index(drop=True)


def layout_cells(store: Store, layout_id: str, codes: Any) -> pd.DataFrame:
    """The hexagons of layout ``layout_id`` (as published) whose area code is in
    ``codes``: ``area_code``, ``area_name``, ``q``, ``r`` and ``layout``."""
    h = store.table("hex_layouts")
    expr = h.filter((h.layout_id == layout_id) & h.area_code.isin(list(codes)))
    return store.to_pandas(expr.select("area_code", "area_name", "q", "r", "layout"))


def current_area_codes(codes: Any, store: Store) -> np.ndarray:
    """Area codes with the 2025 LAD codes the ONS May 2025 lookup introduced (Barnsley
    E08000038, Sheffield E08000039) replaced by the 2024 codes the layouts and lookups
    use; other codes unchanged."""
    mapping = lad25_to_lad24(store)
    values = pd.Series(np.asarray(codes, dtype=object))
    return values.replace(mapping).to_numpy(dtype=object)
