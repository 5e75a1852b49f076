"""The question log and the votes, as the first SQLite release wrote them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A feedback file from before migrations already has these tables, rows and all: it is
    # adopted as it is, not recreated.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "questions" not in existing:
        op.create_table(
            "questions",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("source", sa.String(16), nullable=False),
            sa.Column("conversation_id", sa.String(160), nullable=False),
            sa.Column("turn", sa.Integer, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answered", sa.Integer, nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("index_version", sa.String(64), nullable=False),
        )
        op.create_index("questions_unanswered", "questions", ["answered", "question"])
        op.create_index("questions_turn", "questions", ["conversation_id", "turn"])
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("ts", sa.Float, nullable=False),
            sa.Column("source", sa.String(16), nullable=False),
            sa.Column("conversation_id", sa.String(160), nullable=False),
            sa.Column("turn", sa.Integer, nullable=False),
            sa.Column("helpful", sa.Integer, nullable=False),
            sa.Column("comment", sa.Text),
        )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("questions")
