"""The annual cycle of the health duty, per authority: set and review targets, refresh
the action plans, publish the health-duty report, hold a scrutiny session.

A cycle year ``Y`` is the financial year from 1 April ``Y`` to 31 March ``Y+1``. Each of
the four :data:`STEPS` has a default due date in that year (:func:`default_due`), a
status (:data:`STATUSES`) and evidence: a sentence and/or a web address. A step that
is not done after its due date shows as **late**. Marking a step done needs the date it
was done (within the cycle year or after it) and some evidence.

A step not yet recorded reads as "not started" with its default due date; recording it
creates its row (version 1); later changes name the version they are based on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import ensure_authority
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import _fields as f

#: The steps of the cycle, in order: (id, label, month, day of the default due date).
STEPS: tuple[tuple[str, str, int, int], ...] = (
    ("targets_reviewed", "Targets reviewed", 6, 30),
    ("action_plans_refreshed", "Action plans refreshed", 9, 30),
    ("report_published", "Health-duty report published", 12, 31),
    ("scrutiny_held", "Scrutiny session held", 3, 31),
)
LABELS = {s[0]: s[1] for s in STEPS}
STATUSES: tuple[str, ...] = ("not started", "in progress", "done", "missed")
EVIDENCE_CHARS = 2000


def default_due(year: int, step: str) -> dt.date:
    """The default due date of ``step`` in cycle year ``year`` (1 April to 31 March).

    >>> default_due(2026, "targets_reviewed"), default_due(2026, "scrutiny_held")
    (datetime.date(2026, 6, 30), datetime.date(2027, 3, 31))
    """
    _, _, month, day = next(s for s in STEPS if s[0] == step)
    return dt.date(year + 1 if month < 4 else year, month, day)


def check_year(value: Any) -> int:
    year = f.whole(value, "year", "the cycle year")
    if not 2000 <= year <= 2100:
        raise f.problem("year", f"the cycle year must be 2000 to 2100; got {year}.")
    return year


@dataclass(frozen=True)
class Step:
    """One step of one year, stored or (version 0) not yet recorded."""

    authority_code: str
    year: int
    step: str
    label: str
    due_on: dt.date
    status: str
    done_on: dt.date | None
    evidence: str
    evidence_url: str
    version: int

    def late(self, today: dt.date) -> bool:
        """Not done (or missed) after its due date."""
        return self.status in ("not started", "in progress") and self.due_on < today

    def to_dict(self, today: dt.date | None = None) -> dict[str, Any]:
        return {
            "authority_code": self.authority_code,
            "year": self.year,
            "step": self.step,
            "label": self.label,
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "late": self.late(today or dt.date.today()),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "evidence": self.evidence,
            "evidence_url": self.evidence_url,
            "version": self.version,
        }


def calendar(engine: Engine, authority_code: str, year: Any) -> list[Step]:
    """The four steps of ``year`` for the authority, in order."""
    code, y = f.authority(authority_code), check_year(year)
    from healthgap.decisions.models import CycleStep

    with Session(engine) as s:
        rows = {
            r.step: r
            for r in s.scalars(
                select(CycleStep).where(CycleStep.authority_code == code, CycleStep.year == y)
            )
        }
    out = []
    for step, label, _, _ in STEPS:
        r = rows.get(step)
        out.append(
            Step(code, y, step, label, default_due(y, step), "not started", None, "", "", 0)
            if r is None
            else Step(
                code,
                y,
                step,
                label,
                r.due_on,
                r.status,
                r.done_on,
                r.evidence,
                r.evidence_url,
                r.version,
            )
        )
    return out


def years(engine: Engine, authority_code: str) -> list[int]:
    """The cycle years recorded for the authority, latest first."""
    from healthgap.decisions.models import CycleStep

    with Session(engine) as s:
        found = s.scalars(
            select(CycleStep.year)
            .where(CycleStep.authority_code == f.authority(authority_code))
            .distinct()
        )
        return sorted(set(found), reverse=True)


def current_year(today: dt.date | None = None) -> int:
    """The cycle year ``today`` falls in (a year starts on 1 April)."""
    day = today or dt.date.today()
    return day.year if day.month >= 4 else day.year - 1


def set_step(
    engine: Engine,
    who: Actor,
    authority_code: str,
    year: Any,
    step: Any,
    read: int,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """Record a step's status, dates and evidence. ``read`` is the version the change is
    based on (0 for a step not yet recorded)."""
    from healthgap.decisions.models import CycleStep

    code, y = f.authority(authority_code), check_year(year)
    name = f.choice(step, "step", "the step", tuple(LABELS))
    check(who, Permission("cycle"), code)
    status = f.choice(fields.get("status"), "status", "the status", STATUSES)
    due = f.date(fields.get("due_on"), "due_on", "the due date", required=False)
    due = due or default_due(y, name)
    if not dt.date(y, 4, 1) <= due <= dt.date(y + 1, 6, 30):
        raise f.problem(
            "due_on",
            f"the due date must fall in cycle year {y} (1 April {y} to 31 March {y + 1}, or up "
            f"to 30 June {y + 1}); got {due}.",
        )
    done = f.date(fields.get("done_on"), "done_on", "the date it was done", required=False)
    evidence = f.text(
        fields.get("evidence"),
        "evidence",
        "the evidence",
        EVIDENCE_CHARS,
        required=False,
        long=True,
    )
    address = f.url(fields.get("evidence_url"), "evidence_url", "the evidence's address")
    if status == "done":
        if done is None:
            raise f.problem("done_on", "a step that is done must say when; got no date.")
        if not (evidence or address):
            raise f.problem(
                "evidence",
                "a step that is done must have evidence (a sentence or a web address); got "
                "none. Say where the public can see it.",
            )
        if done < dt.date(y, 4, 1):
            raise f.problem("done_on", f"the date it was done must be on or after 1 April {y}.")
    elif done is not None:
        raise f.problem("done_on", f"only a step that is done has a date done; got {status}.")
    values = {
        "due_on": due,
        "status": status,
        "done_on": done,
        "evidence": evidence,
        "evidence_url": address,
        "updated_by": who.name,
    }
    try:
        with f.versioned(f"the {LABELS[name].lower()} step of {y}", read), writing(engine) as w:
            row = w.scalar(
                select(CycleStep).where(
                    CycleStep.authority_code == code, CycleStep.year == y, CycleStep.step == name
                )
            )
            if (row.version if row else 0) != read:
                raise StaleVersionError(
                    f"the {LABELS[name].lower()} step of {y}", read, row.version if row else None
                )
            before = None
            if row is None:
                ensure_authority(w, code)
                row = CycleStep(authority_code=code, year=y, step=name, **values)
                w.add(row)
            else:
                before = _audit(row)
                for k, v in values.items():
                    setattr(row, k, v)
            w.flush()
            after = _audit(row)
            audit.record(
                w,
                who.name,
                "update" if before else "create",
                "cycle_step",
                row.id,
                code,
                before,
                after,
            )
    except IntegrityError:  # another writer created the step first
        raise StaleVersionError(f"the {LABELS[name].lower()} step of {y}", read, 1) from None
    return after


def _audit(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "authority_code": row.authority_code,
        "year": row.year,
        "step": row.step,
        "due_on": row.due_on.isoformat(),
        "status": row.status,
        "done_on": row.done_on.isoformat() if row.done_on else None,
        "evidence": row.evidence,
        "evidence_url": row.evidence_url,
        "version": row.version,
    }
