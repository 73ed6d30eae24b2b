"""Equity screening records with full history, stored in SQLite through SQLAlchemy 2.

A screening record is a sequence of *events*: created, answered, signed off. Events are
only ever appended (database triggers refuse UPDATE and DELETE), so the record shows
every answer ever given, by whom and when; the current state is a replay of the events.
A sign-off fingerprints (SHA-256) the answers it approved; answering again afterwards
leaves the sign-off in the history but marks the record "changed since sign-off" until
it is signed off again.

Storage sits behind :class:`ScreeningRepository`, with its own tables
(``policy_screening``, ``policy_screening_event``) and metadata, so it can later move
into the application database unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine

from healthgap.errors import InputError
from healthgap.policy.questions import QUESTIONS, STAGES, check_answer, question

metadata = MetaData()

screenings = Table(
    "policy_screening",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

events = Table(
    "policy_screening_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("screening_id", Integer, ForeignKey("policy_screening.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("question_id", String(60)),
    Column("payload", Text, nullable=False),
    UniqueConstraint("screening_id", "seq"),
)

EVENT_KINDS = ("created", "answered", "signed_off")

_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op} BEFORE {op.upper()} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: records are never edited in place'); END"
    for t in ("policy_screening", "policy_screening_event")
    for op in ("update", "delete")
]


@dataclass(frozen=True)
class Event:
    """One event of a screening's history."""

    seq: int
    at: datetime
    actor: str
    kind: str
    question_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Screening:
    """The current state of a screening, replayed from its events."""

    id: int
    title: str
    created_at: datetime
    created_by: str
    answers: dict[str, Any]
    answered_by: dict[str, tuple[str, datetime]]
    history: tuple[Event, ...]
    signoffs: tuple[Event, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the current answers (canonical JSON)."""
        return answers_fingerprint(self.answers)

    @property
    def missing(self) -> list[str]:
        """Ids of required questions not yet answered."""
        return [q.id for q in QUESTIONS if q.required and q.id not in self.answers]

    @property
    def status(self) -> str:
        """``"in progress"``, ``"ready for sign-off"``, ``"signed off"`` or
        ``"changed since sign-off"``."""
        if self.signoffs:
            last = self.signoffs[-1]
            return (
                "signed off"
                if last.payload.get("fingerprint") == self.fingerprint
                else "changed since sign-off"
            )
        return "ready for sign-off" if not self.missing else "in progress"

    def stage_answers(self, stage: str) -> list[tuple[str, str, Any]]:
        """(question id, question text, answer or None) for one stage, in order."""
        return [(q.id, q.text, self.answers.get(q.id)) for q in QUESTIONS if q.stage == stage]


def answers_fingerprint(answers: dict[str, Any]) -> str:
    """SHA-256 hex digest of the answers as canonical JSON (sorted keys)."""
    blob = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _actor(actor: Any, what: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise InputError(
            f"{what} must be a person's name; got {actor!r}. Pass e.g. by='A. Analyst' "
            "so the record shows who did it."
        )
    return actor.strip()


class ScreeningRepository:
    """Screening records in a SQLite file (or any SQLAlchemy URL).

    >>> repo = ScreeningRepository(":memory:")
    >>> sid = repo.create("Employment support pilot", by="A. Analyst")
    >>> repo.answer(sid, "deprivation", "more deprived areas gain more", by="A. Analyst")
    >>> repo.get(sid).status
    'in progress'
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        loc = str(location)
        url = loc if "://" in loc else f"sqlite:///{loc}" if loc != ":memory:" else "sqlite://"
        if "://" not in loc and loc != ":memory:":
            parent = Path(loc).expanduser().resolve().parent
            if not parent.is_dir():
                raise InputError(
                    f"the screening database folder must exist; got {str(parent)!r}. Create it "
                    "or pass --db with an existing folder."
                )
        self.engine: Engine = create_engine(url)
        self._now = now or (lambda: datetime.now(UTC))
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _fk(dbapi_conn: Any, _: Any) -> None:
                dbapi_conn.execute("PRAGMA foreign_keys=ON")

        metadata.create_all(self.engine)
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as conn:
                for ddl in _APPEND_ONLY:
                    conn.execute(text(ddl))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # ------------------------------------------------------------------ writes (append only)
    def _append(
        self, conn: Any, sid: int, actor: str, kind: str, qid: str | None, payload: dict[str, Any]
    ) -> None:
        seq = conn.execute(
            select(func.coalesce(func.max(events.c.seq), 0)).where(events.c.screening_id == sid)
        ).scalar_one()
        conn.execute(
            insert(events).values(
                screening_id=sid,
                seq=seq + 1,
                at=self._now(),
                actor=actor,
                kind=kind,
                question_id=qid,
                payload=json.dumps(payload, sort_keys=True, ensure_ascii=False),
            )
        )

    def create(self, title: str, *, by: str) -> int:
        """Start a screening; returns its id."""
        if not isinstance(title, str) or not title.strip():
            raise InputError(
                f"title must be non-empty text; got {title!r}. Name the policy or decision, "
                "e.g. 'Inclusive growth strategy 2026'."
            )
        actor = _actor(by, "by")
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(screenings).values(
                    title=title.strip(), created_at=self._now(), created_by=actor
                )
            ).inserted_primary_key
            assert key is not None
            sid = int(key[0])
            self._append(conn, sid, actor, "created", None, {"title": title.strip()})
        return int(sid)

    def answer(self, screening_id: int, question_id: str, value: Any, *, by: str) -> None:
        """Record an answer (a new event; earlier answers stay in the history)."""
        q = question(question_id)
        normalised = check_answer(q, value)
        actor = _actor(by, "by")
        self._require(screening_id)
        with self.engine.begin() as conn:
            self._append(conn, screening_id, actor, "answered", q.id, {"value": normalised})

    def sign_off(self, screening_id: int, *, by: str, role: str, statement: str = "") -> str:
        """Sign off the current answers; returns the fingerprint signed.

        Every required question must be answered. The sign-off records the signer, role,
        an optional statement and the SHA-256 fingerprint of the answers approved.
        """
        actor = _actor(by, "by")
        if not isinstance(role, str) or not role.strip():
            raise InputError(
                f"role must be the signer's role; got {role!r}. Pass e.g. role='Director of "
                "Public Health'."
            )
        state = self.get(screening_id)
        if state.missing:
            raise InputError(
                f"every required question must be answered before sign-off; got "
                f"{len(state.missing)} unanswered (first: {state.missing[0]!r}). Answer them "
                "with `healthgap policy screen answer`."
            )
        fp = state.fingerprint
        with self.engine.begin() as conn:
            self._append(
                conn,
                screening_id,
                actor,
                "signed_off",
                None,
                {"role": role.strip(), "statement": statement.strip(), "fingerprint": fp},
            )
        return fp

    # ------------------------------------------------------------------ reads
    def _require(self, screening_id: Any) -> None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(screenings.c.id).where(screenings.c.id == screening_id)
            ).first()
        if found is None:
            raise InputError(
                f"screening id must be an existing record; got {screening_id!r}. List them "
                "with `healthgap policy screen list`."
            )

    def ids(self) -> list[tuple[int, str]]:
        """(id, title) of every screening, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(screenings.c.id, screenings.c.title).order_by(screenings.c.id)
            )
            return [(int(r.id), str(r.title)) for r in rows]

    def get(self, screening_id: int) -> Screening:
        """The screening replayed from its events."""
        self._require(screening_id)
        with self.engine.connect() as conn:
            head = conn.execute(select(screenings).where(screenings.c.id == screening_id)).one()
            rows = conn.execute(
                select(events).where(events.c.screening_id == screening_id).order_by(events.c.seq)
            ).all()
        history = tuple(
            Event(
                seq=int(r.seq),
                at=_utc(r.at),
                actor=str(r.actor),
                kind=str(r.kind),
                question_id=r.question_id,
                payload=json.loads(r.payload),
            )
            for r in rows
        )
        answers: dict[str, Any] = {}
        answered_by: dict[str, tuple[str, datetime]] = {}
        for e in history:
            if e.kind == "answered" and e.question_id is not None:
                answers[e.question_id] = e.payload["value"]
                answered_by[e.question_id] = (e.actor, e.at)
        return Screening(
            id=int(head.id),
            title=str(head.title),
            created_at=_utc(head.created_at),
            created_by=str(head.created_by),
            answers=answers,
            answered_by=answered_by,
            history=history,
            signoffs=tuple(e for e in history if e.kind == "signed_off"),
        )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def stages() -> Sequence[str]:
    """The four stages in order."""
    return STAGES
