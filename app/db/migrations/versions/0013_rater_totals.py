"""Cells scored by their ratings (issue 13): score rollups keep each participant's (sum of ratings, number of
ratings) unreduced, so a comparison can resample participants with all their ratings. Rebuilt here from the
answers; the score version of every round moves on, so charts are drawn again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATINGS = sa.text(
    "SELECT focus_sessions.round_id, focus_sessions.viewpoint, answers.participant_id, answers.item_code, "
    "answers.rating FROM answers"
    " JOIN participants ON participants.id = answers.participant_id"
    " JOIN focus_sessions ON focus_sessions.id = participants.session_id"
    " WHERE answers.kind = 'rating' ORDER BY answers.participant_id"
)


def upgrade() -> None:
    connection = op.get_bind()
    # (round, viewpoint, arc, sum, ratings) -> participants; (participant, arc) -> [sum, ratings]
    cells: Counter[tuple[int, str, str, int, int]] = Counter()
    person: dict[tuple[int, str], list[int]] = {}
    where: dict[int, tuple[int, str]] = {}
    current: int | None = None
    for round_id, viewpoint, participant_id, code, rating in connection.execute(_RATINGS):
        if participant_id != current:
            _count(cells, person, where)
            person, where, current = {}, {}, participant_id
        totals = person.setdefault((participant_id, code.split(".", 1)[0]), [0, 0])
        totals[0] += int(rating)
        totals[1] += 1
        where[participant_id] = (round_id, viewpoint)
    _count(cells, person, where)
    connection.execute(sa.text("DELETE FROM score_rollups"))
    rows = [
        {"round": r, "arc": arc, "viewpoint": v, "num": total, "den": ratings, "n": n}
        for (r, v, arc, total, ratings), n in sorted(cells.items())
    ]
    if rows:
        connection.execute(
            sa.text(
                "INSERT INTO score_rollups"
                " (round_id, arc, viewpoint, shard, score_num, score_den, participants)"
                " VALUES (:round, :arc, :viewpoint, 0, :num, :den, :n)"
            ),
            rows,
        )
    connection.execute(sa.text("UPDATE rounds SET scores_version = scores_version + 1"))


def _count(
    cells: Counter[tuple[int, str, str, int, int]],
    person: dict[tuple[int, str], list[int]],
    where: dict[int, tuple[int, str]],
) -> None:
    for (participant_id, arc), (total, ratings) in person.items():
        round_id, viewpoint = where[participant_id]
        cells[(round_id, viewpoint, arc, total, ratings)] += 1


def downgrade() -> None:
    # Nothing to undo: the code before read (sum, ratings) as a fraction, which reduces on reading, so
    # unreduced rows score as they did.
    pass
