"""Rollup rows split into shards (sharded counters), so concurrent writers on PostgreSQL rarely share a row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_KEY = ["round_id", "arc", "viewpoint", "score_num", "score_den"]
CELL_KEY = ["round_id", "arc", "viewpoint"]


def upgrade() -> None:
    # Existing rows become shard 0 of their cell: the sums over shards are what they were.
    with op.batch_alter_table("score_rollups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint("uq_score_rollup_cell_score", type_="unique")
        batch_op.create_unique_constraint("uq_score_rollup_cell_score", [*SCORE_KEY, "shard"])
        batch_op.create_index("ix_score_rollups_sums", [*SCORE_KEY, "participants"])
    with op.batch_alter_table("cell_rollups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint("uq_cell_rollup_cell", type_="unique")
        batch_op.create_unique_constraint("uq_cell_rollup_cell", [*CELL_KEY, "shard"])


def downgrade() -> None:
    # Fold every cell's shards back into one row before the key loses its shard.
    op.execute(
        "CREATE TEMPORARY TABLE folded_scores AS SELECT round_id, arc, viewpoint, score_num, score_den,"
        " SUM(participants) AS participants FROM score_rollups"
        " GROUP BY round_id, arc, viewpoint, score_num, score_den"
    )
    op.execute("DELETE FROM score_rollups")
    op.execute(
        "CREATE TEMPORARY TABLE folded_cells AS SELECT round_id, arc, viewpoint, SUM(rated_1) AS rated_1,"
        " SUM(rated_2) AS rated_2, SUM(rated_3) AS rated_3, SUM(rated_4) AS rated_4, SUM(rated_5) AS rated_5,"
        " SUM(dont_know) AS dont_know, SUM(not_applicable) AS not_applicable, SUM(version) AS version"
        " FROM cell_rollups GROUP BY round_id, arc, viewpoint"
    )
    op.execute("DELETE FROM cell_rollups")
    with op.batch_alter_table("score_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_score_rollups_sums")
        batch_op.drop_constraint("uq_score_rollup_cell_score", type_="unique")
        batch_op.drop_column("shard")
        batch_op.create_unique_constraint("uq_score_rollup_cell_score", SCORE_KEY)
    with op.batch_alter_table("cell_rollups", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cell_rollup_cell", type_="unique")
        batch_op.drop_column("shard")
        batch_op.create_unique_constraint("uq_cell_rollup_cell", CELL_KEY)
    op.execute(
        "INSERT INTO score_rollups (round_id, arc, viewpoint, score_num, score_den, participants)"
        " SELECT round_id, arc, viewpoint, score_num, score_den, participants FROM folded_scores"
    )
    op.execute(
        "INSERT INTO cell_rollups (round_id, arc, viewpoint, rated_1, rated_2, rated_3, rated_4, rated_5,"
        " dont_know, not_applicable, version) SELECT round_id, arc, viewpoint, rated_1, rated_2, rated_3,"
        " rated_4, rated_5, dont_know, not_applicable, version FROM folded_cells"
    )
    op.execute("DROP TABLE folded_scores")
    op.execute("DROP TABLE folded_cells")
