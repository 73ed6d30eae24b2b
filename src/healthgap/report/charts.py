"""The report's charts: the shared builders of :mod:`healthgap.charts`, drawn as SVG.

Each chart comes from a :class:`~healthgap.report.model.ChartData`, whose data are
already disclosure-controlled; the report prints the table behind every chart under it.
The specs are the ones the web pages use; :func:`healthgap.charts.render.svg` renders
them offline (vl-convert) with the print look, and hex maps come from
:mod:`healthgap.charts.hexmap`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from healthgap import charts
from healthgap.charts.hexmap import hex_map, hexmap_svg
from healthgap.charts.render import FONT, svg
from healthgap.report.model import ChartData

__all__ = ["BUILDERS", "FONT", "chart_spec", "chart_svg"]


def _trend_band(c: ChartData) -> charts.Chart:
    return charts.trend_band(
        c.data,
        title=c.title,
        value_title=str(c.params.get("y_title", "")),
        facet=c.params.get("facet"),
        zero=bool(c.params.get("zero", False)),
    )


def _sii(c: ChartData) -> charts.Chart:
    return charts.sii_line(
        c.data, fit=c.params["fit"], title=c.title, value_title=str(c.params.get("y_title", ""))
    )


def _stacked(c: ChartData) -> charts.Chart:
    return charts.stacked_bars(
        c.data,
        category_field="sex",
        value_field="years",
        part_field="component",
        title=c.title,
        category_title=None,
        value_title=str(c.params.get("y_title", "Years")),
        part_title=None,
        horizontal=False,
    )


def _grouped(c: ChartData) -> charts.Chart:
    return charts.grouped_bars(
        c.data,
        category_field="lad_name",
        value_field="percent",
        group_field="measure",
        title=c.title,
        value_title=str(c.params.get("x_title", "")),
        rule=float(c.params.get("rule", 20.0)),
        domain=(0.0, 100.0),
    )


BUILDERS: dict[str, Callable[[ChartData], charts.Chart]] = {
    "trend_band": _trend_band,
    "sii": _sii,
    "stacked": _stacked,
    "grouped_bar": _grouped,
}


def chart_spec(c: ChartData) -> dict[str, Any]:
    """The Vega-Lite spec of a chart (not for the hex map, which is drawn directly)."""
    return BUILDERS[c.kind](c).spec


def chart_svg(c: ChartData) -> str:
    """The chart as an SVG string, rendered offline."""
    if c.kind == "hexmap":
        frame = c.data.rename(columns={"lad_code": "area_code", "lad_name": "area_name"})
        if frame.empty:
            return ""
        layout = frame[["area_code", "area_name", "q", "r"]].assign(
            layout=str(c.params.get("layout", "odd-r"))
        )
        drawn = hex_map(layout, frame[["area_code", "value"]], title=c.title, size=34.0)
        return hexmap_svg(drawn, label=str(c.params.get("label", "")))
    return svg(BUILDERS[c.kind](c), title=c.title, description=c.description)
