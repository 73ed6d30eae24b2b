"""The audit log: every change records who, when, what, before and after."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb.models import AuditEntry
from healthgap.safe_csv import rows_to_csv

COLUMNS = ("id", "at", "user_email", "action", "entity", "entity_id", "authority_code")


def record(
    session: Session,
    user_email: str,
    action: str,
    entity: str,
    entity_id: Any,
    authority_code: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the change it describes)."""
    entry = AuditEntry(
        user_email=user_email,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        authority_code=authority_code,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def entries(session: Session, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Audit entries, newest first, as dictionaries."""
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    return [
        {
            **{c: getattr(e, c) for c in COLUMNS},
            "at": e.at.isoformat(),
            "before": e.before,
            "after": e.after,
        }
        for e in rows
    ]


def export_csv(session: Session) -> str:
    """The whole audit log as CSV (before/after as JSON text), oldest first."""
    rows = (
        [
            e.id,
            e.at.isoformat(),
            e.user_email,
            e.action,
            e.entity,
            e.entity_id,
            e.authority_code or "",
            json.dumps(e.before, sort_keys=True) if e.before is not None else "",
            json.dumps(e.after, sort_keys=True) if e.after is not None else "",
        ]
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    )
    return rows_to_csv([*COLUMNS, "before", "after"], rows)
