"""What a report is: sections of summaries, protected tables and chart data (no I/O).

Every table passes through :func:`protect` (disclosure control, the default
:class:`~healthgap.data.disclosure.DisclosurePolicy`: counts of 1 to 7 withheld, other
counts rounded to the nearest 5) when it is made, before anything can render it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthgap.data.disclosure import DisclosurePolicy, protect_table

#: Columns that hold counts of people (disclosure control), besides :data:`COUNT_LIKE`.
PEOPLE_COLUMNS: frozenset[str] = frozenset({"population", "core20_population"})


POLICY = DisclosurePolicy()


@dataclass(frozen=True)
class ReportTable:
    """A table as published: protected numbers, column headings and number formats.

    ``formats`` maps a column to its decimal places (numbers) ; other columns print as text.
    """

    id: str
    caption: str
    frame: pd.DataFrame
    columns: Mapping[str, str]
    digits: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartData:
    """What one chart shows: its kind, title, long-form data and the table behind it."""

    id: str
    kind: str
    title: str
    description: str
    data: pd.DataFrame
    table_id: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """One numbered section of the report."""

    id: str
    title: str
    summary: tuple[str, ...]
    tables: tuple[ReportTable, ...] = ()
    charts: tuple[ChartData, ...] = ()
    notes: tuple[str, ...] = ()
    #: Headed groups of paragraphs (heading, paragraphs), e.g. the summary's four parts;
    #: empty for a section whose summary is one run of paragraphs.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def table(self, table_id: str) -> ReportTable:
        """The section's table ``table_id``."""
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


@dataclass(frozen=True)
class ReportContext:
    """Every number of one authority's annual health-duty report."""

    authority_code: str
    authority_name: str
    data_code: str
    region_code: str
    region_name: str
    members: pd.DataFrame
    period: str
    target_year: int | None
    generated: dt.date
    sections: tuple[Section, ...]
    disclosure: str = POLICY.describe()
    kind: str = "strategic_authority"
    kind_label: str = "strategic authority"
    #: Which lookups define the footprint, and any alias or membership-change notes.
    geography: str = ""
    notes: tuple[str, ...] = ()

    def section(self, section_id: str) -> Section:
        """The section ``section_id`` (``mission``, ``scorecard``, ...)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def tables(self) -> list[ReportTable]:
        """Every table in the report, in order."""
        return [t for s in self.sections for t in s.tables]


def protect(frame: pd.DataFrame, policy: DisclosurePolicy = POLICY) -> pd.DataFrame:
    """Disclosure control for one report table, applied before it can be rendered.

    Count columns are those named in :data:`~healthgap.data.disclosure.COUNT_LIKE`,
    ending in ``_count``, or counting people (``population``, ``core20_population``).
    Small counts are withheld with every value derived in the same row (``value`` and
    its limits, shares); other counts are rounded. A table without counts is returned
    as it is.
    """
    return protect_table(frame, policy, people_columns=sorted(PEOPLE_COLUMNS), shares=True)


def _table(
    table_id: str,
    caption: str,
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    digits: Mapping[str, int] | None = None,
    notes: Sequence[str] = (),
) -> ReportTable:
    safe = protect(frame[list(columns)].copy())
    return ReportTable(table_id, caption, safe, dict(columns), dict(digits or {}), tuple(notes))
