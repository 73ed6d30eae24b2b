"""Hex maps (hexagon cartograms) from the store's HexJSON layouts: one geometry for every face.

The web draws a :class:`HexMap` with its ``_hexmap.html`` template; the report draws the
same map as a standalone SVG with :func:`hexmap_svg`. Both take the cells, centres and
colour classes from :func:`hex_map`, so an area sits in the same place and has the same
colour on the page and in the PDF.

A HexJSON layout gives each area a column ``q`` and row ``r`` on a hexagonal grid
(Open Innovations' format). Rows count upwards (row 0 at the bottom of the map).

Geometry, for hexagons of circumradius ``s`` (centre to corner):

* ``odd-r`` / ``even-r`` (pointy-topped, rows offset): width w = sqrt(3) s; centre
  x = q w + w/2 on shifted rows (odd rows for odd-r, even rows for even-r), y = (r_max - r)
  * 1.5 s.
* ``odd-q`` / ``even-q`` (flat-topped, columns offset): height h = sqrt(3) s; centre
  x = q * 1.5 s, y = (r_max - r) h - h/2 on shifted columns (odd or even).

Colours: five classes split at the 20th, 40th, 60th and 80th percentiles of the values
shown (numpy's linear interpolation), a sequential ColorBrewer palette (YlGnBu, safe for
colour-blind readers); areas without a value are light grey. The map is an SVG image with
a text title and description; the same values are always given in a table beside it.
(Until issue 18 the report drew its own map with equal-width classes on a blue scale and
rows shifted by a different origin; the percentile classes above won, so a council's
colour means the same in the report as on the web.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError

LAYOUTS = ("odd-r", "even-r", "odd-q", "even-q")
#: ColorBrewer YlGnBu, 5 classes (light = low, dark = high).
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Text colour with enough contrast on each palette colour.
INK = ("#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff", "#ffffff")
MISSING = "#f3f2f1"
SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class HexCell:
    """One hexagon: its area, value, class and SVG polygon points."""

    area_code: str
    area_name: str
    value: float
    label: str
    fill: str
    points: str
    x: float
    y: float


@dataclass(frozen=True)
class HexMap:
    """A drawn hex map: the cells, the SVG size and the legend (label, colour) pairs."""

    title: str
    width: float
    height: float
    cells: tuple[HexCell, ...]
    legend: tuple[tuple[str, str], ...]
    breaks: tuple[float, ...]
    unmatched: tuple[str, ...] = ()

    @property
    def view_box(self) -> str:
        """The SVG ``viewBox`` attribute."""
        return f"0 0 {self.width:.2f} {self.height:.2f}"


def hex_centres(q: Any, r: Any, layout: str, size: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Centres (x, y) of hexagons at columns ``q`` and rows ``r`` (vectorised).

    y grows downwards (SVG), rows count upwards, and the top-left hexagon's corner sits at
    the origin.
    """
    if layout not in LAYOUTS:
        raise InputError(
            f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}. "
            "Use the layout named in the HexJSON file."
        )
    if size <= 0:
        raise InputError(f"size must be greater than 0; got {size!r}. Use e.g. 10.")
    qa = np.asarray(q, dtype=int)
    ra = np.asarray(r, dtype=int)
    if qa.size == 0:
        return np.zeros(0), np.zeros(0)
    rows_up = ra.max() - ra
    if layout.endswith("-r"):
        w = SQRT3 * size
        shifted = (ra % 2 == 1) if layout == "odd-r" else (ra % 2 == 0)
        x = (qa - qa.min()) * w + np.where(shifted, w / 2, 0.0) + w / 2
        y = rows_up * 1.5 * size + size
    else:
        h = SQRT3 * size
        shifted = (qa % 2 == 1) if layout == "odd-q" else (qa % 2 == 0)
        x = (qa - qa.min()) * 1.5 * size + size
        y = rows_up * h + np.where(shifted, h / 2, 0.0) + h / 2
    return x.astype(float), y.astype(float)


def _corners(layout: str, size: float) -> np.ndarray:
    start = 30.0 if layout.endswith("-r") else 0.0  # pointy-topped vs flat-topped
    angles = np.radians(start + 60.0 * np.arange(6))
    return np.column_stack([np.cos(angles), np.sin(angles)]) * size * 0.97


def class_breaks(values: Any, classes: int = 5) -> np.ndarray:
    """Inner class boundaries at equal percentiles of the finite values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.zeros(0)
    return np.quantile(v, np.arange(1, classes) / classes)


def hex_map(
    layout: pd.DataFrame,
    values: pd.DataFrame,
    *,
    title: str,
    size: float = 10.0,
    digits: int = 1,
) -> HexMap:
    """Draw ``values`` (``area_code``, ``value``) on a layout (``hex_layouts`` rows).

    ``layout`` needs ``area_code``, ``area_name``, ``q``, ``r`` and ``layout`` (one HexJSON
    layout name). Areas in ``values`` but not in the layout are listed in ``unmatched``.
    """
    need = {"area_code", "area_name", "q", "r", "layout"}
    if not need <= set(layout.columns):
        raise InputError(
            f"layout must have columns {', '.join(sorted(need))}; got {list(layout.columns)}. "
            "Pass rows of the store's hex_layouts table."
        )
    if layout.empty:
        raise InputError("layout must have at least one hexagon; got none. Pick a layout.")
    kinds = layout["layout"].unique()
    if len(kinds) != 1:
        raise InputError(
            f"layout must hold one HexJSON layout; got {sorted(map(str, kinds))}. "
            "Filter hex_layouts by layout_id."
        )
    kind = str(kinds[0])
    by_code = values.drop_duplicates("area_code").set_index("area_code")["value"]
    x, y = hex_centres(layout["q"], layout["r"], kind, size)
    v = layout["area_code"].map(by_code).to_numpy(dtype=float)
    breaks = class_breaks(v)
    cls = np.searchsorted(breaks, v, side="right") if breaks.size else np.zeros(len(v), int)
    corners = _corners(kind, size).tolist()
    cells = []
    # Python floats: formatting NumPy scalars one by one is several times slower
    xs, ys, vs, classes = x.tolist(), y.tolist(), v.tolist(), cls.tolist()
    for i, (code, name) in enumerate(zip(layout["area_code"], layout["area_name"], strict=True)):
        pts = " ".join(f"{xs[i] + cx:.2f},{ys[i] + cy:.2f}" for cx, cy in corners)
        ok = math.isfinite(vs[i])
        label = f"{vs[i]:,.{digits}f}" if ok else "no data"
        fill = PALETTE[classes[i]] if ok else MISSING
        cells.append(HexCell(str(code), str(name or code), vs[i], label, fill, pts, xs[i], ys[i]))
    legend: list[tuple[str, str]] = []
    if breaks.size:
        finite = v[np.isfinite(v)]
        edges = [float(finite.min()), *map(float, breaks), float(finite.max())]
        for k in range(len(PALETTE)):
            legend.append((f"{edges[k]:,.{digits}f} to {edges[k + 1]:,.{digits}f}", PALETTE[k]))
    legend.append(("No data", MISSING))
    unmatched = tuple(sorted(set(by_code.index) - set(layout["area_code"])))
    width = float(x.max() + size * SQRT3 / 2 + size)
    height = float(y.max() + size + size)
    return HexMap(title, width, height, tuple(cells), tuple(legend), tuple(breaks), unmatched)


#: The report's chart font (a different family from the PDF's text font; see docs/report.md).
FONT = "DejaVu Sans"


def _short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "."


def hexmap_svg(m: HexMap, *, label: str = "") -> str:
    """The map ``m`` as a standalone SVG (for the report), names and values in the hexagons.

    Draw ``m`` with hexagons big enough for two lines of text (``hex_map(..., size=34)``).
    Names are abbreviated to fit; the full names and values are in the table printed with the map.
    The legend shows the five classes of ``m.legend``. An empty map gives ``""``.
    """
    if not m.cells:
        return ""
    legend_h = 24.0 + 18.0 * len(m.legend)
    width = max(m.width, 320.0)
    height = m.height + legend_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'aria-label="{escape(m.title, quote=True)}" '
        f'font-family="{FONT}, Verdana, sans-serif">'
    ]
    for c in m.cells:
        ink = INK[PALETTE.index(c.fill)] if c.fill in PALETTE else INK[0]
        parts.append(
            f"<g><title>{escape(c.area_name)}: {escape(c.label)}</title>"
            f'<polygon points="{c.points}" fill="{c.fill}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{c.x:.1f}" y="{c.y - 2:.1f}" font-size="8.5" text-anchor="middle" '
            f'fill="{ink}">{escape(_short(c.area_name))}</text>'
            f'<text x="{c.x:.1f}" y="{c.y + 10:.1f}" font-size="9" font-weight="bold" '
            f'text-anchor="middle" fill="{ink}">{escape(c.label)}</text></g>'
        )
    ly = m.height + 14
    parts.append(f'<text x="4" y="{ly:.0f}" font-size="10" fill="#0b0c0c">{escape(label)}</text>')
    for k, (text, colour) in enumerate(m.legend):
        y = ly + 8 + 18 * k
        parts.append(
            f'<rect x="4" y="{y:.0f}" width="22" height="12" fill="{colour}" stroke="#505a5f" '
            f'stroke-width="0.5"/><text x="32" y="{y + 10:.0f}" font-size="9" '
            f'fill="#0b0c0c">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
