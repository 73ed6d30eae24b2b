"""What every chart builder shares: the :class:`Chart` result, its table, and helpers."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from healthgap.safe_csv import rows_to_csv

#: The Vega-Lite schema every spec names (the web's vega-lite and vl-convert render v6).
VEGA_LITE = "https://vega.github.io/schema/vega-lite/v6.json"
#: GOV.UK Design System colours, distinguishable in greyscale order.
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738", "#505a5f")
#: Text colour (GOV.UK black) and a light rule colour (GOV.UK mid-grey).
INK = "#0b0c0c"
RULE = "#b1b4b6"
#: The widest a category label on a bar chart's axis may be before it is cut with "...".
LABEL_LIMIT = 180

Rows = pd.DataFrame | Sequence[Mapping[str, Any]]


def _plain(value: Any) -> Any:
    """A JSON-ready cell: NaN and infinities become ``None``; numpy scalars become Python."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    return value


def records(rows: Rows) -> list[dict[str, Any]]:
    """``rows`` (a data frame or a sequence of mappings) as plain JSON-ready dicts.

    Missing and non-finite numbers become ``None`` (JSON ``null``; Vega-Lite skips them),
    so a spec never holds ``NaN``, which is not JSON.
    """
    raw = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    return [{str(k): _plain(v) for k, v in r.items()} for r in raw]


@dataclass(frozen=True)
class ChartTable:
    """The figures behind a chart: a caption, (field, heading) columns and the rows."""

    caption: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[Mapping[str, Any], ...]

    @property
    def headings(self) -> tuple[str, ...]:
        """The column headings, in order."""
        return tuple(h for _, h in self.columns)

    def cells(self) -> list[list[Any]]:
        """The rows as lists of cells in column order (missing values empty)."""
        return [[r.get(f) for f, _ in self.columns] for r in self.rows]

    def to_csv(self) -> str:
        """The table as CSV text (headings first), safe for spreadsheets (``safe_csv``)."""
        cells = [["" if v is None else v for v in row] for row in self.cells()]
        return rows_to_csv(self.headings, cells)


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec (a plain dict) and the table of the figures it draws."""

    spec: dict[str, Any]
    table: ChartTable

    @property
    def title(self) -> str:
        """The chart's title (its spec's description)."""
        return str(self.spec.get("description", ""))

    def to_json(self) -> str:
        """The spec as JSON text (for a page, embed it through the safe JSON helper)."""
        return json.dumps(self.spec, allow_nan=False)


def table(
    caption: str, rows: list[dict[str, Any]], columns: Iterable[tuple[str, str]]
) -> ChartTable:
    """A :class:`ChartTable` of ``rows`` showing ``columns`` (field, heading)."""
    cols = tuple(columns)
    return ChartTable(caption, cols, tuple({f: r.get(f) for f, _ in cols} for r in rows))


def top(title: str, rows: list[dict[str, Any]] | None = None, **parts: Any) -> dict[str, Any]:
    """A top-level spec: schema, description (the title), data (when given), ``parts``."""
    spec: dict[str, Any] = {"$schema": VEGA_LITE, "description": title}
    if rows is not None:
        spec["data"] = {"values": rows}
    spec.update(parts)
    return spec


def quantitative(field: str, title: str | None, **extra: Any) -> dict[str, Any]:
    """A quantitative encoding channel."""
    return {"field": field, "type": "quantitative", "title": title, **extra}


def category(field: str, title: str | None, kind: str = "nominal", **extra: Any) -> dict[str, Any]:
    """A category channel in the rows' order with long labels cut at :data:`LABEL_LIMIT`."""
    return {
        "field": field,
        "type": kind,
        "sort": None,
        "title": title,
        "axis": {"labelLimit": LABEL_LIMIT},
        **extra,
    }
