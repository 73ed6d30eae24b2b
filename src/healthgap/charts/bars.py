"""Bar charts: with intervals, plain, stacked, grouped, and one small chart per group."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any, Literal

from healthgap.charts.base import (
    INK,
    LABEL_LIMIT,
    PALETTE,
    Chart,
    Rows,
    TableOptions,
    category,
    fold,
    quantitative,
    records,
    table,
    top,
)


def interval_bars(
    rows: Rows,
    *,
    category_field: str,
    value_field: str,
    title: str,
    category_title: str | None,
    value_title: str,
    lower: str = "lower_95_0",
    upper: str = "upper_95_0",
    interval: str = "95% interval",
    table_options: TableOptions | None = None,
) -> Chart:
    """Horizontal bars with error bars from ``lower`` to ``upper``, in the rows' order.

    Categories run down the side (so long names such as "Yorkshire and The Humber" read
    level, never rotated) and values along the bottom. Rows without a value are left
    out of the drawing and kept in the table.
    """
    data = records(rows)
    cat = category(category_field, category_title)
    spec = top(
        title,
        data,
        width="container",
        height={"step": 24},
        layer=[
            {
                "mark": {"type": "bar", "color": PALETTE[0]},
                "encoding": {"y": cat, "x": quantitative(value_field, value_title)},
            },
            {
                "mark": {"type": "errorbar", "color": INK},
                "encoding": {
                    "y": cat,
                    "x": quantitative(lower, value_title),
                    "x2": {"field": upper},
                },
            },
        ],
    )
    columns = [
        (category_field, category_title or "Category"),
        (value_field, value_title),
        (lower, f"Lower {interval}"),
        (upper, f"Upper {interval}"),
    ]
    return Chart(spec, table(title, data, columns, table_options))


def bars(
    rows: Rows,
    *,
    category_field: str,
    value_field: str,
    title: str,
    category_title: str | None,
    value_title: str,
    kind: Literal["nominal", "ordinal"] = "nominal",
    order: Literal["rows", "descending"] = "rows",
    table_options: TableOptions | None = None,
) -> Chart:
    """Plain bars (no intervals).

    Named categories (``nominal``: survey answers, areas) get horizontal bars so long
    labels read level; ordered ones (``ordinal``: years, steps) stay as columns with level
    labels that are thinned rather than overlapped. ``order="descending"`` sorts bars by
    value, largest first; ``"rows"`` keeps the rows' order.
    """
    data = records(rows)
    sort: Any = None if order == "rows" else ("-x" if kind == "nominal" else "-y")
    if kind == "nominal":
        encoding = {
            "y": category(category_field, category_title, sort=sort),
            "x": quantitative(value_field, value_title),
        }
        size: dict[str, Any] = {"height": {"step": 24}}
    else:
        encoding = {
            "x": {
                "field": category_field,
                "type": "ordinal",
                "sort": sort,
                "title": category_title,
                "axis": {"labelAngle": 0, "labelOverlap": True, "labelLimit": LABEL_LIMIT},
            },
            "y": quantitative(value_field, value_title),
        }
        size = {}
    spec = top(
        title,
        data,
        width="container",
        **size,
        mark={"type": "bar", "color": PALETTE[0]},
        encoding=encoding,
    )
    columns = [(category_field, category_title or "Category"), (value_field, value_title)]
    return Chart(spec, table(title, data, columns, table_options))


def stacked_bars(
    rows: Rows,
    *,
    category_field: str,
    value_field: str,
    part_field: str,
    title: str,
    category_title: str | None,
    value_title: str,
    part_title: str | None,
    horizontal: bool = True,
    parts: Sequence[tuple[str, str]] | None = None,
    table_options: TableOptions | None = None,
) -> Chart:
    """Bars split into parts stacked from zero (the parts of a gap), one colour per part.

    Negative parts stack below zero, so a part that narrows a gap shows as such; a rule
    marks zero. Rows are long (one per category and part, with ``part_field`` and
    ``value_field``) or, with ``parts`` ((field, label) pairs), wide: one row per category
    with one field per part, folded in the spec, so the table has one row per category.
    """
    data = records(rows)
    cat = category(category_field, category_title, kind="ordinal")
    val = quantitative(value_field, value_title, stack="zero")
    if not horizontal:
        cat["axis"] = {"labelAngle": 0, "labelLimit": LABEL_LIMIT}
    encoding = {
        ("y" if horizontal else "x"): cat,
        ("x" if horizontal else "y"): val,
        "color": {
            "field": part_field,
            "type": "nominal",
            "title": part_title,
            "sort": None,
            "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 400},
            "scale": {"range": list(PALETTE[:2])},
        },
    }
    zero = {
        "data": {"values": [{"zero": 0.0}]},
        "mark": {"type": "rule", "color": INK},
        "encoding": {("x" if horizontal else "y"): {"field": "zero", "type": "quantitative"}},
    }
    size = {"height": {"step": 26}} if horizontal else {"height": 220}
    bar: dict[str, Any] = {"data": {"values": data}, "mark": "bar", "encoding": encoding}
    if parts:
        bar["transform"] = fold(parts, part_field, value_field)
    spec = top(title, None, width="container", **size, layer=[bar, zero])
    columns = [(category_field, category_title or "Category")]
    if parts:
        columns += list(parts)
    else:
        columns += [(part_field, part_title or "Part"), (value_field, value_title)]
    return Chart(spec, table(title, data, columns, table_options))


def grouped_bars(
    rows: Rows,
    *,
    category_field: str,
    value_field: str,
    group_field: str,
    title: str,
    value_title: str,
    rule: float | None = None,
    domain: tuple[float, float] | None = None,
    table_options: TableOptions | None = None,
) -> Chart:
    """Horizontal bars per category, one bar per group side by side, with an optional rule."""
    data = records(rows)
    x = quantitative(value_field, value_title)
    if domain is not None:
        x["scale"] = {"domain": list(domain)}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": data},
            "mark": "bar",
            "encoding": {
                "y": category(category_field, None),
                "yOffset": {"field": group_field, "type": "nominal", "sort": None},
                "x": x,
                "color": {
                    "field": group_field,
                    "type": "nominal",
                    "title": None,
                    "sort": None,
                    "legend": {"orient": "bottom", "labelLimit": 400},
                    "scale": {"range": list(PALETTE[:2])},
                },
            },
        }
    ]
    if rule is not None:
        layers.append(
            {
                "data": {"values": [{"rule": rule}]},
                "mark": {"type": "rule", "color": INK, "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "rule", "type": "quantitative"}},
            }
        )
    spec = top(title, None, width="container", height={"step": 13}, layer=layers)
    columns = [
        (category_field, "Area"),
        (group_field, "Measure"),
        (value_field, value_title),
    ]
    return Chart(spec, table(title, data, columns, table_options))


def small_multiple_bars(
    rows: Rows,
    *,
    panel_field: str,
    unit_field: str,
    group_field: str,
    value_field: str,
    title: str,
    groups: tuple[str, ...],
    wide: Sequence[tuple[str, str]] | None = None,
    table_options: TableOptions | None = None,
) -> Chart:
    """One small horizontal bar chart per panel (e.g. indicator), each on its own axis.

    Each panel's axis is titled with its unit (``unit_field``), so years, rates and
    percentages never share one scale; long panel names wrap above the bars. ``groups``
    fixes the colours: the first group red, the second blue. Rows are long (one per panel
    and group) or, with ``wide`` ((field, group) pairs, in the order of ``groups``), one
    per panel with one field per group, folded in the spec, so the table has one row per
    panel.
    """
    data = records(rows)
    panels = []
    for name in dict.fromkeys(r[panel_field] for r in data):
        part = [r for r in data if r[panel_field] == name]
        unit = part[0].get(unit_field) or "value"
        panels.append(
            {
                "title": {
                    "text": textwrap.wrap(str(name), 40) or [str(name)],
                    "anchor": "start",
                    "fontSize": 13,
                },
                "data": {"values": part},
                **({"transform": fold(wide, group_field, value_field)} if wide else {}),
                "width": 220,
                "height": {"step": 22},
                "mark": "bar",
                "encoding": {
                    "y": {"field": group_field, "type": "nominal", "title": None, "sort": None},
                    "x": quantitative(value_field, str(unit)),
                    "color": {
                        "field": group_field,
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": list(groups), "range": [PALETTE[1], PALETTE[0]]},
                    },
                },
            }
        )
    spec = top(title, None, vconcat=panels)
    columns = [(panel_field, "Indicator")]
    if wide:
        columns += list(wide)
    else:
        columns += [(group_field, "Group"), (value_field, "Value")]
    columns.append((unit_field, "Unit"))
    return Chart(spec, table(title, data, columns, table_options))
