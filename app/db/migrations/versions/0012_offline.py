"""Offline tablets (issue 15): the join pass that brought a participant in offline, and each tablet's last
report of the answers it still holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_pass", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_participants_join_pass", ["join_pass"])
    op.create_table(
        "tablet_outboxes",
        sa.Column("join_pass", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["focus_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("join_pass"),
    )
    op.create_index("ix_tablet_outboxes_session_id", "tablet_outboxes", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_tablet_outboxes_session_id", table_name="tablet_outboxes")
    op.drop_table("tablet_outboxes")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("ix_participants_join_pass")
        batch_op.drop_column("join_pass")
