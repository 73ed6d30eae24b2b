"""Alembic environment for the healthgap app database."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine, engine_from_config, event, pool

from healthgap.appdb.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL without a connection (``alembic upgrade --sql``)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def _one_migrator_at_a_time(engine: Engine) -> None:
    """On SQLite, migrate in one ``BEGIN IMMEDIATE`` transaction, DDL included.

    Python's sqlite3 driver runs ``CREATE TABLE`` outside any transaction, so two
    processes opening a new database file at once (two CLI commands) would both create
    the tables and one would fail with "table ... already exists". Holding the write lock
    from before the version is read makes the second wait, then find the head revision
    and do nothing. Alembic commits after each revision on a database it believes has no
    transactional DDL, which would let the second process in between revisions (to run
    the next one again: "duplicate column name", or "database is locked" when both
    queue for the lock): :func:`run_migrations_online` therefore runs every revision in
    the one transaction (``transactional_ddl``), which SQLite supports once the driver
    leaves transactions to us.
    """
    from healthgap.appdb.db import BUSY_TIMEOUT_MS, write_ahead_log

    @event.listens_for(engine, "connect")
    def _connect(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.isolation_level = None  # we send BEGIN ourselves
        dbapi_con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL from the start, before anyone holds a transaction (see write_ahead_log)
        if engine.url.database not in (None, "", ":memory:"):
            write_ahead_log(dbapi_con)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def run_migrations_online() -> None:
    """Migrate through a live connection."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    sqlite = connectable.dialect.name == "sqlite"
    if sqlite:
        _one_migrator_at_a_time(connectable)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite: one transaction from the version read to the last revision
            transactional_ddl=True if sqlite else None,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
