"""Who voted, so that a second vote by the same voter replaces the first."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Files written by the release that added the column without migrations have it already.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feedback")}
    if "voter" not in columns:
        with op.batch_alter_table("feedback") as batch:
            batch.add_column(sa.Column("voter", sa.String(160), nullable=False,
                                       server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("voter")
