"""The one hex-map module (:mod:`healthgap.charts.hexmap`) used by the web and the report.

Reference values are worked by hand from the HexJSON offset-coordinate definitions
(Open Innovations, https://open-innovations.org/projects/hexmaps/hexjson) and the
numpy "linear" quantile definition; see tests/reference/README.md ("Hex maps").
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from healthgap.charts import hexmap
from healthgap.data.store import Store
from healthgap.errors import InputError

# ------------------------------------------------------------------ hex geometry


def test_hex_centres_odd_r_hand_worked() -> None:
    """size 10: w = 10 sqrt(3); odd rows shift right by w/2; rows count upwards."""
    w = 10 * math.sqrt(3)
    x, y = hexmap.hex_centres([0, 1, 0], [0, 0, 1], "odd-r", 10)
    np.testing.assert_allclose(x, [w / 2, 1.5 * w, w], rtol=1e-12)
    np.testing.assert_allclose(y, [25.0, 25.0, 10.0], rtol=1e-12)
    x, y = hexmap.hex_centres([0, 1], [0, 0], "even-q", 10)
    h = w
    np.testing.assert_allclose(x, [10.0, 25.0], rtol=1e-12)
    np.testing.assert_allclose(y, [h, h / 2], rtol=1e-12)


def test_class_breaks_hand_worked() -> None:
    # 1..10, linear interpolation: position 9p -> 2.8, 4.6, 6.4, 8.2.
    np.testing.assert_allclose(hexmap.class_breaks(np.arange(1, 11)), [2.8, 4.6, 6.4, 8.2])


def test_hex_map_colours_and_unmatched() -> None:
    layout = pd.DataFrame(
        {
            "area_code": [f"A{i}" for i in range(6)],
            "area_name": [f"Area {i}" for i in range(6)],
            "q": [0, 1, 2, 0, 1, 2],
            "r": [0, 0, 0, 1, 1, 1],
            "layout": "odd-r",
        }
    )  # synthetic layout
    values = pd.DataFrame(
        {"area_code": ["A0", "A1", "A2", "A3", "A4", "Z9"], "value": [1, 2, 3, 4, 5, 9]}
    )
    m = hexmap.hex_map(layout, values, title="Synthetic")
    fills = [c.fill for c in m.cells]
    assert fills[0] == hexmap.PALETTE[0] and fills[4] == hexmap.PALETTE[-1]
    assert fills[5] == hexmap.MISSING and m.cells[5].label == "no data"
    assert m.unmatched == ("Z9",)
    assert m.legend[-1] == ("No data", hexmap.MISSING)


def test_hex_errors() -> None:
    with pytest.raises(InputError, match="layout must be one of odd-r, even-r, odd-q, even-q"):
        hexmap.hex_centres([0], [0], "square")
    with pytest.raises(InputError, match="size must be greater than 0; got 0"):
        hexmap.hex_centres([0], [0], "odd-r", 0)
    with pytest.raises(InputError, match="layout must have columns"):
        hexmap.hex_map(pd.DataFrame({"q": [0]}), pd.DataFrame(), title="x")
    empty = pd.DataFrame(columns=["area_code", "area_name", "q", "r", "layout"])
    with pytest.raises(InputError, match="layout must have at least one hexagon"):
        hexmap.hex_map(empty, pd.DataFrame(columns=["area_code", "value"]), title="x")


def _layout(kind: str, cols: int = 4, rows: int = 3) -> pd.DataFrame:
    # synthetic layout: every (q, r) of a cols x rows grid
    cells = [(q, r) for r in range(rows) for q in range(cols)]
    return pd.DataFrame(
        {
            "area_code": [f"A{i:02d}" for i in range(len(cells))],
            "area_name": [f"Area {i}" for i in range(len(cells))],
            "q": [q for q, _ in cells],
            "r": [r for _, r in cells],
            "layout": kind,
        }
    )


@pytest.mark.parametrize("kind", hexmap.LAYOUTS)
def test_every_area_placed_once_and_neighbours_touch(kind: str) -> None:
    layout = _layout(kind)
    m = hexmap.hex_map(layout, pd.DataFrame({"area_code": [], "value": []}), title="t")
    assert [c.area_code for c in m.cells] == list(layout["area_code"])
    centres = {(round(c.x, 6), round(c.y, 6)) for c in m.cells}
    assert len(centres) == len(layout)  # no two areas on one hexagon
    # neighbours on a hexagonal grid of circumradius s are sqrt(3) s apart, none closer
    xy = np.array([(c.x, c.y) for c in m.cells])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    nearest = np.where(np.eye(len(xy), dtype=bool), np.inf, d).min(axis=1)
    np.testing.assert_allclose(nearest, math.sqrt(3) * 10.0, rtol=1e-12)
    # the drawing fits: every corner inside the SVG's box
    corners = np.array([tuple(map(float, p.split(","))) for c in m.cells for p in c.points.split()])
    assert corners.min() >= 0 and corners[:, 0].max() <= m.width
    assert corners[:, 1].max() <= m.height


def test_rows_count_upwards() -> None:
    # HexJSON rows grow northwards: row 1 is drawn above row 0 (smaller SVG y)
    _, y = hexmap.hex_centres([0, 0], [0, 1], "odd-r", 1.0)
    assert y[1] < y[0] and y[0] - y[1] == pytest.approx(1.5, rel=1e-12)


def test_svg_for_the_report_escapes_names_and_shows_every_class() -> None:
    layout = _layout("odd-r", cols=3, rows=2)
    layout.loc[0, "area_name"] = "<script>&"
    values = pd.DataFrame({"area_code": layout["area_code"], "value": np.arange(6.0)})
    values.loc[5, "value"] = np.nan
    m = hexmap.hex_map(layout, values, title="A & B", size=34.0)
    svg = hexmap.hexmap_svg(m, label="Label <b>")
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg
    assert 'aria-label="A &amp; B"' in svg and "Label &lt;b&gt;" in svg
    polygons = re.findall(r'<polygon points="([^"]+)" fill="([^"]+)"', svg)
    assert polygons == [(c.points, c.fill) for c in m.cells]
    for text, colour in m.legend:  # five classes and "No data"
        assert f'fill="{colour}"' in svg and text in svg
    assert hexmap.hexmap_svg(hexmap.HexMap("t", 0, 0, (), ((("No data", "x")),), ())) == ""


def test_store_layouts_place_each_area_once(store: Store) -> None:
    # The real Open Innovations layouts of the store built from the mirror.
    layouts = store.to_pandas(store.table("hex_layouts"))
    assert layouts["layout_id"].nunique() >= 3
    for layout_id, part in layouts.groupby("layout_id"):
        m = hexmap.hex_map(part, part[["area_code"]].assign(value=1.0), title=str(layout_id))
        assert len({(round(c.x, 6), round(c.y, 6)) for c in m.cells}) == len(part), layout_id
        assert len({c.area_code for c in m.cells}) == len(part), layout_id
