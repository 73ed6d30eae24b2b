"""Result objects of the allocation engine: what was allocated, and how.

Like :class:`~healthgap.stats.results.StatResult`, each result carries its table together
with the formula, rules and references that made it, so that a page, a report or a CSV
export always says how the numbers were made.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from healthgap.allocate.rounding import pounds
from healthgap.stats._frames import FrameKind, to_kind

if TYPE_CHECKING:
    from healthgap.allocate.formula import Formula
    from healthgap.allocate.pace import PacePath


@dataclass(frozen=True)
class Stage:
    """One step of the waterfall: every area's share of the total after this step."""

    name: str
    label: str
    share: np.ndarray


@dataclass(frozen=True, eq=False)
class AllocationResult:
    """Targets and allocations for every area, and how they were made.

    Attributes
    ----------
    formula:
        The checked :class:`~healthgap.allocate.Formula`.
    table:
        One row per area, in area-code order (see :meth:`to_frame`).
    stages:
        Each area's share after each step of the formula, for :meth:`waterfall`.
    path:
        The pace of change (arrays by year), or ``None`` without a ``[pace]`` section.
    control_total:
        Year one's total, in pence.
    notes, references:
        The rules applied (rounding, pace) and the published methods they follow.
    """

    formula: Formula
    table: pd.DataFrame
    stages: tuple[Stage, ...]
    path: PacePath | None
    control_total: int
    notes: tuple[str, ...]
    references: tuple[str, ...]
    kind: FrameKind = "pandas"

    @property
    def areas(self) -> pd.Series:
        return self.table[self.formula.area]

    def to_frame(self) -> Any:
        """One row per area: population, normalised indices, each component's need share,
        ``need_share``, ``cost_index``, ``target_share``, ``target_pence``,
        ``target_per_head`` (pounds), ``current_pence``, ``distance_from_target``,
        ``allocation_pence`` (year one), ``allocation_per_head``, ``growth`` and
        ``allocation_distance`` where they apply; as the kind of frame passed in."""
        return to_kind(self.table.copy(), self.kind)

    def to_pandas(self) -> pd.DataFrame:
        return self.table.copy()

    def path_frame(self) -> Any:
        """The pace of change: one row per area and year, with ``target_pence``,
        ``floor_pence``, ``allocation_pence``, ``growth``, ``distance_from_target`` and the
        ``rule`` that set the amount (floor, pace, target, ceiling, extra)."""
        if self.path is None:
            return None
        p = self.path
        years, n = p.allocations.shape
        previous = np.vstack([self.table["current_pence"].to_numpy()[None, :], p.allocations[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.where(
                previous > 0, p.allocations / np.where(previous > 0, previous, 1) - 1, np.nan
            )
            distance = np.where(
                p.targets > 0,
                (p.allocations - p.targets) / np.where(p.targets > 0, p.targets, 1),
                np.nan,
            )
        frame = pd.DataFrame(
            {
                self.formula.area: np.tile(self.areas.to_numpy(), years),
                "year": np.repeat(np.arange(1, years + 1), n),
                "target_pence": p.targets.ravel(),
                "floor_pence": p.floors.ravel(),
                "allocation_pence": p.allocations.ravel(),
                "growth": growth.ravel(),
                "distance_from_target": distance.ravel(),
                "rule": p.rule.ravel(),
            }
        )
        if p.ceilings is not None:
            frame.insert(4, "ceiling_pence", p.ceilings.ravel())
        return to_kind(frame, self.kind)

    def years_frame(self) -> pd.DataFrame | None:
        """One row per year: ``envelope_pence``, the ``pace`` (share of each gap closed),
        ``extra_growth`` and how many areas each rule set."""
        if self.path is None:
            return None
        p = self.path
        out = pd.DataFrame(
            {
                "year": np.arange(1, p.envelopes.size + 1),
                "envelope_pence": p.envelopes,
                "pace": p.pace,
                "extra_growth": p.extra_growth,
            }
        )
        for rule in ("floor", "pace", "target", "ceiling", "extra"):
            out[f"areas_{rule}"] = (p.rule == rule).sum(axis=1)
        out["gap_pence"] = np.abs(p.allocations - p.targets).sum(axis=1) // 2
        return out

    def waterfall(self, area: Any = None) -> Any:
        """Each area from an equal share per head to its final allocation, in whole pence.

        See :func:`healthgap.allocate.waterfall`.
        """
        from healthgap.allocate.explain import waterfall

        return waterfall(self, area)

    def summary(self) -> str:
        f = self.formula
        lines = [
            f"Allocation: {f.name}",
            f"  areas: {len(self.table)}; control total: "
            + (pounds(self.control_total) if self.control_total else "none (shares only)"),
            "  components: " + ", ".join(f"{c.name} {c.share:.4g}" for c in f.components),
        ]
        if f.cost_column:
            lines.append(f"  cost adjustment: {f.cost_column}")
        if f.resources_column:
            lines.append(f"  resources adjustment: {f.resources_column}")
        if self.path is not None and f.pace is not None:
            pace = ", ".join(f"{v:.3g}" for v in self.path.pace)
            lines.append(
                f"  pace of change: {f.pace.years} year(s), floor {f.pace.floor:g}"
                + (f", ceiling {f.pace.ceiling:g}" if f.pace.ceiling is not None else "")
                + f"; share of gap closed each year: {pace}"
            )
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  reference: {r}" for r in self.references]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<AllocationResult {self.formula.name!r}: {len(self.table)} areas, "
            f"{pounds(self.control_total)}>"
        )

    def _repr_html_(self) -> str:
        caption = html.escape(self.summary()).replace("\n", "<br>")
        return (
            f"<div><p>{caption}</p>"
            + self.table.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.6g}")
            + "</div>"
        )


@dataclass(frozen=True, eq=False)
class Comparison:
    """Two allocations side by side: who gains, who loses, by how much and per head.

    ``table`` has one row per area, sorted from the largest gain to the largest loss
    (ties in area-code order): ``a_pence``, ``b_pence``, ``change_pence`` (b - a),
    ``change_percent``, ``change_per_head`` (pounds) and ``outcome`` ("gains", "loses",
    "no change").
    """

    table: pd.DataFrame
    a_name: str
    b_name: str
    basis: str
    area: str
    kind: FrameKind = "pandas"

    def to_frame(self) -> Any:
        return to_kind(self.table.copy(), self.kind)

    def to_pandas(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def winners(self) -> pd.DataFrame:
        return self.table[self.table["outcome"] == "gains"].copy()

    @property
    def losers(self) -> pd.DataFrame:
        return self.table[self.table["outcome"] == "loses"].sort_values(
            ["change_pence", self.area], kind="stable"
        )

    def summary(self) -> str:
        t = self.table
        gains, losses = t[t["change_pence"] > 0], t[t["change_pence"] < 0]
        moved = int(gains["change_pence"].sum())
        lines = [
            f"What if: {self.b_name} instead of {self.a_name} ({self.basis})",
            f"  {len(gains)} areas gain, {len(losses)} lose, "
            f"{len(t) - len(gains) - len(losses)} unchanged; {pounds(moved)} moves between areas",
        ]
        for label, rows in (("largest gain", gains), ("largest loss", losses)):
            if len(rows):
                row = rows.iloc[0] if label == "largest gain" else rows.iloc[-1]
                per_head = row["change_per_head"]
                sign = "-" if per_head < 0 else "+"
                head = "" if per_head != per_head else f", {sign}£{abs(per_head):,.2f} per head"
                lines.append(
                    f"  {label}: {row[self.area]} ({pounds(int(row['change_pence']))}{head})"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Comparison {self.a_name!r} -> {self.b_name!r}: {len(self.table)} areas>"

    def _repr_html_(self) -> str:
        caption = html.escape(self.summary()).replace("\n", "<br>")
        return (
            f"<div><p>{caption}</p>"
            + self.table.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.6g}")
            + "</div>"
        )
