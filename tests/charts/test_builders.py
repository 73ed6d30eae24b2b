"""Every chart builder of :mod:`healthgap.charts`: the spec is valid Vega-Lite, draws the
fields it is given, carries the input rows unchanged (NaN as null), and comes with a table
of the same figures; each renders offline to SVG the way the report renders it.

Validity is checked against the Vega-Lite JSON schema that Altair ships
(``altair/vegalite/v6/schema/vega-lite-schema.json``); the inputs are small synthetic rows
built here, so the expected data values are the inputs themselves.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import altair
import jsonschema
import pandas as pd
import pytest

from healthgap import charts
from healthgap.charts.render import print_spec, svg


@cache
def _validator() -> jsonschema.Draft7Validator:
    path = Path(altair.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    return jsonschema.Draft7Validator(json.loads(path.read_text(encoding="utf-8")))


def _valid(chart: charts.Chart) -> dict[str, Any]:
    errors = sorted(_validator().iter_errors(chart.spec), key=str)
    assert not errors, [e.message[:200] for e in errors[:3]]
    # the print version the report renders is valid too, and JSON has no NaN
    assert not list(_validator().iter_errors(print_spec(chart.spec, "t")))
    json.loads(chart.to_json())
    return chart.spec


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer") or spec["spec"]["layer"]


def _marks(spec: dict[str, Any]) -> list[str]:
    return [m["mark"] if isinstance(m["mark"], str) else m["mark"]["type"] for m in _layers(spec)]


INTERVALS = pd.DataFrame(
    {
        "area_name": ["North East", "Yorkshire and The Humber", "London"],
        "value": [59.1, float("nan"), 63.4],
        "lower_95_0": [58.0, float("nan"), 62.9],
        "upper_95_0": [60.2, float("nan"), 63.9],
    }
)


def test_interval_bars() -> None:
    chart = charts.interval_bars(
        INTERVALS,
        category_field="area_name",
        value_field="value",
        title="HLE by region",
        category_title="Region",
        value_title="Years",
    )
    spec = _valid(chart)
    assert _marks(spec) == ["bar", "errorbar"]
    bar, err = _layers(spec)
    assert bar["encoding"]["y"]["field"] == "area_name" and bar["encoding"]["y"]["sort"] is None
    assert bar["encoding"]["x"]["field"] == "value"
    assert (err["encoding"]["x"]["field"], err["encoding"]["x2"]["field"]) == (
        "lower_95_0",
        "upper_95_0",
    )
    values = spec["data"]["values"]
    assert [r["area_name"] for r in values] == list(INTERVALS["area_name"])
    assert values[0]["value"] == 59.1 and values[1]["value"] is None  # NaN -> null
    assert chart.table.caption == "HLE by region" == chart.title
    assert chart.table.headings == ("Region", "Years", "Lower 95% interval", "Upper 95% interval")
    assert chart.table.cells()[2] == ["London", 63.4, 62.9, 63.9]
    lines = chart.table.to_csv().splitlines()
    assert lines[0] == "Region,Years,Lower 95% interval,Upper 95% interval"
    assert lines[2] == "Yorkshire and The Humber,,,"


def test_bars_nominal_ordinal_and_sorted() -> None:
    rows = [{"answer": "=Yes", "percent": 60.0}, {"answer": "No", "percent": 40.0}]
    kw: dict[str, Any] = {"category_field": "answer", "value_field": "percent", "title": "Q1"}
    across = _valid(charts.bars(rows, **kw, category_title="Answer", value_title="%"))
    assert across["encoding"]["y"]["field"] == "answer" and across["mark"]["type"] == "bar"
    assert across["encoding"]["y"]["sort"] is None
    up = _valid(charts.bars(rows, **kw, category_title="Year", value_title="%", kind="ordinal"))
    assert up["encoding"]["x"]["type"] == "ordinal" and up["encoding"]["y"]["field"] == "percent"
    ranked = charts.bars(rows, **kw, category_title=None, value_title="%", order="descending")
    assert _valid(ranked)["encoding"]["y"]["sort"] == "-x"
    # a spreadsheet formula in a label is neutralised in the CSV, kept in the chart
    assert ranked.table.to_csv().splitlines()[1] == "'=Yes,60.0"
    assert ranked.spec["data"]["values"][0]["answer"] == "=Yes"


def test_stacked_bars() -> None:
    rows = [
        {"decile": 1, "part": "Healthy life expectancy", "years": 6.5},
        {"decile": 1, "part": "Years in poorer health", "years": -1.25},
    ]
    for horizontal in (True, False):
        chart = charts.stacked_bars(
            rows,
            category_field="decile",
            value_field="years",
            part_field="part",
            title="Split",
            category_title="Decile",
            value_title="Years",
            part_title="Part",
            horizontal=horizontal,
        )
        spec = _valid(chart)
        bars, zero = _layers(spec)
        value_axis = "x" if horizontal else "y"
        assert bars["encoding"][value_axis]["stack"] == "zero"
        assert bars["encoding"]["color"]["field"] == "part"
        assert zero["data"]["values"] == [{"zero": 0.0}]
        assert bars["data"]["values"] == rows
    assert chart.table.cells() == [
        [1, "Healthy life expectancy", 6.5],
        [1, "Years in poorer health", -1.25],
    ]


def test_grouped_bars_with_rule() -> None:
    rows = [
        {"lad_name": "Bolton", "measure": "% of people", "percent": 35.0},
        {"lad_name": "Bolton", "measure": "% of LSOAs", "percent": 33.1},
    ]
    chart = charts.grouped_bars(
        rows,
        category_field="lad_name",
        value_field="percent",
        group_field="measure",
        title="Core20",
        value_title="Per cent",
        rule=20.0,
        domain=(0.0, 100.0),
    )
    spec = _valid(chart)
    bars, rule = _layers(spec)
    assert bars["encoding"]["yOffset"]["field"] == "measure"
    assert bars["encoding"]["x"]["scale"]["domain"] == [0.0, 100.0]
    assert rule["data"]["values"] == [{"rule": 20.0}]


def test_small_multiple_bars_one_panel_per_indicator() -> None:
    rows = [
        {"indicator": "Smoking", "unit": "%", "group": "Core20 LADs", "value": 14.0},
        {"indicator": "Smoking", "unit": "%", "group": "Other LADs", "value": 10.0},
        {"indicator": "Life expectancy", "unit": "years", "group": "Core20 LADs", "value": 77.0},
    ]
    chart = charts.small_multiple_bars(
        rows,
        panel_field="indicator",
        unit_field="unit",
        group_field="group",
        value_field="value",
        title="Core20",
        groups=("Core20 LADs", "Other LADs"),
    )
    spec = _valid(chart)
    panels = spec["vconcat"]
    assert [p["title"]["text"] for p in panels] == [["Smoking"], ["Life expectancy"]]
    assert [p["encoding"]["x"]["title"] for p in panels] == ["%", "years"]
    assert [len(p["data"]["values"]) for p in panels] == [2, 1]


TREND = pd.DataFrame(
    {
        "period": ["2011 - 13", "2012 - 14", "2011 - 13", "2012 - 14"],
        "sex": ["Female", "Female", "Male", "Male"],
        "series": ["England", "England", "England", "England"],
        "value": [64.1, 64.0, 63.3, 63.4],
        "lower": [64.0, 63.9, 63.2, 63.3],
        "upper": [64.2, 64.1, 63.4, 63.5],
    }
)


def test_trend_band_with_and_without_panels() -> None:
    flat = _valid(charts.trend_band(TREND, title="HLE", value_title="Years"))
    assert _marks(flat) == ["area", "line"]
    assert flat["layer"][0]["encoding"]["x"]["sort"] == ["2011 - 13", "2012 - 14"]
    assert flat["layer"][0]["encoding"]["y2"]["field"] == "upper"
    faceted = charts.trend_band(TREND, title="HLE", value_title="Years", facet="sex")
    spec = _valid(faceted)
    assert spec["facet"]["column"]["field"] == "sex" and len(spec["data"]["values"]) == 4
    assert faceted.table.headings[:3] == ("Period", "Series", "Sex")


def test_sii_line_draws_the_given_fit() -> None:
    rows = pd.DataFrame(
        {
            "lad_name": ["Bolton", "Trafford"],
            "midpoint": [0.2, 0.9],
            "value": [59.0, 66.0],
            "lower_95_0": [57.0, 64.5],
            "upper_95_0": [61.0, 67.5],
        }
    )
    chart = charts.sii_line(rows, fit=(58.0, 67.0), title="SII", value_title="Years")
    spec = _valid(chart)
    assert _marks(spec) == ["rule", "point", "line", "text"]
    assert spec["layer"][2]["data"]["values"] == [
        {"midpoint": 0.0, "value": 58.0},
        {"midpoint": 1.0, "value": 67.0},
    ]
    assert spec["layer"][3]["encoding"]["text"]["field"] == "lad_name"


def test_trajectory_layers_and_table() -> None:
    points = [{"sex": "Female", "period": "2011 - 13", "time": 2012.0, "gap": 15.0,
               "lower": 14.0, "upper": 16.0}]  # fmt: skip
    lines = [{"sex": "Female", "time": 2012.0, "value": 15.0, "what": "Trajectory to target"}]
    proj = [{"sex": "Female", "time": 2035.0, "value": 12.0, "lower": 9.0, "upper": 15.0}]
    chart = charts.trajectory(
        points, lines, proj, title="Mission", value_title="Gap", time_title="Year"
    )
    spec = _valid(chart)
    assert _marks(spec) == ["errorbar", "line", "line", "errorbar", "point"]
    assert spec["layer"][2]["encoding"]["detail"]["field"] == "what"
    # every point drawn is in the table: the observed gap, the line's end, the projection
    assert [r["what"] for r in chart.table.rows] == [
        "Observed",
        "Trajectory to target",
        "Projection",
    ]
    assert chart.table.cells()[1] == ["Female", 2012.0, "Trajectory to target", 15.0, None, None]
    assert chart.table.cells()[2] == ["Female", 2035.0, "Projection", 12.0, 9.0, 15.0]
    # one field name for the gap in every layer, the table's "gap" column
    assert {spec["layer"][i]["encoding"]["y"]["field"] for i in (1, 2, 4)} == {"gap"}


def test_equity_plane_both_intervals() -> None:
    plane = pd.DataFrame(
        {
            "option": ["Targeted", "Universal"],
            "efficiency": [0.30, 0.50],
            "efficiency_lower_95_0": [0.1, 0.2],
            "efficiency_upper_95_0": [0.5, 0.8],
            "equity": [0.40, -0.05],
            "equity_lower_95_0": [0.2, -0.3],
            "equity_upper_95_0": [0.6, 0.2],
        }
    )
    chart = charts.equity_plane(plane, title="Plane", x_title="Mean", y_title="Equity")
    spec = _valid(chart)
    assert _marks(spec) == ["rule", "rule", "rule", "rule", "point", "text"]
    xr, yr = spec["layer"][2]["encoding"], spec["layer"][3]["encoding"]
    assert (xr["x"]["field"], xr["x2"]["field"]) == (
        "efficiency_lower_95_0",
        "efficiency_upper_95_0",
    )
    assert (yr["y"]["field"], yr["y2"]["field"]) == ("equity_lower_95_0", "equity_upper_95_0")
    assert spec["data"]["values"][1]["equity"] == -0.05
    other = charts.equity_plane(
        plane.rename(columns=lambda c: c.replace("95_0", "99_8")),
        title="Plane",
        x_title="Mean",
        y_title="Equity",
        lower="lower_99_8",
        upper="upper_99_8",
    )
    assert _valid(other)["layer"][2]["encoding"]["x"]["field"] == "efficiency_lower_99_8"


def test_scatter() -> None:
    rows = [{"icb": "NHS A", "imd_score": 30.5, "need_index": 1.12}]
    chart = charts.scatter(
        rows,
        x_field="imd_score",
        y_field="need_index",
        label_field="icb",
        title="Need",
        x_title="IMD",
        y_title="Need",
    )
    spec = _valid(chart)
    assert spec["encoding"]["tooltip"][1]["format"] == ".3f"
    assert chart.table.cells() == [["NHS A", 30.5, 1.12]]


def test_svg_renders_offline_with_a_label() -> None:
    chart = charts.interval_bars(
        INTERVALS,
        category_field="area_name",
        value_field="value",
        title="HLE <by> region",
        category_title="Region",
        value_title="Years",
    )
    out = svg(chart, title="HLE <by> region", description="Bars")
    assert out.startswith('<svg role="img" aria-label="HLE &lt;by&gt; region. Bars" ')
    # a row without a value is left out of the drawing (it stays in the table)
    assert "North East" in out and "London" in out and "Yorkshire" not in out
    # fixed width for print; the web spec is untouched
    assert chart.spec["width"] == "container"
    assert print_spec(chart.spec, "t")["width"] == 560


def test_records_turn_missing_values_into_null() -> None:
    from healthgap.charts.base import records

    out = records(pd.DataFrame({"a": [1.0, math.inf, float("nan")], "b": ["x", None, "z"]}))
    assert out == [{"a": 1.0, "b": "x"}, {"a": None, "b": None}, {"a": None, "b": "z"}]
    assert isinstance(records(pd.DataFrame({"n": [3]}))[0]["n"], int)


def test_table_options_extend_rename_order_and_format() -> None:
    rows = [{"area": "A", "v": 1.234, "lo": 1.0, "hi": 1.5, "n": 12, "href": "/a"}]
    chart = charts.interval_bars(
        rows,
        category_field="area",
        value_field="v",
        title="T",
        category_title="Area",
        value_title="Value",
        lower="lo",
        upper="hi",
        table_options=charts.TableOptions(
            caption="Caption",
            extra=(("n", "Count"),),
            headings={"v": "Rate"},
            order=("area", "n", "v", "lo", "hi"),
            digits={"v": 2},
            links={"area": "href"},
        ),
    )
    t = chart.table
    assert t.caption == "Caption"
    assert t.headings == ("Area", "Count", "Rate", "Lower 95% interval", "Upper 95% interval")
    assert t.cells() == [["A", 12, 1.234, 1.0, 1.5]]
    assert t.rows[0]["href"] == "/a" and t.links == {"area": "href"}
    assert t.places("v", 1.234) == 2 and t.places("n", 12) == 0 and t.places("lo", 1.0) == 1
    assert t.numeric("n") and not t.numeric("area")
    assert t.to_csv().splitlines()[0] == "Area,Count,Rate,Lower 95% interval,Upper 95% interval"
    # the extra field travels in the spec's data too (one object for chart and table)
    assert chart.spec["data"]["values"][0]["n"] == 12
    with pytest.raises(ValueError, match="left out \\['lo'\\]"):
        charts.interval_bars(
            rows,
            category_field="area",
            value_field="v",
            title="T",
            category_title="Area",
            value_title="Value",
            lower="lo",
            upper="hi",
            table_options=charts.TableOptions(order=("area", "v", "hi")),
        )


def test_wide_stacked_bars_fold_their_parts() -> None:
    rows = [{"decile": "1", "a": 2.0, "b": -1.0, "total": 1.0}]
    chart = charts.stacked_bars(
        rows,
        category_field="decile",
        value_field="years",
        part_field="part",
        title="T",
        category_title="Decile",
        value_title="Years",
        part_title="Part",
        parts=(("a", "Part A"), ("b", "Part B")),
        table_options=charts.TableOptions(extra=(("total", "Total"),)),
    )
    spec = _valid(chart)
    fold, calc = spec["layer"][0]["transform"]
    assert fold == {"fold": ["a", "b"], "as": ["_field", "years"]}
    assert calc["as"] == "part" and '"Part A"' in calc["calculate"]
    assert chart.table.headings == ("Decile", "Part A", "Part B", "Total")
    assert chart.table.cells() == [["1", 2.0, -1.0, 1.0]]
