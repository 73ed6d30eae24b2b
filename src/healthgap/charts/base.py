"""What every chart builder shares: the :class:`Chart` result, its table, and helpers."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    """The figures behind a chart: a caption, (field, heading) columns and the rows.

    ``digits`` gives the decimal places a face prints a numeric column with (whole numbers
    by default for integers, one place for other numbers); ``raw`` names the columns to
    print as written (years, codes), never as formatted numbers. ``links`` maps a column
    to the field of each row that holds the address its cell links to (a face's page
    links; not part of :meth:`cells` or the CSV).
    """

    caption: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[Mapping[str, Any], ...]
    digits: Mapping[str, int] = field(default_factory=dict)
    raw: frozenset[str] = frozenset()
    links: Mapping[str, str] = field(default_factory=dict)

    @property
    def headings(self) -> tuple[str, ...]:
        """The column headings, in order."""
        return tuple(h for _, h in self.columns)

    def cells(self) -> list[list[Any]]:
        """The rows as lists of cells in column order (missing values empty)."""
        return [[r.get(f) for f, _ in self.columns] for r in self.rows]

    def numeric(self, name: str) -> bool:
        """Whether column ``name`` holds numbers (printed right-aligned, formatted)."""
        if name in self.raw:
            return False
        return any(_is_number(r.get(name)) for r in self.rows)

    def places(self, name: str, value: Any) -> int:
        """The decimal places to print ``value`` of column ``name`` with."""
        if name in self.digits:
            return self.digits[name]
        return 0 if isinstance(value, int) else 1

    def to_csv(self) -> str:
        """The table as CSV text (headings first), safe for spreadsheets (``safe_csv``)."""
        cells = [["" if v is None else v for v in row] for row in self.cells()]
        return rows_to_csv(self.headings, cells)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class TableOptions:
    """How a face wants a chart's table, beyond the figures the chart draws.

    ``caption`` replaces the chart's title as the caption; ``extra`` adds (field, heading)
    columns taken from the rows the chart was given (figures a reader needs that the chart
    does not draw: counts, populations, verdicts); ``headings`` renames columns; ``order``
    lists the fields in the order to show them (every column must be named, so no figure
    of the chart is ever left out of its table); ``digits`` and ``raw`` as in
    :class:`ChartTable`; ``links`` maps a column to the field of the rows holding the
    address its cells link to.
    """

    caption: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    headings: Mapping[str, str] = field(default_factory=dict)
    order: tuple[str, ...] | None = None
    digits: Mapping[str, int] = field(default_factory=dict)
    raw: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)


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
    caption: str,
    rows: list[dict[str, Any]],
    columns: Iterable[tuple[str, str]],
    options: TableOptions | None = None,
) -> ChartTable:
    """A :class:`ChartTable` of ``rows`` showing ``columns`` (field, heading), shaped by
    ``options`` (:class:`TableOptions`)."""
    opts = options or TableOptions()
    base = [(f, opts.headings.get(f, h)) for f, h in columns]
    names = {f for f, _ in base}
    cols = base + [(f, opts.headings.get(f, h)) for f, h in opts.extra if f not in names]
    if opts.order is not None:
        by = dict(cols)
        left_out = [f for f in by if f not in opts.order]
        unknown = [f for f in opts.order if f not in by]
        if left_out or unknown:
            raise ValueError(
                "order must list every column of the chart's table once; "
                f"left out {left_out}, not columns {unknown}"
            )
        cols = [(f, by[f]) for f in opts.order]
    return ChartTable(
        opts.caption or caption,
        tuple(cols),
        tuple({f: r.get(f) for f in [*(f for f, _ in cols), *opts.links.values()]} for r in rows),
        dict(opts.digits),
        frozenset(opts.raw),
        dict(opts.links),
    )


def fold(fields: Sequence[tuple[str, str]], key: str, value: str) -> list[dict[str, Any]]:
    """Vega-Lite transforms that turn wide rows into long ones: each of ``fields``
    ((field, label) pairs) becomes a row whose ``key`` is the label and ``value`` the field's
    value. Lets a chart draw one bar per field while its data (and so its table) keep one
    row per category with every figure beside it."""
    expr = "null"
    for f, label in reversed(fields):
        expr = f"datum._field === {json.dumps(f)} ? {json.dumps(label)} : {expr}"
    return [
        {"fold": [f for f, _ in fields], "as": ["_field", value]},
        {"calculate": expr, "as": key},
    ]


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
