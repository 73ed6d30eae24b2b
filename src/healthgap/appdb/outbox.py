"""Copying the store's audit outbox into the app database's audit log.

A change to the local data layer (an upload, a withdrawal) writes its audit entry into
the store's ``audit_outbox`` in the same DuckDB transaction as the change
(:mod:`healthgap.data.local`). :func:`deliver_from` copies pending entries into the audit
log and marks them delivered; an entry already in the log (same action, entity and id: a
process was killed after the app database committed and before the outbox was marked) is
not written twice. Used by ``healthgap import`` and by the web service
(:mod:`healthgap.web.outbox`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.models import AuditEntry
from healthgap.data.local import OutboxEntry, deliver_audit


def _writer(sessions: Callable[[], Session]) -> Callable[[OutboxEntry], None]:
    def deliver_one(entry: OutboxEntry) -> None:
        with sessions() as session:
            there = session.scalar(
                select(AuditEntry.id)
                .where(
                    AuditEntry.action == entry.action,
                    AuditEntry.entity == entry.entity,
                    AuditEntry.entity_id == entry.entity_id,
                )
                .limit(1)
            )
            if there is None:
                row = audit.record(
                    session,
                    entry.user_email,
                    entry.action,
                    entry.entity,
                    entry.entity_id,
                    entry.authority_code,
                    entry.before,
                    entry.after,
                )
                row.at = entry.at
                session.commit()

    return deliver_one


def deliver_from(con: Any, sessions: Callable[[], Session]) -> int:
    """Deliver the pending audit entries of the store open for writing on ``con``."""
    return deliver_audit(con, _writer(sessions))
