"""Answers and the rollups that score them, written together.

Every answer is written through `write_answers`, which moves two rollups in the same transaction:

- ``score_rollups``: for each cell (round x arc x viewpoint), how many participants have each (sum of their
  ratings in the arc, number of those ratings): the cell's n, and what a comparison resamples;
- ``cell_rollups``: for each cell, how many answers gave each rating, don't know and not applicable.

Scores are then read from at most a few hundred rollup rows per round (`round_tallies`), whatever the number
of answers. A change moves the counts by deltas: the participant's old arc score loses one participant, the
new one gains one. Deltas are applied as atomic increments in a fixed order, so concurrent writers on
PostgreSQL neither lose updates nor deadlock; a participant's own row is locked first, so two requests of one
participant cannot both read the same old answers. Each cell's rows are split into shards (sharded
counters, see `ROLLUP_SHARDS`), so that writers on PostgreSQL rarely wait for each other's row locks.
`rebuild_rollups` recomputes everything from the answers, for repair.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.core import table
from app.db.engine import find_rows_by_key
from app.db.rollup_tables import ScoreRollup, StatementRollup
from app.db.tables import Round
from app.store.rollup_statements import CELL_COUNTERS, statements_for
from framework.scoring import RATINGS, CellKey, CellTally, Kind, RaterTotal, participant_totals
from surveys import arc_of_code


@dataclass(frozen=True)
class AnswerValue:
    """What a participant said about one statement; `at` defaults to the time of the write."""

    kind: Kind
    rating: int | None = None
    comment: str | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.kind == "rating") != (self.rating in RATINGS):
            raise ValueError(f"an answer of kind {self.kind!r} cannot have rating {self.rating!r}")


#: participant id -> statement code -> the new answer, or None to remove the answer.
AnswerChanges = Mapping[int, Mapping[str, AnswerValue | None]]

#: Each cell's rollup rows are split into this many shards, sharded counters: a write moves the rows of one
#: shard, picked at random, and a cell's figures are the sums over its shards (a shard's own counts mean
#: nothing alone, and may be negative: an answer counted in one shard can be taken back in another). On
#: PostgreSQL a moved row stays locked until its transaction commits; with one row per cell, every writer of
#: a room would queue on it, while two writers with shards of their own never meet.
ROLLUP_SHARDS = 8


def random_shard() -> int:
    return random.randrange(ROLLUP_SHARDS)  # spreading writers, not a secret: no need for `secrets`


@dataclass
class AnswerWrite:
    """Answers of one round and viewpoint ready to write, with how the rollups move; see `prepare_answers`."""

    round_id: int
    viewpoint: str
    upserts: list[dict[str, object]] = field(default_factory=list)
    removals: list[dict[str, object]] = field(default_factory=list)
    score_deltas: Counter[tuple[str, int, int]] = field(default_factory=Counter)  # (arc, sum, ratings)
    statement_deltas: dict[str, list[int]] = field(  # item code -> counter deltas
        default_factory=lambda: defaultdict(lambda: [0] * len(CELL_COUNTERS))
    )
    answered: dict[int, int] = field(default_factory=dict)  # participant id -> answers after the write

    def apply(self, db: Session, *, shard: int | None = None) -> None:
        """Write the answers and move the rollups of `shard` (one at random when not given), in the caller's
        transaction. The rollup rows go last: on PostgreSQL they stay locked until commit, so they should be
        touched as late as possible."""
        connection = db.connection()
        statements = statements_for(db)
        statements.upsert_answer.run(connection, self.upserts)
        if self.removals:
            connection.execute(statements.delete_answer, self.removals)
        move_rollups(
            db,
            round_id=self.round_id,
            viewpoint=self.viewpoint,
            shard=random_shard() if shard is None else shard,
            score_deltas=self.score_deltas,
            statement_deltas=self.statement_deltas,
        )


def write_answers(
    db: Session,
    *,
    round_id: int,
    viewpoint: str,
    changes: AnswerChanges,
    new_participants: bool = False,
    shard: int | None = None,
) -> None:
    """Write answers of participants of one round and viewpoint, and move the rollups by the same change.

    `new_participants=True` promises the participants have no answers yet (a paper questionnaire, an import,
    the demo), which saves reading them. `shard` picks the rollup shard (tests); by default one at random.
    """
    if changes:
        prepare_answers(
            db, round_id=round_id, viewpoint=viewpoint, changes=changes, new_participants=new_participants
        ).apply(db, shard=shard)


def prepare_answers(
    db: Session,
    *,
    round_id: int,
    viewpoint: str,
    changes: AnswerChanges,
    new_participants: bool = False,
    locked: bool = False,
) -> AnswerWrite:
    """Read what the participants have answered so far and work out the write; nothing is written yet.

    `locked=True` says the caller already holds the participants' rows locked (see `lock_participants`) and
    has its transaction find rows by key (see `app.db.engine.find_rows_by_key`).
    """
    db.flush()  # the statements below run on the connection, past the session's autoflush
    participant_ids = sorted(changes)
    if new_participants:
        old: dict[int, dict[str, AnswerValue]] = {}
    else:
        if not locked:
            find_rows_by_key(db.connection())
            lock_participants(db, participant_ids)
        old = _current_answers(db, participant_ids)
    write = AnswerWrite(round_id, viewpoint)
    now = utcnow()
    for participant_id in participant_ids:
        before = old.get(participant_id, {})
        after = dict(before)
        for code, value in changes[participant_id].items():
            previous = before.get(code)
            if previous is not None:
                add_vector(write.statement_deltas[code], cell_vector(previous), -1)
            if value is None:
                after.pop(code, None)
                if previous is not None:
                    write.removals.append({"pid": participant_id, "code": code})
                continue
            after[code] = value
            add_vector(write.statement_deltas[code], cell_vector(value), +1)
            write.upserts.append(_answer_row(participant_id, code, value, now))
        for arc in {arc_of_code(code) for code in changes[participant_id]}:
            for answers, sign in ((before, -1), (after, +1)):
                totals = arc_totals(answers, arc)
                if totals is not None:
                    write.score_deltas[(arc, *totals)] += sign
        write.answered[participant_id] = len(after)
    return write


def lock_participants(db: Session, participant_ids: list[int]) -> None:
    """Lock the participants' rows (in id order) until the transaction ends: a second request of the same
    participant waits here, then reads the answers this one wrote. Only PostgreSQL needs it: SQLite runs
    one writing transaction at a time anyway."""
    if db.get_bind().dialect.name == "postgresql":
        db.connection().execute(statements_for(db).lock_participants, {"ids": participant_ids}).all()


def bump_scores_version(db: Session, *, round_id: int) -> None:
    """Say that something drawn from the round's figures, other than its publications, has changed (its
    targets): part of the name of its charts."""
    db.execute(
        update(Round).where(col(Round.id) == round_id).values(scores_version=col(Round.scores_version) + 1)
    )


def _current_answers(db: Session, participant_ids: list[int]) -> dict[int, dict[str, AnswerValue]]:
    rows = db.connection().execute(statements_for(db).current_answers, {"ids": participant_ids})
    found: dict[int, dict[str, AnswerValue]] = defaultdict(dict)
    for participant_id, code, kind, rating in rows:
        found[participant_id][code] = AnswerValue(kind=kind, rating=rating)
    return found


def arc_totals(answers: Mapping[str, AnswerValue], arc: str) -> RaterTotal | None:
    """A participant's ratings in the arc as (sum, how many); None when they rated none of it."""
    return participant_totals(
        value.rating
        for code, value in answers.items()
        if value.rating is not None and arc_of_code(code) == arc
    )


def cell_vector(value: AnswerValue) -> tuple[int, ...]:
    vector = [0] * len(CELL_COUNTERS)
    if value.kind == "rating":
        assert value.rating is not None
        vector[value.rating - 1] = 1
    else:
        vector[5 if value.kind == "dk" else 6] = 1
    return tuple(vector)


def add_vector(total: list[int], vector: tuple[int, ...], sign: int) -> None:
    for index, count in enumerate(vector):
        total[index] += sign * count


def _answer_row(participant_id: int, code: str, value: AnswerValue, now: datetime) -> dict[str, object]:
    return {
        "participant_id": participant_id,
        "item_code": code,
        "rating": value.rating,
        "kind": value.kind,
        "comment": value.comment or None,
        "updated_at": value.at or now,
    }


def move_rollups(
    db: Session,
    *,
    round_id: int,
    viewpoint: str,
    shard: int,
    score_deltas: Mapping[tuple[str, int, int], int],
    statement_deltas: Mapping[str, list[int]],
) -> None:
    """Add the deltas to the rows of one shard, creating rows where there are none yet.

    Rows go in key order, score rows before statement rows: concurrent writers lock them in the same order,
    so never deadlock.
    """
    common = {"round_id": round_id, "viewpoint": viewpoint, "shard": shard}
    score_rows = [
        {**common, "arc": arc, "score_num": num, "score_den": den, "participants": delta}
        for (arc, num, den), delta in sorted(score_deltas.items())
        if delta
    ]
    statement_rows = [
        {
            **common,
            "arc": arc_of_code(code),
            "item_code": code,
            **dict(zip(CELL_COUNTERS, vector, strict=True)),
        }
        for code, vector in sorted(statement_deltas.items())
        if any(vector)
    ]
    connection, statements = db.connection(), statements_for(db)
    statements.move_score.run(connection, score_rows)
    statements.move_statement.run(connection, statement_rows)


# Core on the tables, built once: every score, chart and download reads a round's rollups (building a
# statement costs more than running it), and the cell counters are columns picked by name (`CELL_COUNTERS`).
_SCORES, _STATEMENTS = table(ScoreRollup).c, table(StatementRollup).c
_SCORE_SUMS = (
    select(
        _SCORES.arc, _SCORES.viewpoint, _SCORES.score_num, _SCORES.score_den, func.sum(_SCORES.participants)
    )
    .where(_SCORES.round_id == bindparam("round_id"))
    .group_by(_SCORES.arc, _SCORES.viewpoint, _SCORES.score_num, _SCORES.score_den)
)
_CELL_SUMS = (
    select(_STATEMENTS.arc, _STATEMENTS.viewpoint, *(func.sum(_STATEMENTS[name]) for name in CELL_COUNTERS))
    .where(_STATEMENTS.round_id == bindparam("round_id"))
    .group_by(_STATEMENTS.arc, _STATEMENTS.viewpoint)
)
_STATEMENT_SUMS = (
    select(
        _STATEMENTS.viewpoint, _STATEMENTS.item_code, *(func.sum(_STATEMENTS[name]) for name in CELL_COUNTERS)
    )
    .where(_STATEMENTS.round_id == bindparam("round_id"))
    .group_by(_STATEMENTS.viewpoint, _STATEMENTS.item_code)
)


def round_tallies(db: Session, *, round_id: int) -> dict[CellKey, CellTally]:
    """Every cell of a round with answers, as scoring needs it (without comments), from the rollups: the sums
    over each cell's shards."""
    tallies: dict[CellKey, CellTally] = defaultdict(CellTally)
    for arc, viewpoint, num, den, participants in db.execute(_SCORE_SUMS, {"round_id": round_id}):
        if participants:
            tallies[(arc, viewpoint)].raters[(int(num), int(den))] += int(participants)
    for arc, viewpoint, *sums in db.execute(_CELL_SUMS, {"round_id": round_id}):
        counts = [int(count) for count in sums]
        if not any(counts):
            continue
        tally = tallies[(arc, viewpoint)]
        for rating, count in zip(RATINGS, counts[:5], strict=True):
            if count:
                tally.distribution[rating] = count
        tally.dont_know, tally.not_applicable = counts[5], counts[6]
    return dict(tallies)


def statement_tallies(db: Session, *, round_id: int) -> dict[tuple[str, str], tuple[int, ...]]:
    """(viewpoint, statement code) -> its counts (rated 1..5, don't know, not applicable), summed over shards;
    only statements with an answer."""
    found: dict[tuple[str, str], tuple[int, ...]] = {}
    for viewpoint, code, *sums in db.execute(_STATEMENT_SUMS, {"round_id": round_id}):
        counts = tuple(int(count) for count in sums)
        if any(counts):
            found[(viewpoint, code)] = counts
    return found
