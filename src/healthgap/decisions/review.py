"""The report's look back: "what we committed to last year, what happened".

For an authority and the cycle year before the report's, it sets each commitment on the
record beside what happened to it:

* each step of last year's annual cycle (:mod:`healthgap.decisions.cycle`): its due date
  against its status ("late" when recorded but not done by its due date, "not recorded"
  when nothing was ever recorded for it), the date it was done and the evidence;
* the key decisions of that year: how many were screened before they were taken
  (:func:`healthgap.decisions.register.coverage_of`);
* the scrutiny questions asked that year: how many were answered, how many on time and
  how many are overdue (:mod:`healthgap.decisions.scrutiny`).

The report, the CLI (``healthgap decisions review``) and the cycle page all show this one
:class:`LookBack`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from healthgap.decisions import cycle, register, scrutiny

COLUMNS = ["commitment", "due", "what happened", "when", "evidence"]


@dataclass(frozen=True)
class LookBack:
    """Last year's commitments and what happened (``table``: :data:`COLUMNS`)."""

    authority_code: str
    year: int
    table: pd.DataFrame
    key_decisions: int
    screened_before: int
    questions_asked: int
    answered_on_time: int
    answered_late: int
    overdue: int

    def summary(self) -> str:
        """Two plain sentences for the report."""
        share = (
            f"{self.screened_before} of {self.key_decisions} key decisions were screened "
            "for their effect on health inequalities before they were taken"
            if self.key_decisions
            else "No key decisions were recorded"
        )
        asked = (
            f"Of {self.questions_asked} questions put on the record, {self.answered_on_time} "
            f"were answered on time, {self.answered_late} late, and {self.overdue} are overdue"
            if self.questions_asked
            else "No questions were put on the record"
        )
        return f"In {self.year}/{str(self.year + 1)[2:]}: {share}. {asked}."


def look_back(
    engine: Engine, authority_code: str, year: int, today: dt.date | None = None
) -> LookBack:
    """What ``authority_code`` committed to in cycle year ``year`` and what happened."""
    day = today or dt.date.today()
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    rows: list[dict[str, Any]] = []
    for s in cycle.calendar(engine, authority_code, year):
        if s.version == 0:  # never recorded
            happened = "not recorded" if s.due_on < day else "not started"
        else:
            happened = "late" if s.late(day) else s.status
        evidence = " ".join(x for x in (s.evidence, s.evidence_url) if x)
        rows.append(
            {
                "commitment": s.label,
                "due": s.due_on.isoformat(),
                "what happened": happened,
                "when": s.done_on.isoformat() if s.done_on else "",
                "evidence": evidence,
            }
        )
    views = [
        v
        for v in register.views(engine, authority_code, day)
        if start <= dt.date.fromisoformat(v.record["decided_on"]) <= end
    ]
    cov = register.coverage_of(views)
    totals = cov.table[cov.table["directorate"] == register.ALL_DIRECTORATES]
    key = int(totals["key_decisions"].sum())
    before = int(totals["screened_before"].sum())
    asked = [
        q
        for q in scrutiny.public(engine, authority_code, today=day)
        if start <= dt.date.fromisoformat(q["asked_on"]) <= end
    ]
    on_time = sum(
        1 for q in asked if q["status"] == scrutiny.ANSWERED and q["answered_on"] <= q["due_on"]
    )
    late = sum(
        1 for q in asked if q["status"] == scrutiny.ANSWERED and q["answered_on"] > q["due_on"]
    )
    overdue = sum(1 for q in asked if q["overdue"])
    return LookBack(
        authority_code,
        year,
        pd.DataFrame(rows, columns=COLUMNS),
        key,
        before,
        len(asked),
        on_time,
        late,
        overdue,
    )
