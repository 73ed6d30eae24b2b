"""Targets say which sex, age and polarity they are for, and can be retired.

Revision ID: 0011_target_fields
Revises: 0010_places

* ``sex`` and ``age``: the breakdown of the indicator the target is for (a healthy life
  expectancy target for "Female" is not one for "Male"); NULL on targets recorded before,
  which pages then show as needing a sex when the indicator has several.
* ``polarity``: ``higher_is_better`` or ``lower_is_better`` (NULL: the store's).
* ``retired_at``: when the target was retired (kept, with its history, but no longer
  assessed or shown as current).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_target_fields"
down_revision = "0010_places"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``sex``, ``age``, ``polarity`` and ``retired_at`` to ``targets``."""
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("sex", sa.String(16), nullable=True))
        batch.add_column(sa.Column("age", sa.String(64), nullable=True))
        batch.add_column(sa.Column("polarity", sa.String(20), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the four columns."""
    with op.batch_alter_table("targets") as batch:
        for name in ("retired_at", "polarity", "age", "sex"):
            batch.drop_column(name)
