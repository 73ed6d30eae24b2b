"""The transparent-accounting ledger: imports, allocations and flows.

Revision ID: 0002_ledger
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ledger"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the ledger tables."""
    op.create_table(
        "ledger_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_added", sa.Integer, nullable=False),
        sa.Column("rows_skipped", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(320), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ledger_imports_sha256", "ledger_imports", ["sha256"])
    op.create_table(
        "ledger_allocations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commissioner_code", sa.String(16), nullable=False),
        sa.Column("commissioner_name", sa.String(200), nullable=False),
        sa.Column("commissioner_type", sa.String(32), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("programme", sa.String(100), nullable=False),
        sa.Column("amount_pence", sa.BigInteger, nullable=False),
        sa.Column("source_ref", sa.String(500), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("ledger_imports.id"), nullable=False),
        sa.UniqueConstraint(
            "commissioner_code", "period", "programme", name="uq_ledger_allocation"
        ),
    )
    op.create_index(
        "ix_ledger_allocations_commissioner_code", "ledger_allocations", ["commissioner_code"]
    )
    op.create_table(
        "ledger_flows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("flow_key", sa.String(64), nullable=False, unique=True),
        sa.Column("commissioner_code", sa.String(16), nullable=False),
        sa.Column("provider_code", sa.String(32), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("provider_type", sa.String(32), nullable=False),
        sa.Column("programme", sa.String(100), nullable=False),
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("amount_pence", sa.BigInteger, nullable=False),
        sa.Column("refund", sa.Boolean, nullable=False),
        sa.Column("source_ref", sa.String(500), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("ledger_imports.id"), nullable=False),
    )
    op.create_index("ix_ledger_flows_commissioner_code", "ledger_flows", ["commissioner_code"])


def downgrade() -> None:
    """Drop the ledger tables."""
    op.drop_table("ledger_flows")
    op.drop_table("ledger_allocations")
    op.drop_table("ledger_imports")
