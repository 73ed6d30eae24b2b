"""Every English LSOA with its areas, IMD decile and Core20 flag: the lookup the record
counter (:func:`healthgap.data.records.aggregate_records`) joins records to.

It lives here, not in :mod:`healthgap.data`, because it reads the ONS lookups and the
Indices of Deprivation through :mod:`healthgap.geography`, which reads the store: the data
layer takes the lookup from its caller and never imports geography.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from healthgap.data.records import AREA_KEYS
from healthgap.geography.core20 import core20_lsoas
from healthgap.geography.hierarchy import lsoa_lookup, using


def area_lookup(store: Any = None, *, lsoa_vintage: Literal[2011, 2021] = 2011) -> pd.DataFrame:
    """Every English LSOA with its areas (LAD 2024 codes upwards), IMD decile and Core20 flag.

    Columns: ``lsoa_code``, ``lad_code``, ``utla_code``, ``strategic_authority_code``,
    ``region_code``, ``sub_icb_code``, ``icb_code``, ``imd_decile``, ``core20``. IMD 2019
    deciles for 2011 LSOAs, IMD 2025 for 2021 LSOAs. ``store`` is an open store or a path
    (default the configured store).
    """
    with using(store) as s:
        areas = lsoa_lookup(s, lsoa_vintage=lsoa_vintage)
        imd = core20_lsoas(s, imd=2019 if lsoa_vintage == 2011 else 2025)
    out = areas[list(AREA_KEYS.values())].merge(
        imd[["lsoa_code", "imd_decile", "core20"]],
        on="lsoa_code",
        how="left",
        validate="one_to_one",
    )
    out["imd_decile"] = out["imd_decile"].astype("Int64")
    out["core20"] = out["core20"].astype("boolean")
    return out
