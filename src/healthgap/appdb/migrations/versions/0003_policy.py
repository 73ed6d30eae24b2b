"""Policy equity screenings: append-only records tied to an authority.

``policy_screening`` (one row per screening, with its authority) and
``policy_screening_event`` (created, answered, signed off) are only ever appended to:
database triggers refuse UPDATE and DELETE from any client, on SQLite (``RAISE(ABORT)``)
and on PostgreSQL (a PL/pgSQL trigger function raising an exception).

Revision ID: 0003_policy
Revises: 0002_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_policy"
down_revision = "0002_ledger"
branch_labels = None
depends_on = None

TABLES = ("policy_screening", "policy_screening_event")
MESSAGE = "is append-only: records are never edited in place"
PG_FUNCTION = "policy_screening_append_only"


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER {t}_no_{op_} BEFORE {op_.upper()} ON {t} "
        f"BEGIN SELECT RAISE(ABORT, '{t} {MESSAGE}'); END"
        for t in TABLES
        for op_ in ("update", "delete")
    ]


def _postgres_triggers() -> list[str]:
    function = (
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '% {MESSAGE}', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
    )
    triggers = [
        f"CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
        for t in TABLES
    ]
    # TRUNCATE bypasses row triggers; refuse it with a statement trigger.
    truncates = [
        f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        for t in TABLES
    ]
    return [function, *triggers, *truncates]


def upgrade() -> None:
    """Create the screening tables and their append-only triggers."""
    op.create_table(
        "policy_screening",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "authority_code", sa.String(16), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
    )
    op.create_index("ix_policy_screening_authority_code", "policy_screening", ["authority_code"])
    op.create_table(
        "policy_screening_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("screening_id", sa.Integer, sa.ForeignKey("policy_screening.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("question_id", sa.String(60), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("screening_id", "seq", name="uq_policy_screening_event_seq"),
    )
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        ddl = _sqlite_triggers()
    elif dialect == "postgresql":
        ddl = _postgres_triggers()
    else:  # pragma: no cover - the app database is SQLite or PostgreSQL
        raise NotImplementedError(
            f"the app database must be SQLite or PostgreSQL; got {dialect}. "
            "Append-only triggers exist for those two."
        )
    for statement in ddl:
        op.execute(statement)


def downgrade() -> None:
    """Drop the screening tables (their triggers go with them) and the trigger function."""
    op.drop_table("policy_screening_event")
    op.drop_index("ix_policy_screening_authority_code", table_name="policy_screening")
    op.drop_table("policy_screening")
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
