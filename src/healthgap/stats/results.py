"""The result object every table-level statistic returns.

A :class:`StatResult` carries the table together with the method, the confidence levels
and the references that produced it, so that reports, pages and exports always show
how a number was made.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthgap.stats._frames import FrameKind, to_kind
from healthgap.stats._schema import SUPPRESSED


@dataclass(frozen=True, eq=False)
class StatResult:
    """A table of results, one row per group, and how it was made.

    Attributes
    ----------
    statistic:
        Human-readable name, e.g. ``"Directly standardised rate per 100,000"``.
    method:
        Interval or estimation method, e.g. ``"Dobson"``; ``"Byar's / Exact"`` where it
        varies by row (then the table has a ``method`` column).
    confidence:
        The confidence levels of the limit columns.
    references:
        Citations for the method, in the order a methods page would give them.
    """

    table: pd.DataFrame
    statistic: str
    method: str
    confidence: tuple[float, ...]
    references: tuple[str, ...]
    multiplier: float | None = None
    standard_population: str | None = None
    notes: tuple[str, ...] = ()
    kind: FrameKind = "pandas"
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """The table as the same kind of frame that was passed in (a fresh copy)."""
        return to_kind(self.table.copy(), self.kind)

    def to_pandas(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (a fresh copy), whatever came in."""
        return self.table.copy()

    @property
    def n_suppressed(self) -> int:
        if SUPPRESSED not in self.table.columns:
            return 0
        return int(self.table[SUPPRESSED].sum())

    def summary(self) -> str:
        """A few plain lines: what, how, how many groups, what was suppressed."""
        levels = ", ".join(f"{c:.1%}".replace(".0%", "%") for c in self.confidence)
        how = f"  method: {self.method}" + (f"; confidence: {levels}" if levels else "")
        lines = [f"{self.statistic}", how]
        if self.standard_population:
            lines.append(f"  standard population: {self.standard_population}")
        lines.append(f"  groups: {len(self.table)}; suppressed: {self.n_suppressed}")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  reference: {r}" for r in self.references]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<StatResult {self.statistic!r}: {len(self.table)} rows, method {self.method}>"

    def _repr_html_(self) -> str:
        caption = html.escape(self.summary()).replace("\n", "<br>")
        return (
            f"<div><p>{caption}</p>"
            + self.table.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.6g}")
            + "</div>"
        )
