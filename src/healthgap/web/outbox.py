"""Delivering the store's audit outbox to the app database's audit log.

A change to the local data layer (an upload, a withdrawal) writes its audit entry into
the store's ``audit_outbox`` in the same DuckDB transaction as the change
(:mod:`healthgap.data.local`). :func:`deliver` copies pending entries into the app
database's audit log and marks them delivered; an entry already in the log (same action,
entity and id: a process was killed after the app database committed and before the
outbox was marked) is not written twice. The app delivers after every write and once at
start-up, so changes made by ``healthgap import`` or by a process that was killed reach
the audit log too. Copying the entries is :func:`healthgap.appdb.outbox.deliver_from`
(shared with ``healthgap import``); this module adds the web service's store handle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from healthgap.appdb.outbox import deliver_from
from healthgap.data.local import pending_audit
from healthgap.web.deps import StoreHandle

log = logging.getLogger(__name__)


def deliver(handle: StoreHandle, sessions: Callable[[], Session]) -> int:
    """Deliver every pending audit entry of ``handle``'s store; returns how many."""
    return int(handle.write(lambda con: deliver_from(con, sessions)))


def deliver_soon(handle: StoreHandle, sessions: Callable[[], Session]) -> int:
    """:func:`deliver` after a write: a failure (the app database down) is logged, not
    raised; the entries stay in the outbox for the next write or start-up."""
    try:
        return deliver(handle, sessions)
    except Exception as exc:
        log.warning("audit outbox not delivered yet: %s", exc)
        return 0


def deliver_at_start(handle: StoreHandle, sessions: Callable[[], Session]) -> int:
    """Deliver what a killed or command-line write left in the outbox (if anything).

    Looks first with a read-only connection, so a store with nothing pending is not
    opened for writing; a missing or locked store is left for later (logged).
    """
    import duckdb

    from healthgap.data import paths
    from healthgap.errors import InputError

    try:
        location = paths.store_path(handle.path)
        if location == paths.MEMORY or not Path(location).is_file():
            return 0
        con: Any = duckdb.connect(location, read_only=True)
    except (duckdb.Error, OSError, InputError):
        return 0  # no store yet, or held by another process: delivered later
    try:
        waiting = len(pending_audit(con))
    finally:
        con.close()
    if not waiting:
        return 0
    try:
        return deliver(handle, sessions)
    except Exception as exc:  # the app must start even when the store is busy
        log.warning("audit outbox not delivered at start-up: %s", exc)
        return 0
