"""Hex maps of councils drawn as SVG from HexJSON layouts (Open Innovations / ODI Leeds).

The layouts in the store use *offset* coordinates with pointy-topped hexagons:
``odd-r``/``even-r`` shift odd/even rows half a hexagon right; ``r`` grows northwards
(up the page). The centre of hexagon (q, r) with side s is

    x = sqrt(3) s (q + 0.5 * shifted(r)),    y = -1.5 s r

with ``shifted(r)`` 1 on the shifted rows. Each hexagon is coloured on a sequential
scale from the lowest to the highest value; missing values are grey and hatched-free
(marked "no data" in the legend).
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

#: Light to dark blue (sequential; readable in greyscale).
SCALE = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
MISSING = "#d9d9d9"


def hex_centres(
    q: np.ndarray, r: np.ndarray, layout: str = "odd-r", size: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Centres (x, y) of offset-coordinate hexagons; y grows downwards (SVG)."""
    q = np.asarray(q, dtype=float)
    r = np.asarray(r, dtype=int)
    if layout not in ("odd-r", "even-r"):
        raise ValueError(f"layout must be 'odd-r' or 'even-r'; got {layout!r}.")
    shifted = (r % 2 == 1) if layout == "odd-r" else (r % 2 == 0)
    x = math.sqrt(3) * size * (q + 0.5 * shifted)
    y = -1.5 * size * r.astype(float) + 0.0  # no negative zero on row 0
    return x, y


def _hexagon(cx: float, cy: float, size: float) -> str:
    pts = []
    for k in range(6):
        angle = math.radians(60 * k - 30)
        pts.append(f"{cx + size * math.cos(angle):.1f},{cy + size * math.sin(angle):.1f}")
    return " ".join(pts)


def colour_for(values: np.ndarray) -> list[str]:
    """Sequential colours by equal-width bins between the smallest and largest value."""
    v = np.asarray(values, dtype=float)
    out = [MISSING] * len(v)
    ok = np.isfinite(v)
    if not ok.any():
        return out
    lo, hi = float(v[ok].min()), float(v[ok].max())
    span = hi - lo
    for i in np.flatnonzero(ok):
        k = 0 if span == 0 else min(int((v[i] - lo) / span * len(SCALE)), len(SCALE) - 1)
        out[i] = SCALE[k]
    return out


def _short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "."


def hexmap_svg(frame: pd.DataFrame, *, label: str = "", title: str = "", size: float = 34) -> str:
    """An SVG hex map of ``frame`` (``lad_name``, ``q``, ``r``, ``value``; ``layout``).

    Names are abbreviated inside the hexagons; the full names and values are in the table
    the report prints with the map.
    """
    if frame.empty:
        return ""
    layout = "odd-r"
    x, y = hex_centres(frame["q"].to_numpy(), frame["r"].to_numpy(), layout, size)
    pad = size * 1.2
    x0, y0 = x.min() - pad, y.min() - pad
    width = max(float(x.max() - x0 + pad), 320.0)
    legend_h = 60
    height = float(y.max() - y0 + pad) + legend_h
    values = frame["value"].to_numpy(dtype=float)
    fills = colour_for(values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'aria-label="{escape(title, quote=True)}" '
        'font-family="DejaVu Sans, Verdana, sans-serif">'
    ]
    for i, row in enumerate(frame.itertuples(index=False)):
        cx, cy = float(x[i] - x0), float(y[i] - y0)
        dark = fills[i] in SCALE[2:]
        value = "no data" if not np.isfinite(values[i]) else f"{values[i]:.1f}"
        name = str(row.lad_name)
        parts.append(
            f"<g><title>{escape(name)}: {value}</title>"
            f'<polygon points="{_hexagon(cx, cy, size * 0.96)}" fill="{fills[i]}" '
            'stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{cx:.1f}" y="{cy - 2:.1f}" font-size="8.5" text-anchor="middle" '
            f'fill="{"#ffffff" if dark else "#0b0c0c"}">{escape(_short(name))}</text>'
            f'<text x="{cx:.1f}" y="{cy + 10:.1f}" font-size="9" font-weight="bold" '
            f'text-anchor="middle" fill="{"#ffffff" if dark else "#0b0c0c"}">{value}</text></g>'
        )
    ok = np.isfinite(values)
    if ok.any():
        lo, hi = float(values[ok].min()), float(values[ok].max())
        ly = height - legend_h + 14
        parts.append(
            f'<text x="4" y="{ly:.0f}" font-size="10" fill="#0b0c0c">{escape(label)}</text>'
        )
        step = (hi - lo) / len(SCALE)
        for k, col in enumerate(SCALE):
            parts.append(
                f'<rect x="{4 + 46 * k}" y="{ly + 6:.0f}" width="44" height="12" fill="{col}"/>'
                f'<text x="{4 + 46 * k}" y="{ly + 30:.0f}" font-size="8.5" fill="#0b0c0c">'
                f"{lo + step * k:.1f}</text>"
            )
        parts.append(
            f'<text x="{4 + 46 * len(SCALE)}" y="{ly + 30:.0f}" font-size="8.5" '
            f'fill="#0b0c0c">{hi:.1f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
