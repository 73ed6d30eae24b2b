"""ONS Open Geography Portal lookups (via ``humaniverse/geographr``).

Every column of a lookup is text (codes and names). Each parser checks the columns
healthgap relies on and that the key identifies one row.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from healthgap.data.sources._common import Kind, Parsed, read_csv, require_unique
from healthgap.errors import SchemaError


def lookup(path: Path, source_id: str, *, key: Sequence[str], required: Sequence[str]) -> Parsed:
    """Read a lookup with every column as text; ``key`` must identify one row."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    missing = [c for c in [*key, *required] if c not in header]
    if missing:
        raise SchemaError(
            f"{path.name} must have the columns {missing}; got [{', '.join(header)}]. "
            "Fetch the catalogue's version of the file."
        )
    kinds: dict[str, Kind] = dict.fromkeys(header, "str")
    frame = read_csv(path, kinds)
    empty = frame[list(key)].isna().any(axis=1).to_numpy()
    if empty.any():
        raise SchemaError(
            f"{path.name} key columns {list(key)} must not be empty; got {int(empty.sum())} "
            "rows with an empty key. Fetch the catalogue's version of the file."
        )
    require_unique(frame, key, path)
    return Parsed(frame, len(frame))


lsoa11_lad21 = partial(lookup, key=["lsoa11_code"], required=["lsoa11_name", "lad21_code"])
lsoa11_lsoa21_lad22 = partial(
    lookup, key=["lsoa11_code", "lsoa21_code"], required=["change_code", "lad22_code"]
)
lsoa21_ward24_lad24 = partial(
    lookup, key=["lsoa21_code"], required=["lsoa21_name", "ward24_code", "lad24_code"]
)
lsoa11_icb22 = partial(lookup, key=["lsoa11_code"], required=["sicbl22_code", "icb22_code"])
icb22_names = partial(lookup, key=["sicbl22_code"], required=["icb22_code", "icb22_name"])
lsoa21_icb24 = partial(lookup, key=["lsoa21_code"], required=["sicbl24_code", "icb24_code"])
icb24_names = partial(lookup, key=["sicbl24_code"], required=["icb24_code", "icb24_name"])
lad24_region24 = partial(lookup, key=["lad24_code"], required=["region24_code", "region24_name"])
lad23_utla23 = partial(lookup, key=["lad23_code"], required=["utla23_code", "utla23_name"])
lad23_cauth23 = partial(lookup, key=["lad23_code"], required=["cauth23_code", "cauth23_name"])
lad24_cauth24 = partial(lookup, key=["LAD24CD"], required=["LAD24NM", "CAUTH24CD", "CAUTH24NM"])
lad25_cauth25 = partial(lookup, key=["LAD25CD"], required=["LAD25NM", "CAUTH25CD", "CAUTH25NM"])
lad_code_history = partial(
    lookup,
    key=[f"lad{y}_code" for y in range(16, 25)],
    required=[f"lad{y}_name" for y in range(16, 25)],
)
