"""The network: sharing choices, the feed's sequence, subscriptions and imported items.

Revision ID: 0013_network
Revises: 0012_decisions

* ``network_sharing``: what an authority publishes (per kind or per record), versioned.
* ``network_feed_state``: the published feed's sequence number and content hash.
* ``network_subscriptions``: feeds read from other deployments, with the pinned key.
* ``network_items``: what those feeds brought, apart from this deployment's own records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_network"
down_revision = "0012_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "network_sharing",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("authority_code", "kind", "record_id"),
    )
    op.create_index("ix_network_sharing_authority_code", "network_sharing", ["authority_code"])
    op.create_table(
        "network_feed_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "network_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("publisher_name", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("key_fingerprint", sa.String(80), nullable=False),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.Column("last_sha256", sa.String(64), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index(
        "ix_network_subscriptions_address", "network_subscriptions", ["address"], unique=True
    )
    op.create_table(
        "network_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("network_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("authority_name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("subscription_id", "kind", "item_id"),
    )
    op.create_index("ix_network_items_subscription_id", "network_items", ["subscription_id"])
    op.create_index("ix_network_items_kind", "network_items", ["kind"])


def downgrade() -> None:
    """Drop the four tables (imported items first)."""
    op.drop_index("ix_network_items_kind", "network_items")
    op.drop_index("ix_network_items_subscription_id", "network_items")
    op.drop_table("network_items")
    op.drop_index("ix_network_subscriptions_address", "network_subscriptions")
    op.drop_table("network_subscriptions")
    op.drop_table("network_feed_state")
    op.drop_index("ix_network_sharing_authority_code", "network_sharing")
    op.drop_table("network_sharing")
