"""Render a chart's Vega-Lite spec offline to SVG (vl-convert), for print.

The report (WeasyPrint draws inline SVG) and the policy simulation report call
:func:`svg`; the web never does (vega-embed draws the same spec in the browser). The
print look (font, title wrapped over lines, fixed width, light grid) is applied here, on
a copy, so the builders' specs stay the same for every face.
"""

from __future__ import annotations

import copy
import textwrap
from html import escape
from pathlib import Path
from typing import Any

import vl_convert

from healthgap.charts.base import Chart

#: The chart font: a different family from the PDF's text font (see docs/report.md,
#: "Fonts": one shared font subset made WeasyPrint draw some chart digits wrongly).
FONT = "DejaVu Sans"
#: The printed width of a chart, in pixels (CSS px at 96 per inch).
WIDTH = 560
#: Characters per line of a chart title at 12 px.
TITLE_CHARS = 80
#: Where the system keeps the chart font; registered so vl-convert measures labels with
#: the same font the PDF draws them in (otherwise long axis labels are clipped).
FONT_DIRS = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/dejavu")
_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if _fonts_registered:
        return
    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)
    _fonts_registered = True


def _fixed(node: Any, width: int) -> Any:
    """Replace ``"width": "container"`` (fills the page on the web) with ``width``."""
    if isinstance(node, dict):
        return {
            k: (width if k == "width" and v == "container" else _fixed(v, width))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_fixed(v, width) for v in node]
    return node


def print_spec(spec: dict[str, Any], title: str, width: int = WIDTH) -> dict[str, Any]:
    """``spec`` with the print look: a wrapped title, fixed width, font and light grid."""
    out: dict[str, Any] = _fixed(copy.deepcopy(spec), width)
    lines = textwrap.wrap(title, TITLE_CHARS) or [title]
    out["title"] = {"text": lines, "anchor": "start", "fontSize": 12}
    out["config"] = {
        "font": FONT,
        "axis": {"labelFontSize": 10, "titleFontSize": 11, "grid": True, "gridColor": "#e5e5e5"},
        "legend": {"orient": "bottom", "labelFontSize": 10, "titleFontSize": 10, "labelLimit": 400},
        "view": {"stroke": None},
    }
    return out


def svg(
    chart: Chart | dict[str, Any], *, title: str, description: str = "", width: int = WIDTH
) -> str:
    """The chart as an SVG string, rendered offline, with an image role and a label.

    The label is the title and ``description``; the numbers are in the chart's table,
    which the caller prints beside it.
    """
    spec = chart.spec if isinstance(chart, Chart) else chart
    _register_fonts()
    text = str(vl_convert.vegalite_to_svg(print_spec(spec, title, width)))
    label = escape(f"{title}. {description}" if description else title, quote=True)
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
