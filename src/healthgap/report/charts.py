"""The report's charts: Altair (Vega-Lite) specs rendered offline to SVG by vl-convert.

Each chart is built from a :class:`~healthgap.report.model.ChartData`, whose data are
already disclosure-controlled; the report prints the table behind every chart under it.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from healthgap.report.hexmap import hexmap_svg
from healthgap.report.model import ChartData

#: GOV.UK Design System colours, distinguishable in greyscale order.
PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738", "#505a5f"]
FONT = "DejaVu Sans"
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dict("records")
    return [
        {
            str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in r.items()
        }
        for r in rows
    ]


def _base(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(alt.Data(values=_records(frame)))


def _configure(chart: Any, title: str) -> Any:
    # Long titles wrap rather than widen the chart (which would shrink it on the page).
    lines = textwrap.wrap(title, TITLE_CHARS) or [title]
    return (
        chart.properties(title=alt.TitleParams(lines, anchor="start", fontSize=12))
        .configure(font=FONT)
        .configure_axis(labelFontSize=10, titleFontSize=11, grid=True, gridColor="#e5e5e5")
        .configure_legend(orient="bottom", labelFontSize=10, titleFontSize=10, labelLimit=400)
        .configure_view(stroke=None)
    )


def trend_band(c: ChartData) -> Any:
    """Lines with shaded 95% limits by period, one colour per series (optionally by sex)."""
    data = c.data.copy()
    facet = c.params.get("facet")
    periods = list(dict.fromkeys(data["period"]))
    x = alt.X("period:O", sort=periods, title="Period", axis=alt.Axis(labelAngle=-45))
    zero = bool(c.params.get("zero", False))
    y = alt.Y("value:Q", title=c.params.get("y_title", ""), scale=alt.Scale(zero=zero))
    colour = alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE))
    width = WIDTH if not facet else WIDTH // 2 - 20
    base = _base(data).properties(width=width, height=220)
    band = base.mark_area(opacity=0.18).encode(x=x, y=alt.Y("lower:Q"), y2="upper:Q", color=colour)
    line = base.mark_line(point=True, strokeWidth=2).encode(x=x, y=y, color=colour)
    layered = alt.layer(band, line)
    if facet:
        layered = layered.facet(column=alt.Column(f"{facet}:N", title=None))
    return _configure(layered, c.title)


def sii_chart(c: ChartData) -> Any:
    """Council values with 95% limits against deprivation position, with the SII line."""
    data = c.data.copy()
    fit = pd.DataFrame({"midpoint": [0.0, 1.0], "value": list(c.params["fit"])})
    x = alt.X(
        "midpoint:Q",
        title="Position from most deprived (0) to least deprived (1)",
        scale=alt.Scale(domain=[0, 1]),
    )
    base = _base(data).properties(width=WIDTH, height=230)
    bars = base.mark_rule(color="#505a5f").encode(x=x, y=alt.Y("lower_95_0:Q"), y2="upper_95_0:Q")
    pts = base.mark_point(filled=True, size=50, color=PALETTE[0]).encode(
        x=x,
        y=alt.Y("value:Q", title=str(c.params.get("y_title", "")), scale=alt.Scale(zero=False)),
    )
    labels = base.mark_text(align="left", dx=5, dy=-6, fontSize=8, color="#0b0c0c").encode(
        x=x, y="value:Q", text="lad_name:N"
    )
    line = (
        _base(fit)
        .mark_line(color=PALETTE[1], strokeDash=[6, 3], strokeWidth=2)
        .encode(x=x, y="value:Q")
    )
    return _configure(alt.layer(bars, pts, line, labels), c.title)


def stacked(c: ChartData) -> Any:
    """Stacked bars by sex: the components of a gap."""
    bars = (
        _base(c.data)
        .mark_bar()
        .encode(
            x=alt.X("sex:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("years:Q", title=str(c.params.get("y_title", "Years")), stack="zero"),
            color=alt.Color("component:N", title=None, scale=alt.Scale(range=PALETTE[:2])),
        )
        .properties(width=WIDTH // 2, height=220)
    )
    rule = _base(pd.DataFrame({"y": [0.0]})).mark_rule(color="#0b0c0c").encode(y="y:Q")
    return _configure(alt.layer(bars, rule), c.title)


def grouped_bar(c: ChartData) -> Any:
    """Horizontal grouped bars per area, with a reference rule."""
    data = c.data.copy()
    order = list(dict.fromkeys(data["lad_name"]))
    height = max(120, 26 * len(order))
    y = alt.Y("lad_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    bars = (
        _base(data)
        .mark_bar()
        .encode(
            y=y,
            yOffset="measure:N",
            x=alt.X(
                "percent:Q",
                title=str(c.params.get("x_title", "")),
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(range=PALETTE[:2])),
        )
        .properties(width=WIDTH - 200, height=height)
    )
    rule = (
        _base(pd.DataFrame({"x": [float(c.params.get("rule", 20.0))]}))
        .mark_rule(color="#0b0c0c", strokeDash=[4, 3])
        .encode(x="x:Q")
    )
    return _configure(alt.layer(bars, rule), c.title)


BUILDERS = {
    "trend_band": trend_band,
    "sii": sii_chart,
    "stacked": stacked,
    "grouped_bar": grouped_bar,
}


def chart_spec(c: ChartData) -> dict[str, Any]:
    """The Vega-Lite spec of a chart (not for the hex map, which is drawn directly)."""
    spec: dict[str, Any] = BUILDERS[c.kind](c).to_dict()
    return spec


def chart_svg(c: ChartData) -> str:
    """The chart as an SVG string, rendered offline."""
    if c.kind == "hexmap":
        return hexmap_svg(c.data, label=str(c.params.get("label", "")), title=c.title)
    _register_fonts()
    svg = str(vl_convert.vegalite_to_svg(chart_spec(c)))
    return _accessible(svg, c.title, c.description)


def _accessible(svg: str, title: str, description: str) -> str:
    """Give the SVG root an image role and a label (the table below holds the numbers)."""
    from html import escape

    label = escape(f"{title}. {description}", quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
