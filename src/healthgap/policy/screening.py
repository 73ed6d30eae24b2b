"""Equity screening records with full history, stored in the app database.

A screening record belongs to one authority and is a sequence of *events*: created,
answered, signed off. Events are only ever appended (database triggers refuse UPDATE and
DELETE, see the Alembic revision ``0003_policy``), so the record shows every answer ever
given, by whom and when; the current state is a replay of the events. A sign-off
fingerprints (SHA-256) the answers it approved; answering again afterwards leaves the
sign-off in the history but marks the record "changed since sign-off" until it is signed
off again. Every create, answer and sign-off also writes an entry to the audit log
(:mod:`healthgap.appdb.audit`) in the same transaction.

The tables (``policy_screening``, ``policy_screening_event``) live in the application
database, the one every face uses (:func:`healthgap.appdb.db.default_db_url`:
``$HEALTHGAP_DB``, else ``healthgap-app.db`` in the data directory);
:class:`ScreeningRepository` migrates it to the head
revisions when it opens it. :func:`import_store` copies the records of a separate
screening file from earlier versions into it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import db_url, default_db_url, writing
from healthgap.appdb.models import ensure_authority
from healthgap.appdb.permissions import (
    Actor,
    NotPermittedError,
    check_sign_off,
    separate_sign_off,
)
from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.policy.questions import QUESTIONS, STAGES, check_answer, question

#: The screening tables as created by the Alembic revision ``0003_policy``.
metadata = MetaData()

screenings = Table(
    "policy_screening",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("authority_code", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(320), nullable=False),
    # Part of the illustrative example workspace (healthgap.examples); 0011_examples.
    Column("example", Boolean, nullable=False, server_default=false()),
)

events = Table(
    "policy_screening_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("screening_id", Integer, ForeignKey("policy_screening.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("question_id", String(60)),
    Column("payload", Text, nullable=False),
    UniqueConstraint("screening_id", "seq"),
)

EVENT_KINDS = ("created", "answered", "signed_off")


class StaleAnswersError(StaleVersionError):
    """The answers changed between the signer's read and the sign-off."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.read = None
        self.current = None


#: The audit log's ``entity`` for screening records.
AUDIT_ENTITY = "policy_screening"
_AUTHORITY = re.compile(r"[A-Z][A-Z0-9]{1,15}")


def authority_code(value: Any) -> str:
    """``value`` as an authority code (upper case letters and digits, 2 to 16 long).

    >>> authority_code(" e47000001 ")
    'E47000001'
    """
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _AUTHORITY.fullmatch(code):
        raise InputError(
            f"authority must be an authority code of 2 to 16 letters and digits; got "
            f"{value!r}. Give the ONS code, e.g. E47000001 (a combined authority) or "
            "E08000025 (a council)."
        )
    return code


#: How a person is named to readers who are not signed in.
STAFF_LABEL = "a staff member"


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
    authority_code: str = ""
    #: Part of the illustrative example workspace (:mod:`healthgap.examples`), not real.
    example: bool = False

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the current answers (canonical JSON)."""
        return answers_fingerprint(self.answers)

    @property
    def version(self) -> int:
        """The record's version: the sequence number of its last event (0 before any).

        Every answer or sign-off appends an event, so the version moves with each change;
        an answer names the version it was based on (:meth:`ScreeningRepository.answer`).
        """
        return self.history[-1].seq if self.history else 0

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

    def published(self) -> Screening | None:
        """The record as it stood at its last sign-off (``None`` if never signed off).

        This is what the public sees: answers given after the last sign-off are not
        shown until someone signs them off.
        """
        if not self.signoffs:
            return None
        last = self.signoffs[-1].seq
        return replay(replace(self, history=()), [e for e in self.history if e.seq <= last])

    def without_people(self, label: str = STAFF_LABEL) -> Screening:
        """The record with every person's email (creator, answerers, signers) replaced
        by ``label``: what anonymous readers see. Emails of staff are personal data;
        the sign-off's stated role (e.g. "Director of Public Health") stays."""
        return replace(
            self,
            created_by=label,
            answered_by={q: (label, at) for q, (_, at) in self.answered_by.items()},
            history=tuple(replace(e, actor=label) for e in self.history),
            signoffs=tuple(replace(e, actor=label) for e in self.signoffs),
        )


def replay(head: Screening, history: Iterable[Event]) -> Screening:
    """``head`` (id, title, authority, creation) with the state replayed from ``history``."""
    ordered = tuple(sorted(history, key=lambda e: e.seq))
    answers: dict[str, Any] = {}
    answered_by: dict[str, tuple[str, datetime]] = {}
    for e in ordered:
        if e.kind == "answered" and e.question_id is not None:
            answers[e.question_id] = e.payload["value"]
            answered_by[e.question_id] = (e.actor, e.at)
    return replace(
        head,
        answers=answers,
        answered_by=answered_by,
        history=ordered,
        signoffs=tuple(e for e in ordered if e.kind == "signed_off"),
    )


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


def _url(location: str | os.PathLike[str]) -> str:
    loc = str(location)
    if "://" in loc:
        return loc
    parent = Path(loc).expanduser().resolve().parent
    if not parent.is_dir():
        raise InputError(
            f"the screening database folder must exist; got {str(parent)!r}. Create it "
            "or pass --db with an existing folder."
        )
    return db_url(loc)


class ScreeningRepository:
    """Screening records in the app database (a URL, a SQLite file or an open engine).

    Parameters
    ----------
    location:
        ``None`` (the web service's app database, :func:`default_db_url`), a SQLAlchemy
        URL (``sqlite:///app.db``, ``postgresql+psycopg://...``), a SQLite file path,
        ``":memory:"`` (a private throw-away database, for trials), or an open
        :class:`~sqlalchemy.engine.Engine` of an already migrated database (the web
        service's). URLs and paths are migrated to the head revisions first.
    now:
        The clock (for tests); default UTC now.

    >>> repo = ScreeningRepository(":memory:")
    >>> sid = repo.create("Employment support pilot", authority="E47000001", by="A. Analyst")
    >>> repo.answer(sid, "deprivation", "more deprived areas gain more", by="A. Analyst")
    >>> repo.get(sid).status
    'in progress'
    >>> repo.close()
    """

    def __init__(
        self,
        location: str | os.PathLike[str] | Engine | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        from healthgap.appdb.db import init_db

        self._now = now or (lambda: datetime.now(UTC))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._owned = not isinstance(location, Engine)
        if isinstance(location, Engine):
            self.engine: Engine = location
            return
        if location is None:
            url = default_db_url()
        elif str(location) == ":memory:":
            # A private throw-away database: a migrated SQLite file in a temporary
            # folder removed on close (Alembic migrates through its own connection, so
            # a true in-memory database would not survive the migration).
            self._tmp = tempfile.TemporaryDirectory(prefix="healthgap-screening-")
            url = f"sqlite:///{Path(self._tmp.name) / 'screening.db'}"
        else:
            url = _url(location)
        self.engine = init_db(url)

    def close(self) -> None:
        """Release the database connections (an engine passed in is left open)."""
        if self._owned:
            self.engine.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # ------------------------------------------------------------------ writes (append only)
    def _append(
        self,
        session: Session,
        sid: int,
        actor: str,
        kind: str,
        qid: str | None,
        payload: dict[str, Any],
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> int:
        # Appends to one record queue on its head row (PostgreSQL: a row lock, which fires
        # no UPDATE trigger; SQLite: the write transaction began IMMEDIATE), so the next
        # sequence number read here is still free when it is written.
        session.execute(select(screenings.c.id).where(screenings.c.id == sid).with_for_update())
        seq = session.execute(
            select(func.coalesce(func.max(events.c.seq), 0)).where(events.c.screening_id == sid)
        ).scalar_one()
        if expected_version is not None and int(seq) != expected_version:
            raise StaleVersionError(f"screening {sid}", expected_version, int(seq))
        session.execute(
            insert(events).values(
                screening_id=sid,
                seq=seq + 1,
                at=at or self._now(),
                actor=actor,
                kind=kind,
                question_id=qid,
                payload=json.dumps(payload, sort_keys=True, ensure_ascii=False),
            )
        )
        return int(seq + 1)

    def _new(
        self,
        session: Session,
        title: str,
        authority: str,
        actor: str,
        at: datetime,
        example: bool = False,
    ) -> int:
        ensure_authority(session, authority)
        new_id = session.execute(
            insert(screenings)
            .values(
                authority_code=authority,
                title=title,
                created_at=at,
                created_by=actor,
                example=example,
            )
            .returning(screenings.c.id)
        ).scalar_one()
        return int(new_id)

    def create(self, title: str, *, authority: str, by: str, example: bool = False) -> int:
        """Start a screening for ``authority`` (an ONS code); returns its id.

        ``example``: part of the illustrative example workspace (:mod:`healthgap.examples`),
        tagged "Example" wherever it is shown and removable with it.
        """
        if not isinstance(title, str) or not title.strip():
            raise InputError(
                f"title must be non-empty text; got {title!r}. Name the policy or decision, "
                "e.g. 'Inclusive growth strategy 2026'."
            )
        if len(title.strip()) > 300:
            raise InputError(
                f"title must be at most 300 characters; got {len(title.strip())}. Put the "
                "detail in the summary answer."
            )
        code = authority_code(authority)
        actor = _actor(by, "by")
        at = self._now()
        with writing(self.engine) as session:
            sid = self._new(session, title.strip(), code, actor, at, example)
            self._append(session, sid, actor, "created", None, {"title": title.strip()}, at)
            audit.record(
                session, actor, "create", AUDIT_ENTITY, sid, code, None, {"title": title.strip()}
            )
        return sid

    def answer(
        self,
        screening_id: int,
        question_id: str,
        value: Any,
        *,
        by: str,
        expected_version: int | None = None,
    ) -> None:
        """Record an answer (a new event; earlier answers stay in the history).

        With ``expected_version`` (the :attr:`Screening.version` the writer read) a record
        changed since is refused with :class:`~healthgap.appdb.versions.StaleVersionError`
        and nothing is stored.
        """
        self.answer_all(
            screening_id, {question_id: value}, by=by, expected_version=expected_version
        )

    def answer_all(
        self,
        screening_id: int,
        answers: Mapping[str, Any],
        *,
        by: str,
        expected_version: int | None = None,
    ) -> int:
        """Record several answers in one transaction (all or none); returns the new version.

        With ``expected_version`` the check and the writes happen under the record's lock,
        so of two writers who read the same version exactly one succeeds; the other gets
        :class:`~healthgap.appdb.versions.StaleVersionError` and nothing of theirs is stored.
        """
        checked = [
            (q.id, check_answer(q, v)) for q, v in ((question(k), v) for k, v in answers.items())
        ]
        if not checked:
            raise InputError(
                f"an answer update of screening {screening_id} must hold at least one answer; "
                "got none. Name a question id and its answer."
            )
        actor = _actor(by, "by")
        before = self.get(screening_id)
        for attempt in range(8):
            try:
                with writing(self.engine) as session:
                    seq = 0
                    for qid, normalised in checked:
                        seq = self._append(
                            session,
                            screening_id,
                            actor,
                            "answered",
                            qid,
                            {"value": normalised},
                            expected_version=expected_version if seq == 0 else None,
                        )
                        audit.record(
                            session,
                            actor,
                            "answer",
                            AUDIT_ENTITY,
                            screening_id,
                            before.authority_code,
                            {qid: before.answers.get(qid)},
                            {qid: normalised, "seq": seq},
                        )
                return seq
            except IntegrityError:
                # another event took this sequence number first (PostgreSQL; SQLite
                # writers queue on BEGIN IMMEDIATE): append after it
                if attempt == 7:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def sign_off(
        self,
        screening_id: int,
        *,
        by: str,
        role: str,
        statement: str = "",
        actor: Actor | None = None,
        expected_fingerprint: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Sign off the current answers; returns the fingerprint signed.

        Every required question must be answered. The sign-off records the signer, role,
        an optional statement and the SHA-256 fingerprint of the answers approved.

        The signer must not be one of the record's authors (its creator or anyone who
        answered), unless the deployment allows it (``HEALTHGAP_SEPARATE_SIGN_OFF=0``);
        with ``actor`` (a signed-in account) the ``screening.sign_off`` permission of
        :mod:`healthgap.appdb.permissions` is checked too (an approver or administrator).
        With ``expected_fingerprint`` (the answers the signer saw) a record whose answers
        changed since is refused with :class:`~healthgap.appdb.versions.StaleVersionError`;
        so, with ``expected_version``, is a record with any event since that version
        (checked under the record's lock, with the write).
        """
        actor_name = _actor(by, "by")
        state = self.get(screening_id)
        authors = {state.created_by, *(e.actor for e in state.history if e.kind == "answered")}
        if actor is not None:
            check_sign_off(actor, state.authority_code, authors)
        elif separate_sign_off() and actor_name.lower() in {a.lower() for a in authors}:
            raise NotPermittedError(
                f"a screening must be signed off by someone who did not write its answers; "
                f"got {actor_name}, who wrote some of them. Ask another approver of "
                f"{state.authority_code} (a deployment may allow self sign-off with "
                "HEALTHGAP_SEPARATE_SIGN_OFF=0)."
            )
        if expected_fingerprint is not None and expected_fingerprint != state.fingerprint:
            raise StaleAnswersError(
                f"screening {screening_id}'s answers were changed by someone else since you "
                "read them: the fingerprint you signed is not that of the current answers. "
                "Nothing was signed. Reload the record, read the answers and sign again."
            )
        if not isinstance(role, str) or not role.strip():
            raise InputError(
                f"role must be the signer's role; got {role!r}. Pass e.g. role='Director of "
                "Public Health'."
            )
        if state.missing:
            raise InputError(
                f"every required question must be answered before sign-off; got "
                f"{len(state.missing)} unanswered (first: {state.missing[0]!r}). Answer them "
                "with `healthgap policy screen answer`."
            )
        fp = state.fingerprint
        payload = {"role": role.strip(), "statement": statement.strip(), "fingerprint": fp}
        with writing(self.engine) as session:
            seq = self._append(
                session,
                screening_id,
                actor_name,
                "signed_off",
                None,
                payload,
                expected_version=expected_version,
            )
            audit.record(
                session,
                actor_name,
                "sign_off",
                AUDIT_ENTITY,
                screening_id,
                state.authority_code,
                {"status": state.status},
                {**payload, "seq": seq},
            )
        return fp

    # ------------------------------------------------------------------ reads
    def ids(self, authority: str | None = None) -> list[tuple[int, str]]:
        """(id, title) of every screening (of one authority if given), oldest first."""
        q = select(screenings.c.id, screenings.c.title).order_by(screenings.c.id)
        if authority is not None:
            q = q.where(screenings.c.authority_code == authority_code(authority))
        with self.engine.connect() as conn:
            return [(int(r.id), str(r.title)) for r in conn.execute(q)]

    def get(self, screening_id: int) -> Screening:
        """The screening replayed from its events."""
        found = self.records(ids=[screening_id])
        if not found:
            raise InputError(
                f"screening id must be an existing record; got {screening_id!r}. List them "
                "with `healthgap policy screen list`."
            )
        return found[0]

    def records(
        self,
        authorities: Sequence[str] | None = None,
        *,
        ids: Sequence[int] | None = None,
    ) -> list[Screening]:
        """Screenings (all, or of some authorities, or by id), replayed, oldest first.

        Two queries whatever the number of records: the heads, then all their events.
        """
        q = select(screenings).order_by(screenings.c.id)
        if authorities is not None:
            q = q.where(screenings.c.authority_code.in_([authority_code(a) for a in authorities]))
        if ids is not None:
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                return []
            q = q.where(screenings.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            heads = conn.execute(q).all()
            wanted = [int(h.id) for h in heads]
            rows = (
                conn.execute(
                    select(events)
                    .where(events.c.screening_id.in_(wanted))
                    .order_by(events.c.screening_id, events.c.seq)
                ).all()
                if wanted
                else []
            )
        by_id: dict[int, list[Event]] = {i: [] for i in wanted}
        for r in rows:
            by_id[int(r.screening_id)].append(
                Event(
                    seq=int(r.seq),
                    at=_utc(r.at),
                    actor=str(r.actor),
                    kind=str(r.kind),
                    question_id=r.question_id,
                    payload=json.loads(r.payload),
                )
            )
        return [
            replay(
                Screening(
                    id=int(h.id),
                    title=str(h.title),
                    created_at=_utc(h.created_at),
                    created_by=str(h.created_by),
                    answers={},
                    answered_by={},
                    history=(),
                    authority_code=str(h.authority_code),
                    example=bool(h.example),
                ),
                by_id[int(h.id)],
            )
            for h in heads
        ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def import_store(
    path: str | os.PathLike[str],
    repo: ScreeningRepository,
    *,
    authority: str,
    by: str,
) -> list[tuple[int, int]]:
    """Copy every record of a separate screening file (earlier versions) into ``repo``.

    The old file had no authorities: every record is filed under ``authority``. Each
    event keeps its time, actor, kind and payload; records get new ids. All or nothing,
    in one transaction, with one audit entry per record. A file is imported once: a
    second import of the same file (by its resolved path) is refused.

    Returns (old id, new id) pairs.
    """
    src = Path(path).expanduser()
    if not src.is_file():
        raise InputError(
            f"FILE must be an existing screening database; got {str(src)!r}. Give the "
            "path of the SQLite file used with --db before."
        )
    code = authority_code(authority)
    actor = _actor(by, "by")
    key = "sha256:" + hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:40]
    try:
        with sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True) as con:
            heads = con.execute(
                "SELECT id, title, created_at, created_by FROM policy_screening ORDER BY id"
            ).fetchall()
            rows = con.execute(
                "SELECT screening_id, seq, at, actor, kind, question_id, payload "
                "FROM policy_screening_event ORDER BY screening_id, seq"
            ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"FILE must be a screening database (tables policy_screening and "
            f"policy_screening_event); got {str(src)!r} ({exc}). Check the path."
        ) from None
    with Session(repo.engine) as session, session.begin():
        done = session.scalar(
            select(func.count())
            .select_from(audit.AuditEntry)
            .where(audit.AuditEntry.entity == "policy_screening_store")
            .where(audit.AuditEntry.entity_id == key)
        )
        if done:
            raise InputError(
                f"FILE must not have been imported before; got {str(src)!r}, already "
                "imported (see the audit log). Its records are in the app database."
            )
        pairs: list[tuple[int, int]] = []
        for old_id, title, created_at, created_by in heads:
            at = _parse_time(created_at)
            new_id = repo._new(session, str(title), code, str(created_by), at)
            for sid, _seq, ev_at, ev_actor, kind, qid, payload in rows:
                if sid == old_id:
                    repo._append(
                        session,
                        new_id,
                        str(ev_actor),
                        str(kind),
                        qid,
                        json.loads(payload),
                        _parse_time(ev_at),
                    )
            audit.record(
                session,
                actor,
                "import",
                AUDIT_ENTITY,
                new_id,
                code,
                None,
                {"title": str(title), "from": str(src.resolve()), "old_id": int(old_id)},
            )
            pairs.append((int(old_id), new_id))
        audit.record(
            session,
            actor,
            "import",
            "policy_screening_store",
            key,
            code,
            None,
            {"file": str(src.resolve()), "records": len(pairs)},
        )
    return pairs


def _parse_time(value: Any) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return _utc(at)


def stages() -> Sequence[str]:
    """The four stages in order."""
    return STAGES
