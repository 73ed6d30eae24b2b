"""The accountability loop: decisions register, scrutiny questions and reminders, the
annual cycle (:mod:`healthgap.decisions.models`).

Revision ID: 0012_decisions
Revises: 0011_examples
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_decisions"
down_revision = "0011_examples"
branch_labels = None
depends_on = None


def _stamp() -> list[sa.Column]:
    return [
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def upgrade() -> None:
    """Create ``decisions``, ``scrutiny_questions``, ``scrutiny_reminders``, ``cycle_steps``."""
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "authority_code", sa.String(16), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("decision_maker", sa.String(200), nullable=False),
        sa.Column("directorate", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("forward_plan_ref", sa.String(100), nullable=False, server_default=""),
        sa.Column("key_decision", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("budget", sa.Float, nullable=True),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("documents", sa.JSON, nullable=False),
        sa.Column("screenings", sa.JSON, nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("recommendations", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        *_stamp(),
    )
    op.create_index("ix_decisions_authority_code", "decisions", ["authority_code"])
    op.create_index("ix_decisions_decided_on", "decisions", ["decided_on"])
    op.create_table(
        "scrutiny_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "authority_code", sa.String(16), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("asked_by", sa.String(40), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_ref", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("asked_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("answered_on", sa.Date, nullable=True),
        sa.Column("moderation_note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("client_key", sa.String(64), nullable=False, server_default=""),
        *_stamp(),
    )
    op.create_index(
        "ix_scrutiny_questions_authority_code", "scrutiny_questions", ["authority_code"]
    )
    op.create_index("ix_scrutiny_questions_status", "scrutiny_questions", ["status"])
    op.create_table(
        "scrutiny_reminders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "question_id", sa.Integer, sa.ForeignKey("scrutiny_questions.id"), nullable=False
        ),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("sent_on", sa.Date, nullable=False),
        sa.Column("days_overdue", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.UniqueConstraint("question_id", "sent_on", name="uq_scrutiny_reminders_day"),
    )
    op.create_table(
        "cycle_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "authority_code", sa.String(16), sa.ForeignKey("authorities.code"), nullable=False
        ),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(320), nullable=False, server_default=""),
        *_stamp(),
        sa.UniqueConstraint("authority_code", "year", "step", name="uq_cycle_steps_step"),
    )
    op.create_index("ix_cycle_steps_authority_code", "cycle_steps", ["authority_code"])


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_index("ix_cycle_steps_authority_code", "cycle_steps")
    op.drop_table("cycle_steps")
    op.drop_table("scrutiny_reminders")
    op.drop_index("ix_scrutiny_questions_status", "scrutiny_questions")
    op.drop_index("ix_scrutiny_questions_authority_code", "scrutiny_questions")
    op.drop_table("scrutiny_questions")
    op.drop_index("ix_decisions_decided_on", "decisions")
    op.drop_index("ix_decisions_authority_code", "decisions")
    op.drop_table("decisions")
