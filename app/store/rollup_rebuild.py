"""Rebuilding a round's rollups from its answers: a repair (``rainbow rebuild-rollups``), never needed to
score. Answers are streamed one participant at a time, so memory stays flat however many there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.db.rollup_tables import ScoreRollup, StatementRollup
from app.db.tables import Answer, FocusSession, Participant
from app.store.rollup_statements import CELL_COUNTERS
from app.store.rollups import (
    AnswerValue,
    add_vector,
    arc_totals,
    bump_scores_version,
    cell_vector,
    move_rollups,
)
from framework.scoring import Kind
from surveys import arc_of_code


def answer_records(
    db: Session, *, round_id: int
) -> Iterator[tuple[int, str, str, Kind, int | None, str | None]]:
    """Every answer of a round as (participant, viewpoint, item, kind, rating, comment), streamed in
    participant order. (Every kind stored was checked on the way in, by `AnswerValue`.)"""
    rows = db.execute(
        select(
            col(Answer.participant_id),
            col(FocusSession.viewpoint),
            col(Answer.item_code),
            col(Answer.kind),
            col(Answer.rating),
            col(Answer.comment),
        )
        .join(Participant, col(Participant.id) == Answer.participant_id)
        .join(FocusSession, col(FocusSession.id) == Participant.session_id)
        .where(col(FocusSession.round_id) == round_id)
        .order_by(col(Answer.participant_id))
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield tuple(row)


def rebuild_rollups(db: Session, *, round_ids: Iterable[int]) -> int:
    """Recompute the rollups of these rounds from their answers (a repair; scores never need it).

    Answers are streamed one participant at a time, so memory stays flat however many there are. Returns the
    number of answers read.
    """
    read = 0
    for round_id in round_ids:
        db.execute(delete(ScoreRollup).where(col(ScoreRollup.round_id) == round_id))
        db.execute(delete(StatementRollup).where(col(StatementRollup.round_id) == round_id))
        score_deltas: dict[str, Counter[tuple[str, int, int]]] = defaultdict(Counter)
        statement_deltas: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0] * len(CELL_COUNTERS))
        )
        current: tuple[int, str] | None = None
        given: dict[str, AnswerValue] = {}
        for participant_id, viewpoint, code, kind, rating, _comment in answer_records(db, round_id=round_id):
            read += 1
            if current is not None and current[0] != participant_id:
                _count_participant(given, score_deltas[current[1]], statement_deltas[current[1]])
                given = {}
            current = (participant_id, viewpoint)
            given[code] = AnswerValue(kind=kind, rating=rating)
        if current is not None:
            _count_participant(given, score_deltas[current[1]], statement_deltas[current[1]])
        for viewpoint in sorted(set(score_deltas) | set(statement_deltas)):
            move_rollups(
                db,
                round_id=round_id,
                viewpoint=viewpoint,
                shard=0,  # a rebuilt cell is one row of sums
                score_deltas=score_deltas[viewpoint],
                statement_deltas=statement_deltas[viewpoint],
            )
        bump_scores_version(db, round_id=round_id)
    return read


def _count_participant(
    given: Mapping[str, AnswerValue],
    score_deltas: Counter[tuple[str, int, int]],
    statement_deltas: dict[str, list[int]],
) -> None:
    for code, value in given.items():
        add_vector(statement_deltas[code], cell_vector(value), +1)
    for arc in {arc_of_code(code) for code in given}:
        totals = arc_totals(given, arc)
        if totals is not None:
            score_deltas[(arc, *totals)] += 1
