"""Answers and the rollups that score them, written together.

Every answer is written through `write_answers`, which moves two rollups in the same transaction:

- ``score_rollups``: for each cell (round x arc x viewpoint), how many participants have each arc score (the
  mean of their ratings in the arc, kept as an exact fraction);
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Table,
    any_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.db.columns import utcnow
from app.db.engine import find_rows_by_key
from app.db.tables import Answer, CellRollup, FocusSession, Participant, Round, ScoreRollup
from framework.scoring import RATINGS, CellKey, CellTally, Kind

#: The counters of a cell rollup, in the order `_cell_vector` gives them.
CELL_COUNTERS = ("rated_1", "rated_2", "rated_3", "rated_4", "rated_5", "dont_know", "not_applicable")


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


def arc_of(item_code: str) -> str:
    """The arc of a statement code ``<arc>.<viewpoint>.<n>``."""
    return item_code.split(".", 1)[0]


def random_shard() -> int:
    return random.randrange(ROLLUP_SHARDS)  # spreading writers, not a secret: no need for `secrets`


@dataclass(frozen=True)
class BulkUpsert:
    """An INSERT ... ON CONFLICT DO UPDATE of many rows at once, whose keys are all distinct.

    On PostgreSQL the rows go as one array per column, unnested into one statement: SQLAlchemy would send
    an upsert a row (its multi-row form skips statements with ON CONFLICT), and PostgreSQL's work and the
    driver's is then mostly per statement: for a room's batch of answers, hundreds of them. On SQLite, which
    runs in the process, a statement a row costs little, and it keeps the plain statement.
    """

    statement: Any
    array_columns: tuple[str, ...] = ()  # PostgreSQL: the columns, sent as arrays

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.array_columns:
            connection.execute(self.statement, rows)
            return
        connection.execute(self.statement, {name: [row[name] for row in rows] for name in self.array_columns})


def _bulk_upsert(
    dialect_name: str, table: Table, columns: tuple[str, ...], keys: list[str], set_: SetClause
) -> BulkUpsert:
    """An upsert of `columns` of `table` on the unique `keys`; `set_(table columns, excluded)` gives the
    columns to update."""
    if dialect_name != "postgresql":
        plain = sqlite.insert(table)
        return BulkUpsert(
            plain.on_conflict_do_update(index_elements=keys, set_=set_(table.c, plain.excluded))
        )
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    unnested = func.unnest(*arrays).table_valued(*columns).render_derived(name="given")
    statement = postgresql.insert(table).from_select(columns, select(*unnested.c))
    statement = statement.on_conflict_do_update(index_elements=keys, set_=set_(table.c, statement.excluded))
    return BulkUpsert(statement, columns)


#: (the table's columns, the row that conflicted) -> the columns an upsert sets
SetClause = Callable[[Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class _Statements:
    """The statements of the write path, built once per dialect (building an upsert costs more than
    running it), on the tables rather than the ORM classes, so they run as plain Core."""

    upsert_answer: BulkUpsert
    delete_answer: Any
    move_score: BulkUpsert
    move_cell: BulkUpsert
    current_answers: Any
    lock_participants: Any


@cache
def _statements(dialect_name: str) -> _Statements:
    answers, scores, cells = Answer.__table__, ScoreRollup.__table__, CellRollup.__table__  # type: ignore[attr-defined]
    participants = Participant.__table__  # type: ignore[attr-defined]
    upsert_answer = _bulk_upsert(
        dialect_name,
        answers,
        ("participant_id", "item_code", "rating", "kind", "comment", "updated_at"),
        ["participant_id", "item_code"],
        lambda _, new: {name: new[name] for name in ("rating", "kind", "comment", "updated_at")},
    )
    move_score = _bulk_upsert(
        dialect_name,
        scores,
        ("round_id", "arc", "viewpoint", "shard", "score_num", "score_den", "participants"),
        ["round_id", "arc", "viewpoint", "score_num", "score_den", "shard"],
        lambda old, new: {"participants": old.participants + new.participants},
    )
    move_cell = _bulk_upsert(
        dialect_name,
        cells,
        ("round_id", "arc", "viewpoint", "shard", *CELL_COUNTERS),
        ["round_id", "arc", "viewpoint", "shard"],
        lambda old, new: {
            **{name: old[name] + new[name] for name in CELL_COUNTERS},
            "version": old.version + 1,
        },
    )
    ids = bindparam("ids", expanding=True)
    return _Statements(
        upsert_answer=upsert_answer,
        delete_answer=delete(answers).where(
            answers.c.participant_id == bindparam("pid"), answers.c.item_code == bindparam("code")
        ),
        move_score=move_score,
        move_cell=move_cell,
        current_answers=select(
            answers.c.participant_id, answers.c.item_code, answers.c.kind, answers.c.rating
        ).where(
            # One statement whatever the number of participants on PostgreSQL, so it is prepared once.
            answers.c.participant_id
            == any_(bindparam("ids", type_=postgresql.ARRAY(answers.c.participant_id.type)))
            if dialect_name == "postgresql"
            else answers.c.participant_id.in_(ids)
        ),
        lock_participants=select(participants.c.id)
        .where(participants.c.id.in_(ids))
        .order_by(participants.c.id)
        .with_for_update(),
    )


def statements_for(db: Session) -> _Statements:
    return _statements(db.get_bind().dialect.name)


@dataclass
class AnswerWrite:
    """Answers of one round and viewpoint ready to write, with how the rollups move; see `prepare_answers`."""

    round_id: int
    viewpoint: str
    upserts: list[dict[str, object]] = field(default_factory=list)
    removals: list[dict[str, object]] = field(default_factory=list)
    score_deltas: Counter[tuple[str, int, int]] = field(default_factory=Counter)  # (arc, num, den)
    cell_deltas: dict[str, list[int]] = field(
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
            cell_deltas=self.cell_deltas,
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
                _add(write.cell_deltas[arc_of(code)], _cell_vector(previous), -1)
            if value is None:
                after.pop(code, None)
                if previous is not None:
                    write.removals.append({"pid": participant_id, "code": code})
                continue
            after[code] = value
            _add(write.cell_deltas[arc_of(code)], _cell_vector(value), +1)
            write.upserts.append(_answer_row(participant_id, code, value, now))
        for arc in {arc_of(code) for code in changes[participant_id]}:
            for answers, sign in ((before, -1), (after, +1)):
                score = _arc_score(answers, arc)
                if score is not None:
                    write.score_deltas[(arc, score.numerator, score.denominator)] += sign
        write.answered[participant_id] = len(after)
    return write


def lock_participants(db: Session, participant_ids: list[int]) -> None:
    """Lock the participants' rows (in id order) until the transaction ends: a second request of the same
    participant waits here, then reads the answers this one wrote. Only PostgreSQL needs it: SQLite runs
    one writing transaction at a time anyway."""
    if db.get_bind().dialect.name == "postgresql":
        db.connection().execute(statements_for(db).lock_participants, {"ids": participant_ids}).all()


def bump_scores_version(db: Session, *, round_id: int) -> None:
    """Say that something drawn from the round's scores, other than its answers, has changed (targets, a
    rebuild); answers move the cells' own versions (see `scores_fingerprint`)."""
    db.execute(
        update(Round).where(Round.id == round_id).values(scores_version=Round.scores_version + 1)  # type: ignore[arg-type]
    )


def _current_answers(db: Session, participant_ids: list[int]) -> dict[int, dict[str, AnswerValue]]:
    rows = db.connection().execute(statements_for(db).current_answers, {"ids": participant_ids})
    found: dict[int, dict[str, AnswerValue]] = defaultdict(dict)
    for participant_id, code, kind, rating in rows:
        found[participant_id][code] = AnswerValue(kind=kind, rating=rating)
    return found


def _arc_score(answers: Mapping[str, AnswerValue], arc: str) -> Fraction | None:
    ratings = [
        value.rating for code, value in answers.items() if value.rating is not None and arc_of(code) == arc
    ]
    return Fraction(sum(ratings), len(ratings)) if ratings else None


def _cell_vector(value: AnswerValue) -> tuple[int, ...]:
    vector = [0] * len(CELL_COUNTERS)
    if value.kind == "rating":
        assert value.rating is not None
        vector[value.rating - 1] = 1
    else:
        vector[5 if value.kind == "dk" else 6] = 1
    return tuple(vector)


def _add(total: list[int], vector: tuple[int, ...], sign: int) -> None:
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
    cell_deltas: Mapping[str, list[int]],
) -> None:
    """Add the deltas to the cell's rows of one shard, creating rows where there are none yet.

    Rows go in key order, score rows before cell rows: concurrent writers lock them in the same order, so
    never deadlock.
    """
    cell = {"round_id": round_id, "viewpoint": viewpoint, "shard": shard}
    score_rows = [
        {**cell, "arc": arc, "score_num": num, "score_den": den, "participants": delta}
        for (arc, num, den), delta in sorted(score_deltas.items())
        if delta
    ]
    cell_rows = [
        {**cell, "arc": arc, **dict(zip(CELL_COUNTERS, vector, strict=True))}
        for arc, vector in sorted(cell_deltas.items())
        if any(vector)
    ]
    connection, statements = db.connection(), statements_for(db)
    statements.move_score.run(connection, score_rows)
    statements.move_cell.run(connection, cell_rows)


def cells_version(round_id: ColumnElement[int]) -> ScalarSelect[int]:
    """The sum of the versions of a round's cell rollups, as a column of a query on rounds; with the round's
    own scores version it names the state of everything the round's charts are drawn from, without scoring
    it (see `scores_fingerprint`)."""
    return (
        select(func.coalesce(func.sum(_CELLS.version), 0))
        .where(_CELLS.round_id == round_id)
        .scalar_subquery()
    )


def scores_fingerprint(*, scores_version: int, cells_version: int) -> str:
    """Every change to answers moves a cell's version (sums only grow, except when a rebuild starts them
    again, which moves the round's own version), and targets move the round's version: so the two together
    change whenever anything drawn from the round's scores does."""
    return f"{scores_version}.{cells_version}"


_CELLS = CellRollup.__table__.c  # type: ignore[attr-defined]


def round_tallies(db: Session, *, round_id: int) -> dict[CellKey, CellTally]:
    """Every cell of a round with answers, as scoring needs it (without comments), from the rollups: the sums
    over each cell's shards."""
    tallies: dict[CellKey, CellTally] = defaultdict(CellTally)
    scores, cells = ScoreRollup.__table__.c, CellRollup.__table__.c  # type: ignore[attr-defined]
    score_rows = db.execute(
        select(
            scores.arc, scores.viewpoint, scores.score_num, scores.score_den, func.sum(scores.participants)
        )
        .where(scores.round_id == round_id)
        .group_by(scores.arc, scores.viewpoint, scores.score_num, scores.score_den)
    )
    for arc, viewpoint, num, den, participants in score_rows:
        if participants:
            tallies[(arc, viewpoint)].scores[Fraction(num, den)] += int(participants)
    cell_rows = db.execute(
        select(cells.arc, cells.viewpoint, *(func.sum(cells[name]) for name in CELL_COUNTERS))
        .where(cells.round_id == round_id)
        .group_by(cells.arc, cells.viewpoint)
    )
    for arc, viewpoint, *sums in cell_rows:
        counts = [int(count) for count in sums]
        if not any(counts):
            continue
        tally = tallies[(arc, viewpoint)]
        for rating, count in zip(RATINGS, counts[:5], strict=True):
            if count:
                tally.distribution[rating] = count
        tally.dont_know, tally.not_applicable = counts[5], counts[6]
    return dict(tallies)


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
        _add(cell_deltas[arc_of(code)], _cell_vector(value), +1)
    for arc in {arc_of(code) for code in given}:
        score = _arc_score(given, arc)
        if score is not None:
            score_deltas[(arc, score.numerator, score.denominator)] += 1
