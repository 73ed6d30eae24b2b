"""Framework workspace tables: versioned records and (on SQLite) the case-study FTS5 index.

Revision ID: 0004_framework
Revises: 0003_policy

The devolution framework (:mod:`healthgap.framework`) keeps every change as a new row of
``framework_records``. On SQLite the case-study search uses an FTS5 virtual table,
``framework_case_fts``; other databases search with LIKE (see
:meth:`healthgap.framework.storage.Workspace.search_cases`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_framework"
down_revision = "0003_policy"
branch_labels = None
depends_on = None

FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS framework_case_fts USING fts5("
    "record_id UNINDEXED, title, body, tags, tokenize='porter unicode61')"
)


def upgrade() -> None:
    """Create ``framework_records`` (and ``framework_case_fts`` on SQLite)."""
    op.create_table(
        "framework_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "record_id", "version"),
    )
    op.create_index("ix_framework_records_kind", "framework_records", ["kind"])
    op.create_index("ix_framework_records_authority_code", "framework_records", ["authority_code"])
    op.create_index("ix_framework_records_record_id", "framework_records", ["record_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS)


def downgrade() -> None:
    """Drop the framework tables."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS framework_case_fts")
    op.drop_index("ix_framework_records_record_id", "framework_records")
    op.drop_index("ix_framework_records_authority_code", "framework_records")
    op.drop_index("ix_framework_records_kind", "framework_records")
    op.drop_table("framework_records")
