"""Rebuilding a round's rollups from its answers: a repair (``rainbow rebuild-rollups``), never needed to
score. Answers are streamed one participant at a time, so memory stays flat however many there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import delete, select
from sqlmodel import Session

from app.db.tables import Answer, CellRollup, FocusSession, Participant, ScoreRollup
from app.store.rollup_statements import CELL_COUNTERS
from app.store.rollups import (
    AnswerValue,
    add_vector,
    arc_score,
    bump_scores_version,
    cell_vector,
    move_rollups,
)
from surveys import arc_of_code


def answer_records(
    db: Session, *, round_id: int
) -> Iterator[tuple[int, str, str, str, int | None, str | None]]:
    """Every answer of a round as (participant, viewpoint, item, kind, rating, comment), streamed in
    participant order."""
    rows = db.execute(
        select(
            Answer.participant_id,
            FocusSession.viewpoint,
            Answer.item_code,
            Answer.kind,
            Answer.rating,
            Answer.comment,
        )
        .join(Participant, Participant.id == Answer.participant_id)  # type: ignore[arg-type]
        .join(FocusSession, FocusSession.id == Participant.session_id)  # type: ignore[arg-type]
        .where(FocusSession.round_id == round_id)  # type: ignore[arg-type]
        .order_by(Answer.participant_id)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield tuple(row)  # type: ignore[misc]


def rebuild_rollups(db: Session, *, round_ids: Iterable[int]) -> int:
    """Recompute the rollups of these rounds from their answers (a repair; scores never need it).

    Answers are streamed one participant at a time, so memory stays flat however many there are. Returns the
    number of answers read.
    """
    read = 0
    for round_id in round_ids:
        db.execute(delete(ScoreRollup).where(ScoreRollup.round_id == round_id))  # type: ignore[arg-type]
        db.execute(delete(CellRollup).where(CellRollup.round_id == round_id))  # type: ignore[arg-type]
        score_deltas: dict[str, Counter[tuple[str, int, int]]] = defaultdict(Counter)
        cell_deltas: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0] * len(CELL_COUNTERS))
        )
        current: tuple[int, str] | None = None
        given: dict[str, AnswerValue] = {}
        for participant_id, viewpoint, code, kind, rating, _comment in answer_records(db, round_id=round_id):
            read += 1
            if current is not None and current[0] != participant_id:
                _count_participant(given, score_deltas[current[1]], cell_deltas[current[1]])
                given = {}
            current = (participant_id, viewpoint)
            given[code] = AnswerValue(kind=kind, rating=rating)  # type: ignore[arg-type]
        if current is not None:
            _count_participant(given, score_deltas[current[1]], cell_deltas[current[1]])
        for viewpoint in sorted(set(score_deltas) | set(cell_deltas)):
            move_rollups(
                db,
                round_id=round_id,
                viewpoint=viewpoint,
                shard=0,  # a rebuilt cell is one row of sums
                score_deltas=score_deltas[viewpoint],
                cell_deltas=cell_deltas[viewpoint],
            )
        bump_scores_version(db, round_id=round_id)
    return read


def _count_participant(
    given: Mapping[str, AnswerValue],
    score_deltas: Counter[tuple[str, int, int]],
    cell_deltas: dict[str, list[int]],
) -> None:
    for code, value in given.items():
        add_vector(cell_deltas[arc_of_code(code)], cell_vector(value), +1)
    for arc in {arc_of_code(code) for code in given}:
        score = arc_score(given, arc)
        if score is not None:
            score_deltas[(arc, score.numerator, score.denominator)] += 1
