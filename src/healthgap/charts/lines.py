"""Line charts: trends with shaded limits, the slope index line, a gap's trajectory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from healthgap.charts.base import (
    INK,
    PALETTE,
    Chart,
    Rows,
    TableOptions,
    quantitative,
    records,
    table,
    top,
)


def trend_band(
    rows: Rows,
    *,
    title: str,
    value_title: str,
    period_field: str = "period",
    series_field: str = "series",
    lower: str = "lower",
    upper: str = "upper",
    facet: str | None = None,
    zero: bool = False,
    table_options: TableOptions | None = None,
) -> Chart:
    """One line per series by period, with its limits shaded; optionally one panel per
    value of ``facet`` (e.g. sex). Periods keep the rows' order."""
    data = records(rows)
    periods = list(dict.fromkeys(r[period_field] for r in data))
    x = {
        "field": period_field,
        "type": "ordinal",
        "sort": periods,
        "title": "Period",
        "axis": {"labelAngle": -45},
    }
    colour = {
        "field": series_field,
        "type": "nominal",
        "title": None,
        "sort": None,
        "legend": {"orient": "bottom", "labelLimit": 400},
        "scale": {"range": list(PALETTE)},
    }
    y = quantitative("value", value_title, scale={"zero": zero})
    layer = [
        {
            "mark": {"type": "area", "opacity": 0.18},
            "encoding": {
                "x": x,
                "y": quantitative(lower, value_title),
                "y2": {"field": upper},
                "color": colour,
            },
        },
        {
            "mark": {"type": "line", "point": True, "strokeWidth": 2},
            "encoding": {"x": x, "y": y, "color": colour},
        },
    ]
    if facet:
        spec = top(
            title,
            data,
            facet={"column": {"field": facet, "type": "nominal", "title": None}},
            spec={"width": 250, "height": 220, "layer": layer},
        )
    else:
        spec = top(title, data, width="container", height=220, layer=layer)
    columns = [(period_field, "Period"), (series_field, "Series")]
    if facet:
        columns.append((facet, facet.capitalize()))
    columns += [("value", value_title), (lower, "Lower 95%"), (upper, "Upper 95%")]
    return Chart(spec, table(title, data, columns, table_options))


def sii_line(
    rows: Rows,
    *,
    fit: Sequence[float],
    title: str,
    value_title: str,
    label_field: str = "lad_name",
    table_options: TableOptions | None = None,
) -> Chart:
    """Values (with 95% limits) against deprivation position 0 to 1, with the SII line.

    ``rows`` hold ``midpoint`` (0 = most deprived, 1 = least), ``value``, ``lower_95_0``
    and ``upper_95_0``; ``fit`` is the fitted line's value at 0 and at 1 (computed by the
    domain, not here).
    """
    data = records(rows)
    x = quantitative(
        "midpoint",
        "Position from most deprived (0) to least deprived (1)",
        scale={"domain": [0, 1]},
    )
    y = quantitative("value", value_title, scale={"zero": False})
    line = [{"midpoint": 0.0, "value": float(fit[0])}, {"midpoint": 1.0, "value": float(fit[1])}]
    spec = top(
        title,
        data,
        width="container",
        height=230,
        layer=[
            {
                "mark": {"type": "rule", "color": PALETTE[5]},
                "encoding": {
                    "x": x,
                    "y": quantitative("lower_95_0", value_title),
                    "y2": {"field": "upper_95_0"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 50, "color": PALETTE[0]},
                "encoding": {"x": x, "y": y},
            },
            {
                "data": {"values": line},
                "mark": {
                    "type": "line",
                    "color": PALETTE[1],
                    "strokeDash": [6, 3],
                    "strokeWidth": 2,
                },
                "encoding": {"x": x, "y": y},
            },
            {
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 5,
                    "dy": -6,
                    "fontSize": 8,
                    "color": INK,
                },
                "encoding": {"x": x, "y": y, "text": {"field": label_field, "type": "nominal"}},
            },
        ],
    )
    columns = [
        (label_field, "Area"),
        ("midpoint", "Deprivation position"),
        ("value", value_title),
        ("lower_95_0", "Lower 95%"),
        ("upper_95_0", "Upper 95%"),
    ]
    return Chart(spec, table(title, data, columns, table_options))


def trajectory(
    points: Rows,
    lines: Rows,
    projections: Rows,
    *,
    title: str,
    value_title: str,
    time_title: str,
    table_options: TableOptions | None = None,
) -> Chart:
    """A gap by time with its intervals, straight lines to a target, and projections.

    ``points`` hold ``sex``, ``time``, ``gap``, ``lower``, ``upper``; ``lines`` hold
    ``sex``, ``time``, ``value`` and ``what`` (one dashed line per ``what``);
    ``projections`` hold ``sex``, ``time``, ``value``, ``lower``, ``upper`` (drawn as
    diamonds with their prediction intervals). The table holds every point drawn: the
    observed gaps, the lines' ends (``what``) and the projections.
    """
    pts = records(points)
    # one name for the gap in every layer, so the table's "gap" column holds them all
    lns = [{**r, "gap": r.get("value")} for r in records(lines)]
    proj = [{**r, "gap": r.get("value")} for r in records(projections)]
    x = quantitative("time", time_title, scale={"zero": False}, axis={"format": "d"})
    colour = {"field": "sex", "type": "nominal", "title": "Sex"}

    def y(field: str) -> dict[str, Any]:
        return quantitative(field, value_title)

    spec = top(
        title,
        None,
        width="container",
        height=320,
        layer=[
            {
                "data": {"values": pts},
                "mark": {"type": "errorbar"},
                "encoding": {"x": x, "y": y("lower"), "y2": {"field": "upper"}, "color": colour},
            },
            {
                "data": {"values": pts},
                "mark": {"type": "line", "point": True},
                "encoding": {"x": x, "y": y("gap"), "color": colour},
            },
            {
                "data": {"values": lns},
                "mark": {"type": "line", "strokeDash": [6, 4]},
                "encoding": {"x": x, "y": y("gap"), "color": colour, "detail": {"field": "what"}},
            },
            {
                "data": {"values": proj},
                "mark": {"type": "errorbar", "ticks": True},
                "encoding": {"x": x, "y": y("lower"), "y2": {"field": "upper"}, "color": colour},
            },
            {
                "data": {"values": proj},
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 80},
                "encoding": {"x": x, "y": y("gap"), "color": colour},
            },
        ],
    )
    rows = [{**r, "what": "Observed"} for r in pts]
    rows += [{**r, "lower": None, "upper": None} for r in lns]
    rows += [{**r, "what": "Projection"} for r in proj]
    columns = [
        ("sex", "Sex"),
        ("time", time_title),
        ("what", "What"),
        ("gap", value_title),
        ("lower", "Lower limit"),
        ("upper", "Upper limit"),
    ]
    return Chart(spec, table(title, rows, columns, table_options))
