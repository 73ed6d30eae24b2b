"""App-database tables of the transparent-accounting ledger (on the appdb ``Base``).

Amounts are whole pence (integers), so sums are exact. Each flow carries ``flow_key``,
the SHA-256 of its natural content, so a row imported twice is stored once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from healthgap.appdb.models import Base, utcnow


class LedgerImport(Base):
    """One imported file: its name, kind, SHA-256 and what it added."""

    __tablename__ = "ledger_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_added: Mapped[int] = mapped_column(Integer)
    rows_skipped: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(320))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Part of the illustrative example workspace (:mod:`healthgap.examples`).
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LedgerAllocation(Base):
    """The budget a commissioner received for one programme in one financial year."""

    __tablename__ = "ledger_allocations"
    __table_args__ = (
        UniqueConstraint("commissioner_code", "period", "programme", name="uq_ledger_allocation"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commissioner_code: Mapped[str] = mapped_column(String(16), index=True)
    commissioner_name: Mapped[str] = mapped_column(String(200))
    commissioner_type: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    programme: Mapped[str] = mapped_column(String(100))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    source_ref: Mapped[str] = mapped_column(String(500))
    import_id: Mapped[int] = mapped_column(Integer, ForeignKey("ledger_imports.id"))
    #: Part of the illustrative example workspace (:mod:`healthgap.examples`).
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def to_dict(self) -> dict[str, Any]:
        """The allocation's fields as JSON-ready values."""
        return {
            c: getattr(self, c)
            for c in (
                "id",
                "commissioner_code",
                "commissioner_name",
                "commissioner_type",
                "period",
                "programme",
                "amount_pence",
                "source_ref",
                "import_id",
                "example",
            )
        }


class LedgerFlow(Base):
    """Money from a commissioner to a provider, for a programme, area and year."""

    __tablename__ = "ledger_flows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_key: Mapped[str] = mapped_column(String(64), unique=True)
    commissioner_code: Mapped[str] = mapped_column(String(16), index=True)
    provider_code: Mapped[str] = mapped_column(String(32))
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_type: Mapped[str] = mapped_column(String(32))
    programme: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    refund: Mapped[bool] = mapped_column(Boolean)
    source_ref: Mapped[str] = mapped_column(String(500))
    import_id: Mapped[int] = mapped_column(Integer, ForeignKey("ledger_imports.id"))
    #: Part of the illustrative example workspace (:mod:`healthgap.examples`).
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
