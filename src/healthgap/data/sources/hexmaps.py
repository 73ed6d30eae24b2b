"""Open Innovations (ODI Leeds) HexJSON hexagon cartogram layouts.

A HexJSON file is ``{"layout": "odd-r", "hexes": {"<id>": {"q": .., "r": .., ...}}}``.
Each hexagon becomes one row of ``hex_layouts``: its id, the GSS area code (the id itself,
or ``STP21CD`` in the NHS ICB layout, whose ids are NHS ODS codes), a name, the column
``q`` and row ``r``, the region (``region`` or ``NHSER21CD``), and every property as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from healthgap.data.layout import HEX_COLUMNS
from healthgap.data.sources._common import Parsed, typed_frame
from healthgap.errors import SchemaError

_LAYOUTS = ("odd-r", "even-r", "odd-q", "even-q")


def hexjson(path: Path, source_id: str) -> Parsed:
    """Parse one HexJSON file into ``hex_layouts`` rows (``layout_id`` = the dataset id)."""
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(
            f"{path.name} must be a HexJSON (JSON) file; got {exc}. "
            "Fetch the catalogue's version of the file."
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("hexes"), dict):
        raise SchemaError(
            f"{path.name} must hold an object with 'layout' and 'hexes'; got "
            f"{type(doc).__name__}. Fetch the catalogue's version of the file."
        )
    layout = doc.get("layout")
    if layout not in _LAYOUTS:
        raise SchemaError(
            f"{path.name} layout must be one of {list(_LAYOUTS)}; got {layout!r}. "
            "Fetch the catalogue's version of the file."
        )
    rows = []
    for hex_id, props in doc["hexes"].items():
        if not isinstance(props, dict) or not all(
            isinstance(props.get(k), int) and not isinstance(props.get(k), bool) for k in ("q", "r")
        ):
            raise SchemaError(
                f"{path.name} hexagon {hex_id!r} must have whole-number 'q' and 'r'; got "
                f"{props!r}. Fetch the catalogue's version of the file."
            )
        name = props.get("name") or props.get("ICS22NM") or props.get("n")
        rows.append(
            {
                "layout_id": source_id,
                "layout": layout,
                "hex_id": hex_id,
                "area_code": props.get("STP21CD", hex_id),
                "area_name": str(name).strip() if name is not None else None,
                "q": props["q"],
                "r": props["r"],
                "region": props.get("region", props.get("NHSER21CD")),
                "properties": json.dumps(props, ensure_ascii=False, sort_keys=True),
            }
        )
    frame = typed_frame(pd.DataFrame(rows, columns=list(HEX_COLUMNS)), HEX_COLUMNS)
    return Parsed(frame, len(frame))
