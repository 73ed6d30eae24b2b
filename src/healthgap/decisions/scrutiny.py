"""Scrutiny on the record: questions about a target, an indicator, a decision or the
annual report, asked by a committee or by the public, and the authority's answers.

* **Committees** (overview and scrutiny, the health and wellbeing board, the integrated
  care partnership) ask through the authority's staff: an editor records the question
  with its due date, and it is public at once.
* **The public** ask through a simple form. Nothing personal is asked for or kept: no
  name, no email; the form says not to write personal details, and a moderator reads
  every question before it is published (or not published, with a note that stays
  internal). Each client may ask at most :data:`PUBLIC_PER_WINDOW` questions in
  :data:`PUBLIC_WINDOW`; the client is known only by a salted hash of its address.
* **Answers** are given by the authority's editors, to open questions only: an answered
  or unpublished question cannot be answered again. A published question that is not
  answered by its due date is **overdue**; :func:`write_reminders` puts one reminder a
  day for each overdue question in the outbox (the ``scrutiny_reminders`` table and the
  log: the app sends no email).

Every question, answer and overdue item is public (:func:`public`); who recorded,
moderated or answered it is not shown (staff emails are personal data).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import LoginThrottle, Target, ensure_authority, utcnow
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import _fields as f
from healthgap.decisions.models import Decision, Question, Reminder
from healthgap.errors import HealthgapError, InputError

log = logging.getLogger(__name__)

COMMITTEES: tuple[str, ...] = (
    "overview and scrutiny committee",
    "health and wellbeing board",
    "integrated care partnership",
)
PUBLIC = "member of the public"
ASKERS: tuple[str, ...] = (*COMMITTEES, PUBLIC)
SUBJECTS: tuple[str, ...] = ("target", "indicator", "decision", "annual report")
AWAITING, OPEN, ANSWERED, NOT_PUBLISHED = "awaiting moderation", "open", "answered", "not published"
STATUSES: tuple[str, ...] = (AWAITING, OPEN, ANSWERED, NOT_PUBLISHED)
#: How long the authority has to answer when no due date is given.
DEFAULT_DAYS = 28
#: Public questions a client may ask in one window.
PUBLIC_PER_WINDOW = 3
PUBLIC_WINDOW = dt.timedelta(hours=1)
#: Characters of a question, an answer and a moderation note.
QUESTION_CHARS = 2000
ANSWER_CHARS = 10_000
#: Columns of :func:`public` rows (the open-data export).
COLUMNS = [
    "id",
    "authority_code",
    "asked_by",
    "subject_kind",
    "subject_ref",
    "question",
    "asked_on",
    "due_on",
    "status",
    "days_overdue",
    "answer",
    "answered_on",
]


class TooManyQuestions(HealthgapError):
    """This client asked :data:`PUBLIC_PER_WINDOW` questions in the last window."""

    def __init__(self) -> None:
        minutes = int(PUBLIC_WINDOW.total_seconds() // 60)
        super().__init__(
            f"questions from one connection must be at most {PUBLIC_PER_WINDOW} in "
            f"{minutes} minutes; got one more. Nothing was stored. Try again later."
        )


def _subject(w: Session, code: str, kind: Any, ref: Any) -> tuple[str, str]:
    """The question's subject checked: a target or decision of ``code``, an indicator id,
    or the annual report of a year."""
    if kind in (None, "") or (ref in (None, "") and kind != "annual report"):
        raise f.problem(
            "subject_kind" if kind in (None, "") else "subject_ref",
            "a question must have a subject (a target, an indicator, a decision or the "
            f"annual report); got {'none' if kind in (None, '') else kind + ' without its id'}. "
            "Say what the question is about.",
        )
    kind = f.choice(kind, "subject_kind", "the subject", SUBJECTS)
    if kind == "annual report":
        year = f.whole(ref or dt.date.today().year, "subject_ref", "the report's year")
        if not 2000 <= year <= 2100:
            raise f.problem("subject_ref", f"the report's year must be 2000 to 2100; got {year}.")
        return kind, str(year)
    if kind == "indicator":
        ref = f.text(ref, "subject_ref", "the indicator id", 100)
        if not all(c.isalnum() or c in "_-." for c in ref):
            raise f.problem(
                "subject_ref",
                f"the indicator id must be letters, digits, '_', '-' or '.'; got {ref[:40]!r}. "
                "E.g. hle_male.",
            )
        return kind, ref
    n = f.whole(ref, "subject_ref", f"the {kind}'s id")
    model: Any = Target if kind == "target" else Decision
    owner = w.execute(select(model.authority_code).where(model.id == n)).scalar_one_or_none()
    if owner is None:
        raise f.problem("subject_ref", f"the {kind} must be a recorded {kind}; got id {n}.")
    if owner != code:
        raise f.problem(
            "subject_ref",
            f"the {kind} must be one of {code}'s; got {kind} {n} of {owner}. Ask that "
            "authority instead.",
        )
    return kind, str(n)


def to_dict(q: Question, today: dt.date | None = None) -> dict[str, Any]:
    """The question as public JSON-ready values (no people, no client key)."""
    today = today or dt.date.today()
    late = q.status == OPEN and q.due_on is not None and q.due_on < today
    return {
        "id": q.id,
        "authority_code": q.authority_code,
        "asked_by": q.asked_by,
        "subject_kind": q.subject_kind,
        "subject_ref": q.subject_ref,
        "question": q.text,
        "asked_on": q.asked_on.isoformat(),
        "due_on": q.due_on.isoformat() if q.due_on else None,
        "status": q.status,
        "overdue": late,
        "days_overdue": (today - q.due_on).days if late and q.due_on else 0,
        "answer": q.answer,
        "answered_on": q.answered_on.isoformat() if q.answered_on else None,
        "version": q.version,
    }


def _audit_dict(q: Question) -> dict[str, Any]:
    out = to_dict(q)
    out["moderation_note"] = q.moderation_note
    return out


def _reserve(w: Session, client_key: str, now: dt.datetime) -> None:
    """Count a public question against ``client_key`` or raise :class:`TooManyQuestions`
    (the sign-in throttle's table, key ``question:<hash>``; the row is locked)."""
    key = f"question:{client_key}"
    values = {"key": key, "window_start": now, "failures": 0}
    if w.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        w.execute(pg_insert(LoginThrottle).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        w.execute(sqlite_insert(LoginThrottle).values(**values).on_conflict_do_nothing())
    row = w.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    assert row is not None
    start = row.window_start if row.window_start.tzinfo else row.window_start.replace(tzinfo=dt.UTC)
    if start < now - PUBLIC_WINDOW:
        row.window_start, row.failures = now, 0
    if row.failures >= PUBLIC_PER_WINDOW:
        raise TooManyQuestions()
    row.failures += 1


def ask_public(
    engine: Engine,
    authority_code: str,
    fields: Mapping[str, Any],
    *,
    client_key: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A question from the public: checked, throttled per client, stored awaiting
    moderation (not public until a moderator publishes it)."""
    check(None, Permission("question", "ask"))
    code = f.authority(authority_code)
    text = f.text(fields.get("question"), "question", "the question", QUESTION_CHARS, long=True)
    key = f.text(client_key, "client", "the client key", 64)
    with writing(engine) as w:
        kind, ref = _subject(w, code, fields.get("subject_kind"), fields.get("subject_ref"))
        _reserve(w, key, now or utcnow())
        ensure_authority(w, code)
        q = Question(
            authority_code=code,
            asked_by=PUBLIC,
            subject_kind=kind,
            subject_ref=ref,
            text=text,
            asked_on=today or dt.date.today(),
            status=AWAITING,
            client_key=key,
        )
        w.add(q)
        w.flush()
        out = to_dict(q, today)
        audit.record(w, "the public", "create", "question", q.id, code, None, _audit_dict(q))
    return out


def record_committee(
    engine: Engine,
    who: Actor,
    authority_code: str,
    fields: Mapping[str, Any],
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A committee's question, put on the record by the authority's staff (public at once)."""
    code = f.authority(authority_code)
    check(who, Permission("question"), code)
    committee = f.choice(fields.get("asked_by"), "asked_by", "the committee", COMMITTEES)
    text = f.text(fields.get("question"), "question", "the question", QUESTION_CHARS, long=True)
    asked = f.date(fields.get("asked_on") or (today or dt.date.today()), "asked_on", "asked on")
    assert asked is not None
    due = f.date(fields.get("due_on"), "due_on", "the due date", required=False)
    due = due or asked + dt.timedelta(days=DEFAULT_DAYS)
    if due < asked:
        raise f.problem("due_on", f"the due date must be on or after {asked}; got {due}.")
    with writing(engine) as w:
        kind, ref = _subject(w, code, fields.get("subject_kind"), fields.get("subject_ref"))
        ensure_authority(w, code)
        q = Question(
            authority_code=code,
            asked_by=committee,
            subject_kind=kind,
            subject_ref=ref,
            text=text,
            asked_on=asked,
            due_on=due,
            status=OPEN,
            recorded_by=who.name,
        )
        w.add(q)
        w.flush()
        out = to_dict(q, today)
        audit.record(w, who.name, "create", "question", q.id, code, None, _audit_dict(q))
    return out


def _current(w: Session, question_id: int, read: int) -> Question:
    q = w.get(Question, question_id)
    if q is None:
        raise InputError(
            f"question must be the id of a recorded question; got {question_id}. See /scrutiny."
        )
    if q.version != read:
        raise StaleVersionError(f"question {question_id}", read, q.version)
    return q


def moderate(
    engine: Engine,
    who: Actor,
    question_id: int,
    read: int,
    fields: Mapping[str, Any],
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Publish a public question (with its due date) or decide not to publish it (with a
    note kept internal). Only questions awaiting moderation can be moderated."""
    outcome = f.choice(fields.get("outcome"), "outcome", "the outcome", ("publish", "refuse"))
    note = f.text(
        fields.get("note"),
        "note",
        "the moderation note",
        QUESTION_CHARS,
        required=outcome == "refuse",
        long=True,
    )
    due = f.date(fields.get("due_on"), "due_on", "the due date", required=False)
    day = today or dt.date.today()
    with f.versioned(f"question {question_id}", read), writing(engine) as w:
        q = _current(w, question_id, read)
        check(who, Permission("question", "moderate"), q.authority_code)
        if q.status != AWAITING:
            raise f.problem(
                "outcome",
                f"only questions awaiting moderation can be moderated; question {question_id} "
                f"is {q.status}. Nothing was changed.",
            )
        before = _audit_dict(q)
        q.moderation_note = note
        if outcome == "publish":
            q.status, q.due_on = OPEN, due or day + dt.timedelta(days=DEFAULT_DAYS)
            if q.due_on < q.asked_on:
                raise f.problem("due_on", f"the due date must be on or after {q.asked_on}.")
        else:
            q.status = NOT_PUBLISHED
        w.flush()
        audit.record(
            w, who.name, "moderate", "question", q.id, q.authority_code, before, _audit_dict(q)
        )
        return to_dict(q, today)


def answer(
    engine: Engine,
    who: Actor,
    question_id: int,
    read: int,
    fields: Mapping[str, Any],
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The authority's answer to an open question (an answered or unpublished question
    is closed: it cannot be answered again)."""
    text = f.text(fields.get("answer"), "answer", "the answer", ANSWER_CHARS, long=True)
    answered = f.date(
        fields.get("answered_on") or (today or dt.date.today()), "answered_on", "answered on"
    )
    with f.versioned(f"question {question_id}", read), writing(engine) as w:
        q = _current(w, question_id, read)
        check(who, Permission("question", "answer"), q.authority_code)
        if q.status != OPEN:
            raise f.problem(
                "answer",
                f"answers must be given to open questions; question {question_id} is "
                f"{q.status}, so it is closed. Nothing was changed.",
            )
        assert answered is not None
        if answered < q.asked_on:
            raise f.problem("answered_on", f"answered on must be on or after {q.asked_on}.")
        before = _audit_dict(q)
        q.answer, q.answered_on, q.status = text, answered, ANSWERED
        w.flush()
        audit.record(
            w, who.name, "answer", "question", q.id, q.authority_code, before, _audit_dict(q)
        )
        return to_dict(q, today)


def get(engine: Engine, question_id: int) -> Question:
    with Session(engine) as s:
        q = s.get(Question, question_id)
    if q is None:
        raise InputError(
            f"question must be the id of a recorded question; got {question_id}. See /scrutiny."
        )
    return q


def public(
    engine: Engine,
    authority_code: str | None = None,
    *,
    subject: tuple[str, str] | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Every published question (open or answered), newest first, as public values."""
    q = select(Question).where(Question.status.in_((OPEN, ANSWERED)))
    if authority_code:
        q = q.where(Question.authority_code == f.authority(authority_code))
    if subject is not None:
        q = q.where(Question.subject_kind == subject[0], Question.subject_ref == subject[1])
    with Session(engine) as s:
        rows = list(s.scalars(q.order_by(Question.asked_on.desc(), Question.id.desc())))
    return [to_dict(r, today) for r in rows]


def queue(engine: Engine, who: Actor) -> list[Question]:
    """Public questions awaiting moderation that ``who`` may moderate, oldest first."""
    q = select(Question).where(Question.status == AWAITING).order_by(Question.id)
    if who.role != "admin":
        q = q.where(Question.authority_code == (who.authority_code or ""))
    with Session(engine) as s:
        return list(s.scalars(q))


def overdue(engine: Engine, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Published questions past their due date without an answer, most overdue first."""
    day = today or dt.date.today()
    with Session(engine) as s:
        rows = s.scalars(select(Question).where(Question.status == OPEN, Question.due_on < day))
        out = [to_dict(r, day) for r in rows]
    return sorted(out, key=lambda r: (-r["days_overdue"], r["id"]))


@dataclass(frozen=True)
class ReminderNote:
    """A reminder written to the outbox (``written``: False when one was already written
    for that question that day)."""

    question_id: int
    authority_code: str
    days_overdue: int
    message: str
    written: bool


def write_reminders(engine: Engine, today: dt.date | None = None) -> list[ReminderNote]:
    """One reminder a day for each overdue question, in the outbox and the log."""
    day = today or dt.date.today()
    notes = []
    for item in overdue(engine, day):
        message = (
            f"Question {item['id']} to {item['authority_code']} ({item['subject_kind']} "
            f"{item['subject_ref']}) was due on {item['due_on']} and is "
            f"{item['days_overdue']} days overdue. Answer it at /scrutiny/questions/{item['id']}."
        )
        try:
            with writing(engine) as w:
                w.add(
                    Reminder(
                        question_id=item["id"],
                        authority_code=item["authority_code"],
                        sent_on=day,
                        days_overdue=item["days_overdue"],
                        message=message,
                    )
                )
            written = True
            log.warning("scrutiny reminder: %s", message)
        except IntegrityError:
            written = False  # already reminded today
        notes.append(
            ReminderNote(item["id"], item["authority_code"], item["days_overdue"], message, written)
        )
    return notes
