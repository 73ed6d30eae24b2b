"""Vega-Lite bar charts the pages share, as JSON for vega-embed.

Routers import these from here, never from another router.
"""

from __future__ import annotations

import json
from typing import Any

#: The widest a category label on a bar chart's axis may be before it is cut with "...".
LABEL_LIMIT = 180


def bar_spec(
    rows: list[dict[str, Any]], x: str, y: str, title: str, x_title: str, y_title: str
) -> str:
    """A Vega-Lite chart of horizontal bars with 95% error bars, as JSON for vega-embed.

    Category ``x`` runs down the side (so long names such as "Yorkshire and The Humber"
    read level, never rotated), value ``y`` along the bottom, in the rows' order.
    """
    category = {
        "field": x,
        "type": "nominal",
        "sort": None,
        "title": x_title,
        "axis": {"labelLimit": LABEL_LIMIT},
    }
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "data": {"values": rows},
        "width": "container",
        "height": {"step": 24},
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "y": category,
                    "x": {"field": y, "type": "quantitative", "title": y_title},
                },
            },
            {
                "mark": "errorbar",
                "encoding": {
                    "y": category,
                    "x": {"field": "lower_95_0", "type": "quantitative", "title": y_title},
                    "x2": {"field": "upper_95_0"},
                },
            },
        ],
    }
    return json.dumps(spec)


def column_spec(
    rows: list[dict[str, Any]],
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    x_type: str = "nominal",
) -> str:
    """A plain Vega-Lite bar chart (no intervals), categories in the rows' order, as
    JSON for vega-embed; ``x_type`` is the Vega-Lite type of the categories.

    Named categories (``nominal``, e.g. survey answers) get horizontal bars so long
    labels read level; ordered ones (``ordinal``, e.g. years) stay as columns, with
    level labels that are thinned rather than overlapped.
    """
    if x_type == "nominal":
        encoding = {
            "y": {
                "field": x,
                "type": x_type,
                "sort": None,
                "title": x_title,
                "axis": {"labelLimit": LABEL_LIMIT},
            },
            "x": {"field": y, "type": "quantitative", "title": y_title},
        }
        size: dict[str, Any] = {"height": {"step": 24}}
    else:
        encoding = {
            "x": {
                "field": x,
                "type": x_type,
                "sort": None,
                "title": x_title,
                "axis": {"labelAngle": 0, "labelOverlap": True},
            },
            "y": {"field": y, "type": "quantitative", "title": y_title},
        }
        size = {}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "data": {"values": rows},
        "width": "container",
        **size,
        "mark": "bar",
        "encoding": encoding,
    }
    return json.dumps(spec)
