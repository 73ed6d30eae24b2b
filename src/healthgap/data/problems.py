"""Problems found in an indicator file, collected and reported all at once.

A :class:`ProblemLog` gathers every problem with its row, column, value and rule, grouped
by rule (with a few examples of each); :class:`IndicatorFileError` (a
:class:`~healthgap.errors.SchemaError`) carries the log and its message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthgap.errors import SchemaError


@dataclass
class ProblemGroup:
    """Every problem that breaks one rule: how many, the first few, and the remedy."""

    rule: str
    remedy: str
    total: int = 0
    examples: list[tuple[int | None, str | None, str | None]] = field(default_factory=list)
    """``(position, column, what was found)`` for the first few problems."""


class ProblemLog:
    """Problems grouped by rule, keeping the first ``max_examples`` of each (bounded memory).

    ``where`` is the word for a position in the source: ``"line"`` (CSV, where line 1 is
    the header), ``"row"`` (a spreadsheet row or a frame row) or ``"record"`` (Parquet).
    """

    def __init__(self, where: str = "row", max_examples: int = 5) -> None:
        self.where = where
        self.max_examples = max_examples
        self.groups: dict[str, ProblemGroup] = {}

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups.values())

    def add(
        self,
        rule: str,
        remedy: str,
        positions: Sequence[int | None] | np.ndarray = (None,),
        column: str | None = None,
        values: Sequence[Any] | np.ndarray | None = None,
        notes: Sequence[str] | None = None,
    ) -> None:
        """Record one problem per position (all breaking ``rule`` in ``column``).

        ``values`` are the offending cell values (shown quoted); ``notes`` are shown as
        they are, e.g. ``"same key as line 3"``.
        """
        n = len(positions)
        if n == 0:
            return
        group = self.groups.setdefault(rule, ProblemGroup(rule, remedy))
        group.total += n
        room = self.max_examples - len(group.examples)
        for i in range(min(room, n)):
            pos = positions[i]
            found = (
                notes[i]
                if notes is not None
                else None
                if values is None
                else f"value {_show(values[i])}"
            )
            group.examples.append((None if pos is None else int(pos), column, found))

    def message(self, source: str, remedy: str = "Fix these in the file and read it again.") -> str:
        """The whole report: one line per rule, the first few examples, the rest counted."""
        n = self.total
        lines = [
            f"{source} must follow the healthgap indicator layout; got {n} "
            f"{'problem' if n == 1 else 'problems'}"
            + (f" of {len(self.groups)} kinds" if len(self.groups) > 1 else "")
            + ":"
        ]
        for g in self.groups.values():
            parts = []
            for pos, column, value in g.examples:
                bits = []
                if pos is not None:
                    bits.append(f"{self.where} {pos}")
                if column is not None:
                    bits.append(f"column {column!r}")
                if value is not None:
                    bits.append(value)
                if bits:
                    parts.append(", ".join(bits))
            more = g.total - len(g.examples)
            placed = any(pos is not None for pos, _, _ in g.examples)
            where = f" ({g.total} {self.where}{'' if g.total == 1 else 's'})" if placed else ""
            shown = ": " + "; ".join(parts) if parts else ""
            tail = f"; and {more} more" if more > 0 and parts else ""
            lines.append(f"- {g.rule}{where}{shown}{tail}. {g.remedy}")
        lines.append(remedy)
        return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    if isinstance(value, float | np.floating | int | np.integer) and not isinstance(value, bool):
        return f"{value:.10g}"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


class IndicatorFileError(SchemaError):
    """A file or frame breaks the indicator layout; ``problems`` holds every problem found."""

    def __init__(self, message: str, problems: ProblemLog, source: str) -> None:
        super().__init__(message)
        self.problems = problems
        self.source = source

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled whole (e.g. from the worker process that parses a large upload)
        return (type(self), (str(self), self.problems, self.source))
