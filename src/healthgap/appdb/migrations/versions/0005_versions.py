"""Versions, database-assigned ids, revocable sessions and an atomic sign-in throttle.

Revision ID: 0005_versions
Revises: 0004_framework

* ``targets.version``: every update must name the version it read (optimistic
  concurrency: ``UPDATE ... WHERE version = :read``); existing targets start at 1.
* ``framework_sequences``: one counter row per id prefix; a new framework record's number
  comes from ``UPDATE ... SET last = last + 1 ... RETURNING last`` (a database sequence
  per authority and kind), never from counting rows in Python.
* ``users.session_version`` (bumped by sign-out, password change and disabling: every
  cookie carrying an older one is void) and ``users.disabled``.
* ``login_throttle``: one row per throttled key (an account or a client address) holding
  the failures in the current window, locked while a sign-in reserves its attempt.
* ``login_attempts.client``: the client address of each failed sign-in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_versions"
down_revision = "0004_framework"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the version, session and throttle columns and tables."""
    with op.batch_alter_table("targets") as t:
        t.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    with op.batch_alter_table("users") as u:
        u.add_column(sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))
        u.add_column(sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("login_attempts") as la:
        la.add_column(sa.Column("client", sa.String(64), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
    )
    op.create_table(
        "framework_sequences",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("framework_sequences")
    op.drop_table("login_throttle")
    with op.batch_alter_table("login_attempts") as la:
        la.drop_column("client")
    with op.batch_alter_table("users") as u:
        u.drop_column("disabled")
        u.drop_column("session_version")
    with op.batch_alter_table("targets") as t:
        t.drop_column("version")
