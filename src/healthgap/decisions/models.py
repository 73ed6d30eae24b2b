"""The app-database tables of the accountability loop (Alembic revision ``0012_decisions``).

* ``decisions``: the decisions register. A decision belongs to one authority; its linked
  screenings, targets, actions, documents and the screening recommendations with the
  decision maker's responses are JSON lists on the row, so the decision and what changed
  because of its screening move together under one version.
* ``scrutiny_questions``: questions asked by a committee or the public, their moderation,
  due date and answer. The client key (a salted hash of the asker's address, for the
  throttle) is never shown.
* ``scrutiny_reminders``: the outbox of reminders written for overdue answers
  (append-only; no email leaves the machine).
* ``cycle_steps``: the annual cycle of an authority, one row per step and year.

Every mutable row carries ``version`` (SQLAlchemy's ``version_id_col``: an UPDATE names
the version it read, a stale one matches no row and is refused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from healthgap.appdb.models import Base, utcnow


class Decision(Base):
    """One decision of an authority, with its screenings and what changed after them."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("authorities.code"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    decision_maker: Mapped[str] = mapped_column(String(200))
    directorate: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[dt.date] = mapped_column(Date, index=True)
    forward_plan_ref: Mapped[str] = mapped_column(String(100), default="")
    key_decision: Mapped[bool] = mapped_column(Boolean, default=False)
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    screenings: Mapped[list[int]] = mapped_column(JSON, default=list)
    targets: Mapped[list[int]] = mapped_column(JSON, default=list)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class Question(Base):
    """A question on the record: asked, moderated, answered (or refused at moderation)."""

    __tablename__ = "scrutiny_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("authorities.code"), index=True
    )
    asked_by: Mapped[str] = mapped_column(String(40))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_ref: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    asked_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(320), default="")
    client_key: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class Reminder(Base):
    """A reminder written for an overdue answer (the outbox; never sent by the app)."""

    __tablename__ = "scrutiny_reminders"
    __table_args__ = (UniqueConstraint("question_id", "sent_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(Integer, ForeignKey("scrutiny_questions.id"))
    authority_code: Mapped[str] = mapped_column(String(16))
    sent_on: Mapped[dt.date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class CycleStep(Base):
    """One step of an authority's annual cycle in one year, with status and evidence."""

    __tablename__ = "cycle_steps"
    __table_args__ = (UniqueConstraint("authority_code", "year", "step"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("authorities.code"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)
