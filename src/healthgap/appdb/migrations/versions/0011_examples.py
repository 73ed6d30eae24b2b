"""Example records: an ``example`` flag on targets, screenings and ledger rows.

Revision ID: 0011_examples
Revises: 0011_target_fields

``healthgap demo --workspace`` (and the administrators' button on ``/admin/examples``)
loads an illustrative workspace; every record it writes carries ``example = true`` so
pages, downloads and the report tag it "Example", and so it can be removed in one step
(:mod:`healthgap.examples`). Framework records carry the same marker in their JSON data
(``"example": true``), which needs no column.

* ``targets.example``, ``policy_screening.example``, ``ledger_imports.example``,
  ``ledger_allocations.example``, ``ledger_flows.example``: false for every existing row.
* The screening tables stay append-only, except that an example screening (and its
  events) may be deleted: the triggers refuse UPDATE always and DELETE unless the row
  (for an event: its screening) is an example. The flag itself can never be changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_examples"
down_revision = "0011_target_fields"
branch_labels = None
depends_on = None

TABLES = ("targets", "policy_screening", "ledger_imports", "ledger_allocations", "ledger_flows")
MESSAGE = "is append-only: records are never edited in place"
PG_FUNCTION = "policy_screening_append_only"

_SQLITE_DELETE_WHEN = {
    "policy_screening": "WHEN NOT OLD.example",
    "policy_screening_event": (
        "WHEN NOT EXISTS (SELECT 1 FROM policy_screening s "
        "WHERE s.id = OLD.screening_id AND s.example)"
    ),
}

_PG_FUNCTION_EXAMPLES = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF TG_TABLE_NAME = 'policy_screening' THEN
      IF OLD.example THEN RETURN OLD; END IF;
    ELSIF EXISTS (
      SELECT 1 FROM policy_screening s WHERE s.id = OLD.screening_id AND s.example
    ) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% {MESSAGE}', TG_TABLE_NAME;
END; $$ LANGUAGE plpgsql
"""

_PG_FUNCTION_STRICT = (
    f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '% {MESSAGE}', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
)


def _sqlite_delete_triggers(examples: bool) -> None:
    for table, when in _SQLITE_DELETE_WHEN.items():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        guard = f"{when} " if examples else ""
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {guard}"
            f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"
        )


def upgrade() -> None:
    """Add the ``example`` columns; let example screenings be deleted."""
    for table in TABLES:  # plain ALTER TABLE: SQLite keeps the tables and their triggers
        op.add_column(
            table, sa.Column("example", sa.Boolean, nullable=False, server_default=sa.false())
        )
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        _sqlite_delete_triggers(examples=True)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION_EXAMPLES)


def downgrade() -> None:
    """Remove example records, then the columns; screenings are strictly append-only again."""
    dialect = op.get_context().dialect.name
    op.execute(
        "DELETE FROM policy_screening_event WHERE screening_id IN "
        "(SELECT id FROM policy_screening WHERE example)"
    )
    op.execute("DELETE FROM policy_screening WHERE example")
    if dialect == "sqlite":
        _sqlite_delete_triggers(examples=False)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION_STRICT)
    op.execute("DELETE FROM ledger_flows WHERE example")
    op.execute("DELETE FROM ledger_allocations WHERE example")
    op.execute("DELETE FROM ledger_imports WHERE example")
    op.execute("DELETE FROM targets WHERE example")
    for table in reversed(TABLES):  # SQLite 3.35+ drops a column in place
        op.drop_column(table, "example")
