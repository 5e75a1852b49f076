"""What editors' insights read of each question: its answer, citation and latency."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("answer", "cite_title", "cite_section", "cite_url")


def upgrade() -> None:
    # Rows logged before this revision keep NULLs: they were never recorded, not zero.
    with op.batch_alter_table("questions") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text, nullable=True))
        batch.add_column(sa.Column("latency_ms", sa.Float, nullable=True))
    op.create_index("questions_ts", "questions", ["ts"])


def downgrade() -> None:
    op.drop_index("questions_ts", "questions")
    with op.batch_alter_table("questions") as batch:
        for name in (*COLUMNS, "latency_ms"):
            batch.drop_column(name)
