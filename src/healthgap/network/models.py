"""The network's tables in the app database (Alembic revision ``0013_network``).

* :class:`Sharing`: what an authority chooses to publish, one row per authority and kind
  (``record_id`` ``"*"``: every record of the kind) or per record; a version on each.
* :class:`FeedState`: the feed's sequence number and the hash of what it last published;
  the sequence rises by one whenever the published content changes.
* :class:`Subscription`: another deployment's feed, its pinned public key and the outcome
  of the last refresh.
* :class:`SharedItem`: what a subscription imported, in its own table (origin address,
  publisher authority, date): it never touches this deployment's own records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from healthgap.appdb.models import Base, utcnow

#: ``record_id`` of a sharing row that covers every record of its kind.
EVERY = "*"


class Sharing(Base):
    """One sharing choice: ``shared`` for (authority, kind, record or every record)."""

    __tablename__ = "network_sharing"
    __table_args__ = (UniqueConstraint("authority_code", "kind", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the audit log stores these)."""
        return {
            "id": self.id,
            "authority_code": self.authority_code,
            "kind": self.kind,
            "record_id": self.record_id,
            "shared": bool(self.shared),
            "version": self.version,
        }


class FeedState(Base):
    """The published feed's sequence number and content hash (one row, id 1)."""

    __tablename__ = "network_feed_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Subscription(Base):
    """A feed this deployment reads, with the publisher's pinned key."""

    __tablename__ = "network_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(500), unique=True, index=True)
    publisher_name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))
    key_fingerprint: Mapped[str] = mapped_column(String(80))
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_sha256: Mapped[str] = mapped_column(String(64), default="")
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_error: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the audit log and the API show these)."""
        return {
            "id": self.id,
            "address": self.address,
            "publisher_name": self.publisher_name,
            "key_fingerprint": self.key_fingerprint,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat() if self.added_at else None,
            "last_sequence": self.last_sequence,
            "last_sha256": self.last_sha256,
            "last_checked_at": self.last_checked_at.isoformat() if self.last_checked_at else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "version": self.version,
        }


class SharedItem(Base):
    """One item imported from a subscribed feed (a case study, an action, ...)."""

    __tablename__ = "network_items"
    __table_args__ = (UniqueConstraint("subscription_id", "kind", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("network_subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(500))
    authority_code: Mapped[str] = mapped_column(String(16))
    authority_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
