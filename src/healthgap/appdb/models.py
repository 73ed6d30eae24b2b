"""SQLAlchemy 2 models: users, roles, authorities, targets and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: The roles, most powerful first (what each may do: :mod:`healthgap.appdb.permissions`).
ROLES: tuple[str, ...] = ("admin", "editor", "approver", "viewer")


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every app-state table."""


class Authority(Base):
    """A local or strategic authority whose staff edit its own targets."""

    __tablename__ = "authorities"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    """A person who signs in; ``role`` is one of :data:`ROLES`."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    authority_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("authorities.code"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Bumped by sign-out, a password change or disabling: older cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Target(Base):
    """An authority's target for an indicator: reach ``target_value`` by ``target_year``."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("authorities.code"), index=True
    )
    indicator_id: Mapped[str] = mapped_column(String(100))
    #: The indicator's sex and age breakdown (None: it has one; see 0011_target_fields).
    sex: Mapped[str | None] = mapped_column(String(16), nullable=True)
    age: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: ``higher_is_better`` or ``lower_is_better`` (None: the store's polarity).
    polarity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    baseline_period: Mapped[str] = mapped_column(String(32))
    baseline_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=True)
    #: When the target was retired (kept with its history; no longer current).
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Part of the illustrative example workspace (:mod:`healthgap.examples`), not real.
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    #: Incremented by every update, which must name the version it read (a stale one
    #: matches no row: SQLAlchemy raises ``StaleDataError``, the API answers 409).
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    def to_dict(self) -> dict[str, Any]:
        """The target's fields as JSON-ready values (the audit log stores these)."""
        return target_fields(self)


def target_fields(t: Any) -> dict[str, Any]:
    """A target's fields as JSON-ready values, from a :class:`Target` or a row selected
    from its table (lists read rows: no ORM object per target)."""
    return {
        "id": t.id,
        "authority_code": t.authority_code,
        "indicator_id": t.indicator_id,
        "sex": t.sex,
        "age": t.age,
        "polarity": t.polarity,
        "baseline_period": t.baseline_period,
        "baseline_value": t.baseline_value,
        "target_year": t.target_year,
        "target_value": t.target_value,
        "note": t.note,
        "published": t.published,
        "retired_at": None if t.retired_at is None else t.retired_at.isoformat(),
        "example": bool(t.example),
        "version": t.version,
    }


class AuditEntry(Base):
    """One change: who, when, what (table, record, action), before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    authority_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class LoginAttempt(Base):
    """A failed sign-in, kept for throttling (see :mod:`healthgap.appdb.auth`)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginThrottle(Base):
    """Failed sign-ins in the current window for one key (``email:...`` or ``client:...``).

    A sign-in locks its rows before it checks a password, so parallel guesses are counted
    one after another (see :func:`healthgap.appdb.auth.authenticate`).
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer)


def ensure_authority(session: Any, code: str, name: str | None = None) -> None:
    """Add the authority ``code`` unless it exists (safe when two writers race to add it)."""
    if session.get(Authority, code) is not None:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(insert(Authority).values(code=code, name=name or code).on_conflict_do_nothing())


class SavedPlace(Base):
    """A user-defined place: a named list of LSOA (2021) or LAD (2024) codes.

    Usable wherever a footprint is (:mod:`healthgap.geography.places`). ``version`` rises
    by one on every change; a change made against an older version is refused.
    """

    __tablename__ = "places"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    level: Mapped[str] = mapped_column(String(16))
    areas: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    authority_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def to_dict(self) -> dict[str, Any]:
        """The place's fields as JSON-ready values (the audit log stores these)."""
        return {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "areas": list(self.areas),
            "description": self.description,
            "authority_code": self.authority_code,
            "version": self.version,
        }
