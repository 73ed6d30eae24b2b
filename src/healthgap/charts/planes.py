"""Charts on two quantitative axes: the equity-impact plane and a plain scatter."""

from __future__ import annotations

from typing import Any

from healthgap.charts.base import RULE, Chart, Rows, TableOptions, quantitative, records, table, top


def equity_plane(
    rows: Rows,
    *,
    title: str,
    x_title: str,
    y_title: str,
    lower: str = "lower_95_0",
    upper: str = "upper_95_0",
    table_options: TableOptions | None = None,
) -> Chart:
    """The equity-impact plane: each option's change in mean (right = better on average)
    against its change in inequality (up = narrower gap), with interval lines on both axes.

    ``rows`` hold ``option``, ``efficiency``, ``equity`` and their limits
    ``efficiency_<lower>``, ``efficiency_<upper>``, ``equity_<lower>``, ``equity_<upper>``
    (e.g. ``efficiency_lower_95_0``), as the policy simulation returns them.
    """
    data = records(rows)
    x = quantitative("efficiency", x_title)
    y = quantitative("equity", y_title)
    # the legend below the plane leaves its full width to the points on a phone
    colour = {
        "field": "option",
        "type": "nominal",
        "title": "Option",
        "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 400},
    }
    zero: dict[str, Any] = {"type": "rule", "color": RULE, "strokeDash": [4, 4]}
    spec = top(
        title,
        data,
        width="container",
        height=320,
        layer=[
            {"mark": zero, "encoding": {"x": {"datum": 0}}},
            {"mark": zero, "encoding": {"y": {"datum": 0}}},
            {
                "mark": "rule",
                "encoding": {
                    "x": {**x, "field": f"efficiency_{lower}"},
                    "x2": {"field": f"efficiency_{upper}"},
                    "y": y,
                    "color": colour,
                },
            },
            {
                "mark": "rule",
                "encoding": {
                    "y": {**y, "field": f"equity_{lower}"},
                    "y2": {"field": f"equity_{upper}"},
                    "x": x,
                    "color": colour,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {"x": x, "y": y, "color": colour, "shape": colour},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7},
                "encoding": {"x": x, "y": y, "text": {"field": "option", "type": "nominal"}},
            },
        ],
    )
    columns = [
        ("option", "Option"),
        ("efficiency", x_title),
        (f"efficiency_{lower}", "Lower limit"),
        (f"efficiency_{upper}", "Upper limit"),
        ("equity", y_title),
        (f"equity_{lower}", "Lower limit"),
        (f"equity_{upper}", "Upper limit"),
    ]
    return Chart(spec, table(title, data, columns, table_options))


def scatter(
    rows: Rows,
    *,
    x_field: str,
    y_field: str,
    label_field: str,
    title: str,
    x_title: str,
    y_title: str,
    digits: int = 3,
    table_options: TableOptions | None = None,
) -> Chart:
    """Points of ``y_field`` against ``x_field``, each named by ``label_field`` on hover."""
    data = records(rows)
    spec = top(
        title,
        data,
        width="container",
        mark={"type": "point", "filled": True},
        encoding={
            "x": quantitative(x_field, x_title, scale={"zero": False}),
            "y": quantitative(y_field, y_title, scale={"zero": False}),
            "tooltip": [
                {"field": label_field, "type": "nominal"},
                {"field": y_field, "type": "quantitative", "format": f".{digits}f"},
            ],
        },
    )
    columns = [(label_field, "Area"), (x_field, x_title), (y_field, y_title)]
    return Chart(spec, table(title, data, columns, table_options))
