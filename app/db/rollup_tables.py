"""The rollups that score a round without reading its answers, kept in step with them (`app.store.rollups`):
how many participants of each cell gave each (sum of ratings, number of ratings), and how many answers each
statement got of each kind.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.columns import owner


class ScoreRollup(SQLModel, table=True):
    """How many participants of a round's cell (arc x viewpoint) gave each (sum of ratings, number of
    ratings), as `score_num` and `score_den`, never reduced (so 6/2 and 3/1 are two rows: a comparison
    resamples participants with all their ratings). Rows written before migration 0013 were reduced.

    Kept in step with answers in the same transaction (`app.store.rollups`), so scores never scan answers.
    """

    __tablename__ = "score_rollups"
    __table_args__ = (
        UniqueConstraint(
            "round_id",
            "arc",
            "viewpoint",
            "score_num",
            "score_den",
            "shard",
            name="uq_score_rollup_cell_score",
        ),
        # Reading a round's scores sums each score's shards from this index alone, in its order: no sort and
        # no visit to the table's rows (a round of ten million answers has about 12,000 of them).
        Index(
            "ix_score_rollups_sums", "round_id", "arc", "viewpoint", "score_num", "score_den", "participants"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    arc: str = Field(max_length=40)
    viewpoint: str = Field(max_length=20)
    shard: int = Field(
        default=0,
        sa_column=Column(Integer, nullable=False, server_default="0"),
        description="Which of the cell's rows (sharded counters: see app.store.rollups.ROLLUP_SHARDS)",
    )
    score_num: int
    score_den: int
    participants: int = 0


class StatementRollup(SQLModel, table=True):
    """A round's statement from one viewpoint: how many answers gave each rating, don't know and not
    applicable. A cell's counts (arc x viewpoint) are the sums over its statements."""

    __tablename__ = "statement_rollups"
    __table_args__ = (
        UniqueConstraint("round_id", "viewpoint", "item_code", "shard", name="uq_statement_rollup"),
        Index("ix_statement_rollups_round_arc", "round_id", "arc", "viewpoint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    arc: str = Field(max_length=40)
    viewpoint: str = Field(max_length=20)
    item_code: str = Field(max_length=60)
    shard: int = Field(
        default=0,
        sa_column=Column(Integer, nullable=False, server_default="0"),
        description="Which of the statement's rows (sharded counters: see app.store.rollups.ROLLUP_SHARDS)",
    )
    rated_1: int = 0
    rated_2: int = 0
    rated_3: int = 0
    rated_4: int = 0
    rated_5: int = 0
    dont_know: int = 0
    not_applicable: int = 0
