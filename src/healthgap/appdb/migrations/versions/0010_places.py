"""User-defined places, and the GLA's one code in framework records.

Revision ID: 0010_places
Revises: 0005_versions

* ``places``: named lists of LSOA (2021) or LAD (2024) codes that work wherever a footprint
  does (:mod:`healthgap.geography.places`), with a database-assigned id and a version.
* Framework records saved under the London region code ``E12000007`` for the Greater
  London Authority move to the GLA's own code ``E61000001`` (one code per authority; the
  region code is still accepted as an alias when read). The downgrade does not move them
  back: after it, the alias still finds them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_places"
down_revision = "0005_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``places``; move the GLA's framework records to E61000001."""
    op.create_table(
        "places",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("authority_code", sa.String(16), nullable=True),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_places_name", "places", ["name"], unique=True)
    op.execute(
        "UPDATE framework_records SET authority_code = 'E61000001' "
        "WHERE authority_code = 'E12000007'"
    )


def downgrade() -> None:
    """Drop ``places`` (framework records keep the GLA's own code)."""
    op.drop_index("ix_places_name", "places")
    op.drop_table("places")
