"""MHCLG English Indices of Deprivation (IoD2019 and IoD2025).

The LSOA files hold one row per LSOA with score, rank (1 = most deprived) and decile
(1 = most deprived 10%) for the IMD and its domains; the 2019 file also holds the
mid-2015 population denominators. The summary files hold MHCLG's published
local-authority (File 10) and ICB (File 13) summaries. Columns keep the mirror's names.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from healthgap.data.sources._common import Kind, Parsed, read_csv, require_unique
from healthgap.errors import SchemaError

_WHOLE = re.compile(r"(_rank$|^rank_of_|_rank_of_|_decile$|^pop_)")


def _kinds(path: Path, required: Sequence[str]) -> dict[str, Kind]:
    """Text for codes and names, whole numbers for ranks, deciles and counts."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    missing = [c for c in required if c not in header]
    if missing:
        raise SchemaError(
            f"{path.name} must have the columns {missing}; got {len(header)} columns "
            f"starting [{', '.join(header[:6])}]. Fetch the catalogue's version of the file."
        )
    kinds: dict[str, Kind] = {}
    for name in header:
        if name.endswith(("_code", "_name")):
            kinds[name] = "str"
        elif _WHOLE.search(name) and "average_rank" not in name:
            kinds[name] = "int"
        else:
            kinds[name] = "float"
    return kinds


def _table(path: Path, source_id: str, key: str, required: Sequence[str]) -> Parsed:
    frame = read_csv(path, _kinds(path, [key, *required]))
    require_unique(frame, [key], path)
    return Parsed(frame, len(frame))


def imd2019_lsoa(path: Path, source_id: str) -> Parsed:
    """IoD2019 File 7 (reconstructed): LSOA 2011 scores, ranks, deciles, populations."""
    return _table(
        path,
        source_id,
        "lsoa11_code",
        ["lsoa11_name", "lad19_code", "imd_score", "imd_rank", "imd_decile", "pop_total_mid2015"],
    )


def imd2019_lad(path: Path, source_id: str) -> Parsed:
    """IoD2019 File 10: local authority district summaries (LAD 2019 codes)."""
    return _table(
        path,
        source_id,
        "lad19_code",
        ["lad19_name", "imd_average_score", "imd_rank_of_average_score"],
    )


def imd2025_lsoa(path: Path, source_id: str) -> Parsed:
    """IoD2025 File 7: LSOA 2021 scores, ranks and deciles (no population denominators)."""
    return _table(
        path,
        source_id,
        "lsoa21_code",
        ["lsoa21_name", "lad24_code", "imd_score", "imd_rank", "imd_decile"],
    )


def imd2025_lad(path: Path, source_id: str) -> Parsed:
    """IoD2025 File 10: local authority district summaries (LAD 2024 codes)."""
    return _table(
        path,
        source_id,
        "lad24_code",
        ["lad24_name", "imd_average_score", "imd_rank_of_average_score"],
    )


def imd2025_icb(path: Path, source_id: str) -> Parsed:
    """IoD2025 File 13: integrated care board summaries (ICB 2024 codes)."""
    return _table(
        path,
        source_id,
        "icb24_code",
        ["icb24_name", "imd_average_score", "imd_rank_of_average_score"],
    )
