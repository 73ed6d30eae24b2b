"""Check that every chart on a page is listed, figure for figure, in the table beside it.

A page shows a chart through the ``chart`` macro (``templates/_macros.html``): the
Vega-Lite spec in ``<script type="application/json" id="ID-spec">`` and the chart's
table as ``<table id="ID-table" data-chart="ID">`` whose column headers name their field
(``data-field``). :func:`chart_tables_agree` reads both from the HTML alone (the spec as
JSON, the table as the text a reader sees) and checks that each row of data the chart
draws has a table row showing the same values: text equal, numbers equal to the places
printed. It knows nothing of how either was built.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

#: Encoding channels whose ``field`` is drawn (or named on hover).
_CHANNELS = ("x", "x2", "y", "y2", "color", "shape", "text", "yOffset", "xOffset", "detail")


class _Page(HTMLParser):
    """The chart specs and chart tables of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.specs: dict[str, str] = {}
        self.tables: dict[str, dict[str, Any]] = {}
        self._spec: str | None = None
        self._table: dict[str, Any] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and (a.get("id") or "").endswith("-spec"):
            self._spec = str(a["id"])[: -len("-spec")]
            self.specs[self._spec] = ""
        elif tag == "table" and a.get("data-chart"):
            self._table = {"fields": [], "rows": []}
            self.tables[str(a["data-chart"])] = self._table
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._table is not None and tag in ("th", "td"):
            if a.get("scope") == "col":
                self._table["fields"].append(a.get("data-field"))
            else:
                self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._spec = None
        elif tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row:
                self._table["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._spec is not None:
            self.specs[self._spec] += data
        elif self._cell is not None:
            self._cell.append(data)


def _layers(
    spec: dict[str, Any], data: list[dict[str, Any]] | None = None
) -> Iterator[tuple[list[dict[str, Any]], set[str]]]:
    """Each drawn layer's data rows and the data fields it draws (folded fields count;
    the names a fold or a calculation makes do not)."""
    data = spec.get("data", {}).get("values", data)
    for key in ("layer", "vconcat", "hconcat", "concat"):
        if key in spec:
            for part in spec[key]:
                yield from _layers(part, data)
            return
    if "spec" in spec:  # a facet
        yield from _layers(spec["spec"], data)
        return
    fields: set[str] = set()
    made: set[str] = set()
    for t in spec.get("transform", []):
        if "fold" in t:
            fields |= set(t["fold"])
            made |= set(t.get("as", []))
        if "calculate" in t:
            made.add(t["as"])
    for channel in _CHANNELS:
        enc = spec.get("encoding", {}).get(channel)
        if isinstance(enc, dict) and "field" in enc:
            fields.add(enc["field"])
    yield data or [], fields - made


def _same(cell: str, value: Any) -> bool:
    """Whether the table's ``cell`` shows ``value`` (numbers to the places printed)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return cell == str(value)
    text = cell.replace(",", "").replace("£", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return False
    places = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10**-places + 1e-9


def chart_tables_agree(page: str) -> int:
    """Check every chart on ``page`` against its table; the number of values checked.

    Fails when a chart has no table, when a drawn field has no column, or when a row the
    chart draws is not in the table.
    """
    parsed = _Page()
    parsed.feed(page)
    checked = 0
    for chart_id, text in parsed.specs.items():
        assert chart_id in parsed.tables, f"chart {chart_id} has no table"
        table = parsed.tables[chart_id]
        fields: list[str] = table["fields"]
        rows: list[list[str]] = table["rows"]
        assert rows, f"chart {chart_id}: its table is empty"
        spec = json.loads(html.unescape(text))
        for data, drawn in _layers(spec):
            if not drawn:  # a mark at a constant (a zero line)
                continue
            shown = sorted(drawn & set(fields))
            if not shown:  # a reference mark (a rule at zero, a target line's value)
                assert len(data) <= 1, f"chart {chart_id}: a layer draws {drawn}, not in its table"
                continue
            missing = drawn - set(fields)
            assert not missing, f"chart {chart_id}: {sorted(missing)} drawn but not in the table"
            for record in data:
                want = {f: record[f] for f in shown if record.get(f) is not None}
                assert any(
                    all(_same(row[fields.index(f)], v) for f, v in want.items()) for row in rows
                ), f"chart {chart_id}: no table row shows {want}"
                checked += len(want)
    return checked
