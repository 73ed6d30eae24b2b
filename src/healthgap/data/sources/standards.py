"""Published standards: the 2013 European Standard Population (Eurostat)."""

from __future__ import annotations

from pathlib import Path

from healthgap.data.layout import STANDARD_POPULATION_COLUMNS
from healthgap.data.sources._common import Parsed, read_csv, require_unique, typed_frame
from healthgap.errors import SchemaError

ESP2013_TOTAL = 100_000


def esp2013(path: Path, source_id: str) -> Parsed:
    """ESP2013 weights by age band (19 or 20 bands); they must total 100,000.

    ``standard`` is the dataset id (``esp2013_19`` or ``esp2013_20``).
    """
    raw = read_csv(
        path,
        {"age_band": "str", "age_lower": "int", "age_upper": "int", "esp2013_weight": "float"},
    )
    require_unique(raw, ["age_band"], path)
    total = float(raw["esp2013_weight"].sum())
    if total != ESP2013_TOTAL:
        raise SchemaError(
            f"{path.name} weights must total {ESP2013_TOTAL:,}; got {total:,.0f}. "
            "Fetch the catalogue's version of the file."
        )
    raw = raw.rename(columns={"esp2013_weight": "weight"})
    raw["standard"] = source_id
    frame = typed_frame(raw, STANDARD_POPULATION_COLUMNS)
    return Parsed(frame, len(frame))
