"""Engine and sessions for the app database; :func:`init_db` migrates it to the head.

**Transactions.** On PostgreSQL every session is a real transaction (read committed).
SQLite's Python driver opens a transaction only at the first write, so a read followed
by a write is not atomic there. A session made by :func:`writing` therefore begins with
``BEGIN IMMEDIATE`` on SQLite, taking the write lock before its first read, so a
read-check-write sequence (a version check, an id counter, a throttle count) sees no
other writer in between; writers queue for up to :data:`BUSY_TIMEOUT_MS` instead of
failing, and WAL lets readers carry on meanwhile. On PostgreSQL the same sequences rely
on row locks (``SELECT ... FOR UPDATE``, ``UPDATE ... RETURNING``) and unique keys.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from healthgap.errors import InputError
from healthgap.package_data import package_dir

MIGRATIONS = package_dir("healthgap.appdb", "migrations")
#: The environment variable naming the app database (an SQLAlchemy URL or a file path).
DB_ENV = "HEALTHGAP_DB"
#: The app database's file name in the data directory when ``$HEALTHGAP_DB`` is not set.
APP_DB_FILE = "healthgap-app.db"
#: How long an SQLite connection waits for another writer's lock (milliseconds).
BUSY_TIMEOUT_MS = 30_000
#: Execution option naming the statement that begins an SQLite transaction.
_BEGIN = "healthgap_sqlite_begin"


def db_url(location: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of the app database ``location`` names: the one rule for every
    ``--db`` and ``$HEALTHGAP_DB``.

    A URL (it holds ``://``: ``sqlite:///app.db``, ``postgresql+psycopg://...``) is kept
    as it is; a plain file path is the SQLite file there, ``sqlite:///`` and its absolute
    path (``~`` expanded). The file's folder must exist; the file is made on first use.

    Examples
    --------
    >>> db_url("postgresql+psycopg://db/healthgap")
    'postgresql+psycopg://db/healthgap'
    >>> from pathlib import Path
    >>> db_url("app.db") == "sqlite:///" + str(Path("app.db").resolve())
    True
    """
    text = str(location).strip()
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if not text or not path.parent.is_dir():
        raise InputError(
            f"the app database must be an SQLAlchemy URL or a file in an existing folder; "
            f"got {text!r}. Create the folder first, or give a URL such as "
            "sqlite:///healthgap-app.db or postgresql+psycopg://host/db."
        )
    return f"sqlite:///{path}"


def configured_db_url() -> str | None:
    """``$HEALTHGAP_DB`` (through :func:`db_url`) when it is set (and not blank), else
    ``None``.

    For commands that touch the app database only when one is named (``healthgap import``
    delivers its audit entries then, else the web service does at start-up).
    """
    value = os.environ.get(DB_ENV, "").strip()
    return db_url(value) if value else None


def existing_db_url() -> str | None:
    """``$HEALTHGAP_DB`` when set, else the default SQLite file when it already exists,
    else ``None``: for readers (the report) that add sections only when an app database
    is there, and must not create an empty one."""
    url = configured_db_url()
    if url:
        return url
    from healthgap.data.paths import data_dir

    path = data_dir() / APP_DB_FILE
    return f"sqlite:///{path}" if path.is_file() else None


def default_db_url() -> str:
    """The app database every face uses unless told otherwise: ``$HEALTHGAP_DB``, else
    the SQLite file ``healthgap-app.db`` in the healthgap data directory
    (``$HEALTHGAP_DATA_DIR``, else a per-user folder), whose folder is created if missing.

    The web service (:class:`healthgap.web.settings.Settings`), ``healthgap serve``,
    ``healthgap users``, ``healthgap ledger``, ``healthgap policy`` and
    ``healthgap framework`` all resolve their default here, so what one writes the
    others read, whichever folder they are started from.

    Examples
    --------
    >>> import os
    >>> os.environ["HEALTHGAP_DB"] = "postgresql+psycopg://db/healthgap"
    >>> default_db_url()
    'postgresql+psycopg://db/healthgap'
    >>> del os.environ["HEALTHGAP_DB"]
    """
    url = configured_db_url()
    if url:
        return url
    from healthgap.data.paths import data_dir

    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / APP_DB_FILE}"


def write_ahead_log(dbapi_con: Any) -> None:
    """Put an SQLite database file in WAL mode (it stays so), waiting up to
    :data:`BUSY_TIMEOUT_MS` while another process holds a lock on it.

    The switch needs the file to itself, and SQLite answers "database is locked" at once
    rather than calling the busy handler: two commands opening a new database file at the
    same time met it. Once the file is in WAL mode the statement changes nothing."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            dbapi_con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def sqlite_transactions(eng: Engine, *, wal: bool = True) -> Engine:
    """Give ``eng`` (SQLite) foreign keys, WAL, a busy timeout and ``BEGIN IMMEDIATE``
    for the transactions of :func:`writing`.

    Other transactions keep the driver's own behaviour (reads in autocommit; a
    transaction opened just before the first write), so a request that reads in one
    session and writes through another never waits on itself.
    """

    @event.listens_for(eng, "connect")
    def _connect(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.execute("PRAGMA foreign_keys=ON")
        dbapi_con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if wal:
            write_ahead_log(dbapi_con)

    @event.listens_for(eng, "begin")
    def _begin(conn: Any) -> None:
        dbapi_con = conn.connection.dbapi_connection
        if conn.get_execution_options().get(_BEGIN):
            dbapi_con.isolation_level = None  # we send BEGIN ourselves
            dbapi_con.execute("BEGIN IMMEDIATE")
        elif dbapi_con.isolation_level is None:
            dbapi_con.isolation_level = ""  # back to the driver's implicit BEGIN

    return eng


def engine_for(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if memory:
            eng = create_engine(url, connect_args={"check_same_thread": False})
        else:  # a connection per worker thread, plus one for a write inside a request
            eng = create_engine(
                url, connect_args={"check_same_thread": False}, pool_size=20, max_overflow=60
            )
        return sqlite_transactions(eng, wal=not memory)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)


def alembic_config(url: str | None = None) -> Any:
    """The Alembic configuration of the app database's migrations, on ``url`` if given
    (without one it still reads the revisions, e.g. their heads)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # Alembic's config interpolates "%"; URL-encoded passwords and options carry them.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def init_db(url: str) -> Engine:
    """Run the Alembic migrations on ``url`` up to the head revisions; return an engine."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")
    return engine_for(url)


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``."""
    return sessionmaker(engine, expire_on_commit=False)


def for_writing(engine: Engine) -> Engine:
    """``engine`` whose transactions take the write lock at once on SQLite."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{_BEGIN: True})
    return engine


def release(session: Session) -> None:
    """End ``session``'s (read) transaction so its connection goes back to the pool.

    A request that has read what it needs (the user, a permission) calls this before
    it writes through :func:`writing`, so it never holds two connections at once.
    """
    session.commit()


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A session in one write transaction, committed at the end (rolled back on error).

    On SQLite the transaction begins with ``BEGIN IMMEDIATE``: writers queue (up to the
    busy timeout) instead of failing, and what they read cannot change before they write.
    """
    with Session(for_writing(engine), expire_on_commit=False) as session, session.begin():
        yield session
