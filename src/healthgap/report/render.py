"""Render a :class:`~healthgap.report.model.ReportContext` to one self-contained HTML page.

The page is made for print (A4, ``@page`` rules, page numbers, a contents list with page
numbers in the PDF) and for the screen; charts are inline SVG, every chart is followed by
its data table, and every table has a caption and header cells with scopes.
"""

from __future__ import annotations

import math
from typing import Any

import jinja2

from healthgap import __version__, formatting
from healthgap.report.charts import chart_svg
from healthgap.report.model import ReportContext, ReportTable

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("healthgap.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
MISSING = "–"


def cell(value: Any, digits: int | None, column: str = "") -> str:
    """A table cell as text, written by :mod:`healthgap.formatting` (the formatter pages and
    the CLI use): money held in pence (``*_pence`` columns) as pounds with separators,
    other numbers to ``digits`` places with thousands separators.

    >>> cell(63.04, 1), cell(1234567.0, 0), cell(123456789, 0, "allocation_pence")
    ('63.0', '1,234,567', '£1,234,567.89')
    >>> cell(float("nan"), 1), cell(None, None), cell("Manchester", None)
    ('–', '–', 'Manchester')
    """
    if value is None:
        return MISSING
    if isinstance(value, float) and not math.isfinite(value):
        return MISSING
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and column.lower().endswith("_pence"):
        return formatting.pounds(value)
    if digits is not None and number:
        return formatting.number(value, dp=digits)
    text = str(value)
    return text if text not in ("", "nan", "None", "<NA>") else MISSING


def table_rows(table: ReportTable) -> list[list[tuple[str, bool]]]:
    """Rows of formatted cells, each (text, is_number)."""
    cols = list(table.columns)
    out = []
    for rec in table.frame[cols].to_dict("records"):
        out.append([(cell(rec[c], table.digits.get(c), c), c in table.digits) for c in cols])
    return out


def render_html(ctx: ReportContext) -> str:
    """The report as one HTML document (inline SVG charts and CSS; no scripts)."""
    charts = {c.id: chart_svg(c) for s in ctx.sections for c in s.charts}
    template = _ENV.get_template("report.html")
    return template.render(
        ctx=ctx,
        charts=charts,
        table_rows=table_rows,
        version=__version__,
    )
