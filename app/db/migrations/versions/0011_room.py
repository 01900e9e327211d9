"""The room (issue 14): which statement the projector shows, the code a closed session had (to say it has
finished), and participants who handed on without submitting.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screen_position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("retired_code", sa.String(length=12), nullable=True))
        batch_op.create_index("ix_focus_sessions_retired_code", ["retired_code"])
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("left_at")
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_focus_sessions_retired_code")
        batch_op.drop_column("retired_code")
        batch_op.drop_column("screen_position")
