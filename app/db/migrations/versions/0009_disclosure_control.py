"""Disclosure control (design.md section 3a): the ledger of publications and reveals, rollups per statement,
who typed answers in, and cross-trust positions; every round with answers gets its first publication, so that
what staff could already see stays visible.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.config import Settings
from framework.disclosure import FigureKey, Hidden, decide
from framework.scoring import RATINGS, CellTally, cell_figures

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("rated_1", "rated_2", "rated_3", "rated_4", "rated_5", "dont_know", "not_applicable")


def upgrade() -> None:
    _statement_rollups()
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_participants_entered_by_id", ["entered_by_id"])
        batch_op.create_foreign_key(
            "fk_participants_entered_by_id_users", "users", ["entered_by_id"], ["id"], ondelete="SET NULL"
        )
    _ledger_tables()
    _publish_rounds_with_answers()


def _statement_rollups() -> None:
    op.create_table(
        "statement_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("arc", sa.String(length=40), nullable=False),
        sa.Column("viewpoint", sa.String(length=20), nullable=False),
        sa.Column("item_code", sa.String(length=60), nullable=False),
        sa.Column("shard", sa.Integer(), server_default="0", nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "viewpoint", "item_code", "shard", name="uq_statement_rollup"),
    )
    op.create_index("ix_statement_rollups_round_id", "statement_rollups", ["round_id"])
    op.create_index("ix_statement_rollups_round_arc", "statement_rollups", ["round_id", "arc", "viewpoint"])
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT s.round_id, s.viewpoint, a.item_code, a.kind, a.rating, COUNT(*) FROM answers a"
            " JOIN participants p ON p.id = a.participant_id JOIN focus_sessions s ON s.id = p.session_id"
            " GROUP BY s.round_id, s.viewpoint, a.item_code, a.kind, a.rating"
        )
    )
    counts: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for round_id, viewpoint, item, kind, rating, count in rows:
        index = rating - 1 if kind == "rating" else 5 if kind == "dk" else 6
        counts[(round_id, viewpoint, item)][index] += int(count)
    if counts:
        connection.execute(
            sa.text(
                "INSERT INTO statement_rollups (round_id, arc, viewpoint, item_code, shard, "
                + ", ".join(COUNTERS)
                + ") VALUES (:round_id, :arc, :viewpoint, :item_code, 0, "
                + ", ".join(f":{name}" for name in COUNTERS)
                + ")"
            ),
            [
                {
                    "round_id": round_id,
                    "arc": item.split(".", 1)[0],
                    "viewpoint": viewpoint,
                    "item_code": item,
                    **dict(zip(COUNTERS, vector, strict=True)),
                }
                for (round_id, viewpoint, item), vector in sorted(counts.items())
            ],
        )
    op.drop_table("cell_rollups")


def _ledger_tables() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("last_participant_id", sa.Integer(), nullable=False),
        sa.Column("last_session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["focus_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "number", name="uq_disclosure_round_number"),
    )
    for column in ("round_id", "session_id", "actor_id", "at"):
        op.create_index(f"ix_disclosures_{column}", "disclosures", [column])
    op.create_index("ix_disclosures_round_kind", "disclosures", ["round_id", "kind"])
    op.create_table(
        "disclosed_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("arc", sa.String(length=40), nullable=False),
        sa.Column("viewpoint", sa.String(length=20), nullable=False),
        sa.Column("item_code", sa.String(length=60), nullable=True),
        sa.Column("raters", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("shown_from_id", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in COUNTERS),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("median", sa.Float(), nullable=True),
        sa.Column("spread", sa.Float(), nullable=True),
        sa.Column("staff_entered", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(length=2000), nullable=True),
        sa.Column("contributions", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disclosed_figures_disclosure_id", "disclosed_figures", ["disclosure_id"])
    op.create_index("ix_disclosed_figures_disclosure_scope", "disclosed_figures", ["disclosure_id", "scope"])
    op.create_table(
        "disclosed_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("figure_id", sa.Integer(), nullable=False),
        sa.Column("score_num", sa.Integer(), nullable=False),
        sa.Column("score_den", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["figure_id"], ["disclosed_figures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disclosed_scores_figure_id", "disclosed_scores", ["figure_id"])
    op.create_table(
        "peer_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("arc", sa.String(length=40), nullable=False),
        sa.Column("sixth", sa.Integer(), nullable=True),
        sa.Column("trusts", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "trust_id", "arc", name="uq_peer_position"),
    )
    op.create_index("ix_peer_positions_year", "peer_positions", ["year"])


def _publish_rounds_with_answers() -> None:
    """Publication 1 of every round with answers, by the rules of the time: what staff could see stays
    visible, now through the ledger. Rounds whose focus groups are all closed take no more answers."""
    connection = op.get_bind()
    k = Settings().min_group_size
    now = datetime.now(UTC)
    round_ids = [
        row[0] for row in connection.execute(sa.text("SELECT DISTINCT round_id FROM statement_rollups"))
    ]
    for round_id in round_ids:
        _publish(connection, round_id, k, now)


def _publish(connection: sa.Connection, round_id: int, k: int, now: datetime) -> None:
    tallies: dict[tuple[str, str], CellTally] = defaultdict(CellTally)
    for arc, viewpoint, num, den, n in connection.execute(
        sa.text(
            "SELECT arc, viewpoint, score_num, score_den, SUM(participants) FROM score_rollups"
            " WHERE round_id = :round GROUP BY arc, viewpoint, score_num, score_den"
        ),
        {"round": round_id},
    ):
        if n:
            tallies[(arc, viewpoint)].raters[(int(num), int(den))] += int(n)
    statements: dict[FigureKey, list[int]] = {}
    for arc, viewpoint, item, *sums in connection.execute(
        sa.text(
            "SELECT arc, viewpoint, item_code, "
            + ", ".join(f"SUM({name})" for name in COUNTERS)
            + " FROM statement_rollups WHERE round_id = :round GROUP BY arc, viewpoint, item_code"
        ),
        {"round": round_id},
    ):
        counts = [int(value) for value in sums]
        statements[FigureKey.statement(arc, viewpoint, item)] = counts
        tally = tallies[(arc, viewpoint)]
        for rating, count in zip(RATINGS, counts[:5], strict=True):
            tally.distribution[rating] += count
        tally.dont_know += counts[5]
        tally.not_applicable += counts[6]
    raters = {FigureKey.cell(arc, viewpoint): tally.n for (arc, viewpoint), tally in tallies.items()}
    raters.update({key: sum(counts[:5]) for key, counts in statements.items()})
    outcome = decide(raters, k=k)
    last_participant, last_session, open_sessions = connection.execute(
        sa.text(
            "SELECT (SELECT MAX(p.id) FROM participants p JOIN focus_sessions s ON s.id = p.session_id"
            " WHERE s.round_id = :round), (SELECT MAX(id) FROM focus_sessions WHERE round_id = :round),"
            " (SELECT COUNT(*) FROM focus_sessions WHERE round_id = :round AND state != 'closed')"
        ),
        {"round": round_id},
    ).one()
    disclosure_id = connection.execute(
        sa.text(
            "INSERT INTO disclosures (round_id, kind, number, at, last_participant_id, last_session_id)"
            " VALUES (:round, 'publication', 1, :at, :participant, :session) RETURNING id"
        ),
        {"round": round_id, "at": now, "participant": last_participant or 0, "session": last_session or 0},
    ).scalar_one()
    for key in sorted(raters):
        _insert_figure(connection, disclosure_id, key, raters[key], outcome[key], tallies, statements, k)
    if not open_sessions:
        connection.execute(
            sa.text("UPDATE rounds SET status = 'closed' WHERE id = :round"), {"round": round_id}
        )


def _insert_figure(
    connection: sa.Connection,
    disclosure_id: int,
    key: FigureKey,
    raters: int,
    outcome: object,
    tallies: dict[tuple[str, str], CellTally],
    statements: dict[FigureKey, list[int]],
    k: int,
) -> None:
    values: dict[str, object] = dict.fromkeys((*COUNTERS, "mean", "median", "spread"))
    scores: dict[tuple[int, int], int] = {}
    if not isinstance(outcome, Hidden):
        if key.scope == "cell":
            tally = tallies[(key.arc, key.viewpoint)]
            cell = cell_figures(
                tally, arc=key.arc, viewpoint=key.viewpoint, min_group_size=k, comment_min_group_size=k
            )
            counts = [*(tally.distribution.get(r, 0) for r in RATINGS), tally.dont_know, tally.not_applicable]
            values.update(mean=cell.mean, median=cell.median, spread=cell.spread)
            scores = dict(tally.raters)
        else:
            counts = statements[key]
            values["mean"] = sum(r * n for r, n in zip(RATINGS, counts, strict=False)) / raters
        values.update(zip(COUNTERS, counts, strict=True))
    figure_id = connection.execute(
        sa.text(
            "INSERT INTO disclosed_figures (disclosure_id, scope, arc, viewpoint, item_code, raters, "
            "outcome, "
            + ", ".join(COUNTERS)
            + ", mean, median, spread, staff_entered) VALUES (:disclosure, :scope, :arc, :viewpoint, :item, "
            + ":raters, :outcome, "
            + ", ".join(f":{name}" for name in COUNTERS)
            + ", :mean, :median, :spread, 0) RETURNING id"
        ),
        {
            "disclosure": disclosure_id,
            "scope": key.scope,
            "arc": key.arc,
            "viewpoint": key.viewpoint,
            "item": key.item,
            "raters": raters,
            "outcome": str(outcome),
            **values,
        },
    ).scalar_one()
    for (total, ratings), n in sorted(scores.items()):
        connection.execute(
            sa.text(
                "INSERT INTO disclosed_scores (figure_id, score_num, score_den, participants)"
                " VALUES (:figure, :num, :den, :n)"
            ),
            {"figure": figure_id, "num": total, "den": ratings, "n": n},
        )


def downgrade() -> None:
    connection = op.get_bind()
    op.drop_table("peer_positions")
    op.drop_table("disclosed_scores")
    op.drop_table("disclosed_figures")
    op.drop_table("disclosures")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_constraint("fk_participants_entered_by_id_users", type_="foreignkey")
        batch_op.drop_index("ix_participants_entered_by_id")
        batch_op.drop_column("entered_by_id")
    op.create_table(
        "cell_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("arc", sa.String(length=40), nullable=False),
        sa.Column("viewpoint", sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("shard", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "arc", "viewpoint", "shard", name="uq_cell_rollup_cell"),
    )
    op.create_index("ix_cell_rollups_round_id", "cell_rollups", ["round_id"])
    connection.execute(
        sa.text(
            "INSERT INTO cell_rollups (round_id, arc, viewpoint, shard, "
            + ", ".join(COUNTERS)
            + ") SELECT round_id, arc, viewpoint, 0, "
            + ", ".join(f"SUM({name})" for name in COUNTERS)
            + " FROM statement_rollups GROUP BY round_id, arc, viewpoint"
        )
    )
    op.drop_table("statement_rollups")
