"""Charts and maps shared by every face: Vega-Lite specs as plain dicts, and hex maps.

A presentation layer below the faces (``web``, ``report``, ``cli``): it turns rows that a
domain has already computed (and disclosure-controlled) into a chart, and never computes
a statistic. Each builder returns a :class:`Chart`: the Vega-Lite spec together with the
table behind it (caption, column headings, rows), so a face that shows the chart can
show the same figures as a table and offer them as CSV.

The web embeds ``Chart.spec`` through its one safe JSON helper (``script_json``); the
report renders the same spec offline to SVG with :func:`healthgap.charts.render.svg`.
Hex maps (:mod:`healthgap.charts.hexmap`) are drawn from one geometry for both.

This package imports the standard library, pandas and numpy, ``errors`` and ``safe_csv``;
never a face.
"""

from __future__ import annotations

from healthgap.charts.bars import (
    bars,
    grouped_bars,
    interval_bars,
    small_multiple_bars,
    stacked_bars,
)
from healthgap.charts.base import Chart, ChartTable, TableOptions
from healthgap.charts.lines import sii_line, trajectory, trend_band
from healthgap.charts.planes import equity_plane, scatter

__all__ = [
    "Chart",
    "ChartTable",
    "TableOptions",
    "bars",
    "equity_plane",
    "grouped_bars",
    "interval_bars",
    "scatter",
    "sii_line",
    "small_multiple_bars",
    "stacked_bars",
    "trajectory",
    "trend_band",
]
