"""Storage for the framework workspace: SQLAlchemy 2 models and a versioned repository.

Every change is a new row in ``framework_records`` (kind, authority, record id, version,
JSON data, actor, time); nothing is overwritten or deleted in place. The current state of
a record is its highest version; a deletion is a version marked ``deleted``. The models
live in their own :class:`~sqlalchemy.MetaData` so the web layer's database can host them
beside its own tables.

Full-text search over case studies uses an SQLite FTS5 virtual table
(``framework_case_fts``), kept in step with the current case-study versions. On other
databases (PostgreSQL) search falls back to case-insensitive ``LIKE`` over the current
case studies (every word must appear; ranked by how often the words occur).

**Where the workspace lives.** The web service keeps it in the app database (the same
URL as its users and audit log), where Alembic revision ``0004_framework`` creates the
tables: :meth:`Workspace.app` migrates and opens it. There every change also writes an
entry to the app's audit log (who, what, before, after); the CLI opens it the same way
(:meth:`Workspace.at`). Standalone (``Workspace(path)``, for scripts and trials), it is an
SQLite file whose tables are created on first use; :meth:`Workspace.at` still opens such a
file as it is.

Permissions are checked here, in the domain layer: every write takes an :class:`Actor`
and is checked against the one permission model, :mod:`healthgap.appdb.permissions`.
Administrators may change anything; an editor may change only records of their own
authority and never the powers register; approvers and viewers change no records.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    cast,
    create_engine,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

from healthgap.appdb.db import engine_for, sqlite_transactions, writing
from healthgap.appdb.permissions import (
    ADMIN_ONLY_KINDS,
    ROLES,
    RULES,
    Actor,
    NotPermittedError,
    Permission,
    Role,
    check,
)
from healthgap.appdb.versions import StaleVersionError
from healthgap.data import paths
from healthgap.errors import InputError

__all__ = [
    "ADMIN_ONLY_KINDS",
    "ROLES",
    "SHARED",
    "Actor",
    "IdCounter",
    "NotPermittedError",
    "Record",
    "Role",
    "Version",
    "Workspace",
    "check_permission",
    "default_path",
    "metadata",
]

#: Authority code used for records that belong to no one authority.
SHARED = ""
DB_FILE = "framework.sqlite"


class Base(DeclarativeBase):
    """Declarative base with the framework's own metadata."""

    metadata = MetaData()


class Record(Base):
    """One version of one record (an action, an enquiry note, a power, a case study...)."""

    __tablename__ = "framework_records"
    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    authority_code: Mapped[str] = mapped_column(String(16), index=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdCounter(Base):
    """The last number handed out for one id prefix (see :meth:`Workspace.new_id`)."""

    __tablename__ = "framework_sequences"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


metadata = Base.metadata
#: How often a write that lost a race for a version number is retried.
_RETRIES = 8

_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS framework_case_fts USING fts5("
    "record_id UNINDEXED, title, body, tags, tokenize='porter unicode61')"
)


def default_path() -> Path:
    """``<healthgap data dir>/framework.sqlite``."""
    return paths.data_dir() / DB_FILE


def check_permission(who: Actor, kind: str, authority_code: str) -> None:
    """Raise :class:`NotPermittedError` unless ``who`` may change this record (the rules
    of :mod:`healthgap.appdb.permissions`)."""
    known = (kind, "change") in RULES
    check(who, Permission(kind if known else "record"), authority_code, label=kind)


@dataclass(frozen=True)
class Version:
    """One stored version of a record."""

    kind: str
    authority_code: str
    record_id: str
    version: int
    data: dict[str, Any]
    deleted: bool
    actor: str
    recorded_at: datetime


def _version(row: Record) -> Version:
    return Version(
        row.kind,
        row.authority_code,
        row.record_id,
        row.version,
        dict(row.data),
        row.deleted,
        row.actor,
        row.recorded_at,
    )


class Workspace:
    """A framework database: versioned records plus case-study search.

    Parameters
    ----------
    path
        An SQLite file, ``":memory:"``, an SQLAlchemy URL (``postgresql+psycopg://...``),
        or ``None`` for ``<data dir>/framework.sqlite``.

    Examples
    --------
    >>> ws = Workspace(":memory:")
    >>> admin = Actor("Ada", "admin")
    >>> ws.put(admin, "note", "E47000001", "n1", {"text": "hello"})
    1
    >>> ws.current("note")[0].data
    {'text': 'hello'}
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        engine: Engine | None = None,
        create: bool = True,
        fts: bool | None = None,
    ) -> None:
        self.engine = engine if engine is not None else _engine(path)
        sqlite = self.engine.dialect.name == "sqlite"
        if fts and not sqlite:
            raise InputError(
                f"fts must be False on {self.engine.dialect.name}; got True. FTS5 is SQLite's: "
                "other databases use the LIKE search."
            )
        if create:
            metadata.create_all(self.engine)
            if sqlite:
                with self.engine.begin() as con:
                    con.execute(text(_FTS))
        tables = set(inspect(self.engine).get_table_names())
        if "framework_records" not in tables:
            raise InputError(
                "the framework database must hold the framework_records table; got a database "
                "without it. Migrate it with healthgap.appdb.db.init_db (revision 0004_framework) "
                "or open it with create=True."
            )
        #: Search with SQLite FTS5 (True) or the portable LIKE fallback (False).
        self.fts = sqlite and "framework_case_fts" in tables if fts is None else fts
        #: Whether changes are also written to the app database's audit log.
        self.audit = "audit_log" in tables
        #: Mark every record written as part of the illustrative example workspace
        #: (``"example": true`` in its data; :mod:`healthgap.examples` sets this). A record
        #: once marked keeps the marker in every later version, whoever edits it.
        self.examples = False

    @classmethod
    def app(cls, url: str) -> Workspace:
        """The workspace in the app database at ``url``, migrated to the head revisions.

        Tables come from Alembic (revision ``0004_framework``); every change also writes
        an audit-log entry.
        """
        from healthgap.appdb.db import engine_for, init_db

        if "://" not in url:
            raise InputError(
                f"the app database must be an SQLAlchemy URL; got {url!r}. "
                "E.g. sqlite:///healthgap-app.db or postgresql+psycopg://host/db."
            )
        init_db(url).dispose()
        return cls(engine=engine_for(url), create=False)

    @classmethod
    def at(cls, url: str) -> Workspace:
        """The workspace at the app database ``url`` (:meth:`app`), or, when ``url`` is
        an SQLite file made as a standalone framework database (``Workspace(path)``: the
        framework tables and no Alembic revision), that file as it is, so that files made
        before the workspace moved into the app database still open unchanged."""
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        if file and file != ":memory:" and _standalone(Path(file)):
            return cls(file)
        return cls.app(url)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writes
    def put(
        self,
        who: Actor,
        kind: str,
        authority_code: str,
        record_id: str,
        data: dict[str, Any],
        *,
        deleted: bool = False,
        expected_version: int | None = None,
    ) -> int:
        """Store a new version of a record (after the permission check); its number.

        With ``expected_version`` (the version the change was based on; 0 for a new
        record) a record that has moved on since is refused with
        :class:`~healthgap.appdb.versions.StaleVersionError` and nothing is stored.
        Without it, a write that races another one to the same version number is
        retried on the newer version (the unique key ``(kind, record_id, version)`` lets
        only one of them in).
        """
        check_permission(who, kind, authority_code)
        for attempt in range(_RETRIES):
            try:
                return self._put(
                    who, kind, authority_code, record_id, data, deleted, expected_version
                )
            except IntegrityError:
                # Another writer stored this version number first (PostgreSQL; SQLite
                # writers queue on BEGIN IMMEDIATE and never get here).
                if expected_version is not None:
                    current = self.get(kind, record_id)
                    raise StaleVersionError(
                        f"{kind} {record_id}",
                        expected_version,
                        None if current is None else current.version,
                    ) from None
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _put(
        self,
        who: Actor,
        kind: str,
        authority_code: str,
        record_id: str,
        data: dict[str, Any],
        deleted: bool,
        expected_version: int | None,
    ) -> int:
        with writing(self.engine) as session:
            last = session.scalar(
                select(func.max(Record.version)).where(
                    Record.kind == kind, Record.record_id == record_id
                )
            )
            if expected_version is not None and (last or 0) != expected_version:
                raise StaleVersionError(f"{kind} {record_id}", expected_version, last)
            if last is not None:
                owner = session.scalar(
                    select(Record.authority_code).where(
                        Record.kind == kind, Record.record_id == record_id
                    )
                )
                if owner != authority_code:  # moving a record: may they change its owner's?
                    check_permission(who, kind, owner or SHARED)
            version = (last or 0) + 1
            before = (
                None
                if last is None
                else session.scalar(
                    select(Record.data).where(
                        Record.kind == kind,
                        Record.record_id == record_id,
                        Record.version == last,
                    )
                )
            )
            if self.examples or (before or {}).get("example"):
                data = {**data, "example": True}
            if self.audit:
                _audit(session, who, kind, authority_code, record_id, before, data, deleted)
            session.add(
                Record(
                    kind=kind,
                    authority_code=authority_code,
                    record_id=record_id,
                    version=version,
                    data=json.loads(json.dumps(data, default=str)),
                    deleted=deleted,
                    actor=f"{who.name} ({who.role})",
                    recorded_at=datetime.now(UTC),
                )
            )
            session.flush()  # a duplicate version fails here, inside the retry
            if kind == "case_study" and self.fts:
                conn = session.connection()
                conn.execute(
                    text("DELETE FROM framework_case_fts WHERE record_id = :r"), {"r": record_id}
                )
                if not deleted:
                    conn.execute(
                        text(
                            "INSERT INTO framework_case_fts (record_id, title, body, tags) "
                            "VALUES (:r, :t, :b, :g)"
                        ),
                        {
                            "r": record_id,
                            "t": str(data.get("title", "")),
                            "b": str(data.get("summary", "")) + " " + str(data.get("outcome", "")),
                            "g": " ".join(str(v) for v in _tags(data)),
                        },
                    )
        return version

    def delete(
        self,
        who: Actor,
        kind: str,
        authority_code: str,
        record_id: str,
        *,
        expected_version: int | None = None,
    ) -> int:
        """Mark a record deleted (a new version; the history is kept)."""
        last = self.get(kind, record_id)
        if last is None:
            raise InputError(
                f"record_id must name an existing {kind} record; got {record_id!r}. "
                "List them with current()."
            )
        return self.put(
            who,
            kind,
            authority_code,
            record_id,
            last.data,
            deleted=True,
            expected_version=last.version if expected_version is None else expected_version,
        )

    # ------------------------------------------------------------------ reads
    def get(self, kind: str, record_id: str) -> Version | None:
        """The latest version of one record (deleted or not), or ``None``."""
        with Session(self.engine) as session:
            row = session.scalars(
                select(Record)
                .where(Record.kind == kind, Record.record_id == record_id)
                .order_by(Record.version.desc())
                .limit(1)
            ).first()
            return None if row is None else _version(row)

    def current(self, kind: str, authority_code: str | None = None) -> list[Version]:
        """The latest, not-deleted version of every record of ``kind``, by record id."""
        latest = (
            select(Record.record_id, func.max(Record.version).label("v"))
            .where(Record.kind == kind)
            .group_by(Record.record_id)
            .subquery()
        )
        query = (
            select(Record)
            .join(
                latest,
                (Record.record_id == latest.c.record_id) & (Record.version == latest.c.v),
            )
            .where(Record.kind == kind, Record.deleted.is_(False))
            .order_by(Record.record_id)
        )
        if authority_code is not None:
            query = query.where(Record.authority_code == authority_code)
        with Session(self.engine) as session:
            return [_version(r) for r in session.scalars(query)]

    def history(self, kind: str, record_id: str) -> list[Version]:
        """Every version of one record, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Record)
                .where(Record.kind == kind, Record.record_id == record_id)
                .order_by(Record.version)
            )
            return [_version(r) for r in rows]

    def new_id(self, kind: str, prefix: str) -> str:
        """A new record id ``<prefix>-<n>``; ``n`` comes from the database.

        Each prefix has a counter row in ``framework_sequences``, advanced with one
        ``UPDATE ... SET last = last + 1 ... RETURNING last``: the database serialises
        concurrent callers on that row, so no two get the same number (there is no
        read-then-write in Python). A counter is seeded on first use past the ids of that
        prefix already stored; numbers taken by older records are skipped.
        """
        name = f"{kind}:{prefix}"
        with writing(self.engine) as session:
            if session.get(IdCounter, name) is None:
                seed = _highest_number(session, kind, prefix)
                session.execute(_insert_ignore(session, name, seed))
            while True:
                n = session.execute(
                    update(IdCounter)
                    .where(IdCounter.name == name)
                    .values(last=IdCounter.last + 1)
                    .returning(IdCounter.last)
                ).scalar_one()
                rid = f"{prefix}-{n}"
                taken = session.scalar(
                    select(func.count())
                    .select_from(Record)
                    .where(Record.kind == kind, Record.record_id == rid)
                )
                if not taken:
                    return rid

    def search_cases(self, query: str, limit: int = 20) -> list[tuple[str, float]]:
        """Case-study ids matching every word of ``query`` (FTS5, best match first).

        Each word is searched as a quoted FTS5 string, so FTS syntax (``"``, ``*``,
        ``NEAR(``, ``AND``, ``col:``) is text, never an operator; control characters and
        lone surrogates (which SQLite cannot take) are refused with a plain message.
        """
        bad = _UNSEARCHABLE.search(query)
        if bad:
            raise InputError(
                f"the search must be plain text; got the control character "
                f"U+{ord(bad.group()):04X} at character {bad.start() + 1}. Remove it and "
                "search again."
            )
        if len(query) > 500:
            raise InputError(
                f"the search must be at most 500 characters; got {len(query):,}. Use a few "
                "words, e.g. 'active travel'."
            )
        words = [w for w in query.split() if w.strip()]
        if not words:
            raise InputError(
                "the search must contain at least one word; got an empty query. "
                "Try e.g. 'active travel'."
            )
        if not self.fts:
            return self._like_search(words, limit)
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        with self.engine.connect() as con:
            rows = con.execute(
                text(
                    "SELECT record_id, bm25(framework_case_fts) AS score "
                    "FROM framework_case_fts WHERE framework_case_fts MATCH :q "
                    "ORDER BY score LIMIT :n"
                ),
                {"q": match, "n": limit},
            ).all()
        return [(str(r[0]), float(r[1])) for r in rows]

    def _like_search(self, words: list[str], limit: int) -> list[tuple[str, float]]:
        """The portable search: current case studies whose JSON text holds every word
        (case-insensitive LIKE); score = minus the number of occurrences (best first)."""
        latest = (
            select(Record.record_id, func.max(Record.version).label("v"))
            .where(Record.kind == "case_study")
            .group_by(Record.record_id)
            .subquery()
        )
        body = func.lower(cast(Record.data, Text))
        query = (
            select(Record)
            .join(
                latest,
                (Record.record_id == latest.c.record_id) & (Record.version == latest.c.v),
            )
            .where(Record.kind == "case_study", Record.deleted.is_(False))
        )
        for w in words:
            escaped = w.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(body.like(f"%{escaped}%", escape="\\"))
        with Session(self.engine) as session:
            rows = list(session.scalars(query))
        scored = []
        for r in rows:
            blob = " ".join(
                [
                    str(r.data.get("title", "")),
                    str(r.data.get("summary", "")),
                    str(r.data.get("outcome", "")),
                    *_tags(r.data),
                ]
            ).lower()
            if all(w.lower() in blob for w in words):  # not just in the JSON keys
                scored.append((r.record_id, -float(sum(blob.count(w.lower()) for w in words))))
        scored.sort(key=lambda t: (t[1], t[0]))
        return scored[:limit]


#: What a case-study search may not contain: control characters and lone surrogates.
_UNSEARCHABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _audit(
    session: Session,
    who: Actor,
    kind: str,
    authority_code: str,
    record_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    deleted: bool,
) -> None:
    """An app audit-log entry for one framework change (same transaction)."""
    from healthgap.appdb.audit import record

    action = "delete" if deleted else ("create" if before is None else "update")
    record(
        session,
        who.name,
        action,
        f"framework_{kind}",
        record_id,
        authority_code or None,
        None if before is None else dict(before),
        None if deleted else json.loads(json.dumps(after, default=str)),
    )


def _highest_number(session: Session, kind: str, prefix: str) -> int:
    """The highest ``n`` of the stored ids ``<prefix>-<n>`` of ``kind`` (0 if none)."""
    ids = session.scalars(
        select(func.distinct(Record.record_id)).where(
            Record.kind == kind, Record.record_id.like(f"{prefix}-%")
        )
    )
    numbers = [int(i[len(prefix) + 1 :]) for i in ids if i[len(prefix) + 1 :].isdigit()]
    return max(numbers, default=0)


def _insert_ignore(session: Session, name: str, seed: int) -> Any:
    """``INSERT`` a counter row unless another writer has just done so."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(IdCounter).values(name=name, last=seed).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(IdCounter).values(name=name, last=seed).on_conflict_do_nothing()


def _tags(data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("levers", "competences", "population_groups", "outcomes"):
        value = data.get(key) or []
        out.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return out


def _standalone(path: Path) -> bool:
    """Whether the SQLite file ``path`` is a standalone framework database: it holds the
    framework's records but no Alembic revision (an app database holds both)."""
    if not path.is_file():
        return False
    import sqlite3

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError:
        return False  # not an SQLite file: the app database's own error says so
    finally:
        con.close()
    return "framework_records" in names and "alembic_version" not in names


def _engine(path: str | os.PathLike[str] | None) -> Engine:
    if path is None:
        location = default_path()
        location.parent.mkdir(parents=True, exist_ok=True)
        return engine_for(f"sqlite:///{location}")
    text_path = str(path)
    if text_path == ":memory:":
        return sqlite_transactions(
            create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            ),
            wal=False,
        )
    if "://" in text_path:
        return engine_for(text_path)
    location = Path(text_path)
    if not location.parent.is_dir():
        raise InputError(
            f"the framework database must be in an existing folder; got {text_path!r}. "
            "Create the folder first or pass another path."
        )
    return engine_for(f"sqlite:///{location}")
