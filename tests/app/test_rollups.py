"""Rollups: kept in step with answers by every write, equal to a fresh computation, rebuilt on demand."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select, update

from app.choices import SessionState
from app.config import Settings
from app.db.engine import create_db_engine, read_session, write_session
from app.db.rollup_tables import ScoreRollup, StatementRollup
from app.db.tables import Answer, FocusSession, Participant
from app.store.rollup_rebuild import answer_records, rebuild_rollups
from app.store.rollups import AnswerValue, round_tallies, write_answers
from framework.scoring import AnswerRecord, CellTally, tally
from surveys import arc_of_code
from tests.factories import make_world

ITEMS = ("orange.team.1", "orange.team.2", "orange.team.3", "green.team.1", "green.team.2")
PARTICIPANTS = 4

pytestmark = pytest.mark.database


@pytest.fixture
def engine(migrated: Settings) -> Iterator[Engine]:
    engine = create_db_engine(migrated)
    yield engine
    engine.dispose()


def team_session(engine: Engine, *, participants: int = PARTICIPANTS) -> tuple[int, list[int]]:
    """Trust A's round with a team session of `participants` people; returns (round id, participant ids)."""
    world = make_world(engine)
    with write_session(engine) as db:
        focus = FocusSession(
            round_id=world.round_a,
            trust_id=world.trust_a,
            viewpoint="team",
            arcs="orange,green",
            title="Team leaders",
            state=SessionState.OPEN,
        )
        db.add(focus)
        db.flush()
        people = [Participant(session_id=focus.id, token_hash=f"hash-{n}") for n in range(participants)]  # type: ignore[arg-type]
        db.add_all(people)
        db.flush()
        return world.round_a, [person.id for person in people]  # type: ignore[misc]


def fresh_tallies(engine: Engine, round_id: int) -> dict[tuple[str, str], CellTally]:
    """What scoring makes of the stored answers, read one by one, without comments."""
    with read_session(engine) as db:
        records = [
            AnswerRecord(participant, arc_of_code(item), viewpoint, item, kind, rating)  # type: ignore[arg-type]
            for participant, viewpoint, item, kind, rating, _comment in answer_records(db, round_id=round_id)
        ]
    return tally(records)


def rolled_up(engine: Engine, round_id: int) -> dict[tuple[str, str], CellTally]:
    with read_session(engine) as db:
        return round_tallies(db, round_id=round_id)


def rating(value: int) -> AnswerValue:
    return AnswerValue(kind="rating", rating=value)


ANSWERS = st.one_of(
    st.none(),
    st.integers(1, 5).map(rating),
    st.sampled_from([AnswerValue(kind="dk"), AnswerValue(kind="na")]),
)
WRITES = st.lists(
    st.dictionaries(
        st.integers(0, PARTICIPANTS - 1),
        st.dictionaries(st.sampled_from(ITEMS), ANSWERS, max_size=4),
        max_size=3,
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_rollups_equal_a_fresh_computation_after_any_submits_updates_and_removals(
    engine: Engine, writes: list[dict[int, dict[str, AnswerValue | None]]]
) -> None:
    with write_session(engine) as db:
        for table in (ScoreRollup, StatementRollup, Answer):
            db.execute(delete(table))
        round_id = db.scalar(select(FocusSession.round_id))
        people = list(db.scalars(select(Participant.id).order_by(Participant.id)))
    if round_id is None:
        round_id, people = team_session(engine)
    for write in writes:
        with write_session(engine) as db:
            changes = {people[index]: answers for index, answers in write.items()}
            write_answers(db, round_id=round_id, viewpoint="team", changes=changes)
    assert rolled_up(engine, round_id) == fresh_tallies(engine, round_id)


def test_changing_an_answer_moves_the_participant_to_their_new_score(engine: Engine) -> None:
    round_id, (person, *_) = team_session(engine)
    with write_session(engine) as db:
        write_answers(db, round_id=round_id, viewpoint="team", changes={person: {ITEMS[0]: rating(2)}})
    with write_session(engine) as db:
        write_answers(db, round_id=round_id, viewpoint="team", changes={person: {ITEMS[0]: rating(5)}})
    cell = rolled_up(engine, round_id)[("orange", "team")]
    assert (dict(cell.raters), dict(cell.distribution)) == ({(5, 1): 1}, {5: 1})


def test_a_participant_is_kept_with_the_sum_and_number_of_their_ratings_unreduced(engine: Engine) -> None:
    """Two ratings of 3 are (6, 2), not 3/1: a comparison resamples people with all their ratings."""
    round_id, (person, *_) = team_session(engine)
    with write_session(engine) as db:
        changes = {person: {ITEMS[0]: rating(3), ITEMS[1]: rating(3)}}
        write_answers(db, round_id=round_id, viewpoint="team", changes=changes)
    assert dict(rolled_up(engine, round_id)[("orange", "team")].raters) == {(6, 2): 1}


def test_taking_back_the_only_rating_removes_the_participant_from_the_cell(engine: Engine) -> None:
    round_id, (person, *_) = team_session(engine)
    with write_session(engine) as db:
        write_answers(db, round_id=round_id, viewpoint="team", changes={person: {ITEMS[0]: rating(3)}})
    with write_session(engine) as db:
        write_answers(db, round_id=round_id, viewpoint="team", changes={person: {ITEMS[0]: None}})
    assert rolled_up(engine, round_id) == {}
    with read_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Answer)) == 0


def test_writes_in_different_shards_move_different_rows_of_one_cell(engine: Engine) -> None:
    """So that two tablets saving at once on PostgreSQL do not wait for each other's row locks."""
    round_id, (first, second, *_) = team_session(engine)
    for person, value, shard in ((first, 2, 3), (second, 4, 11)):
        with write_session(engine) as db:
            changes = {person: {ITEMS[0]: rating(value)}}
            write_answers(db, round_id=round_id, viewpoint="team", changes=changes, shard=shard)
    with read_session(engine) as db:
        assert db.scalars(select(StatementRollup.shard).distinct().order_by(StatementRollup.shard)).all() == [
            3,
            11,
        ]
    cell = rolled_up(engine, round_id)[("orange", "team")]
    assert (dict(cell.raters), dict(cell.distribution)) == ({(2, 1): 1, (4, 1): 1}, {2: 1, 4: 1})


def test_an_answer_changed_in_another_shard_is_counted_once_at_its_new_value(engine: Engine) -> None:
    round_id, (person, *_) = team_session(engine)
    for value, shard in ((2, 0), (5, 7)):
        with write_session(engine) as db:
            changes = {person: {ITEMS[0]: rating(value)}}
            write_answers(db, round_id=round_id, viewpoint="team", changes=changes, shard=shard)
    with read_session(engine) as db:
        moved = db.scalar(
            select(ScoreRollup.participants).where(ScoreRollup.shard == 7, ScoreRollup.score_num == 2)
        )
    assert moved == -1  # shard 7 takes the person out of score 2, which shard 0 counted
    cell = rolled_up(engine, round_id)[("orange", "team")]
    assert (dict(cell.raters), dict(cell.distribution)) == ({(5, 1): 1}, {5: 1})


def test_a_failed_transaction_moves_neither_answers_nor_rollups(engine: Engine) -> None:
    round_id, (person, *_) = team_session(engine)
    with pytest.raises(RuntimeError), write_session(engine) as db:
        write_answers(db, round_id=round_id, viewpoint="team", changes={person: {ITEMS[0]: rating(4)}})
        raise RuntimeError("the request failed after writing")
    assert rolled_up(engine, round_id) == {}


def test_rebuilding_gives_back_rollups_that_were_lost(engine: Engine) -> None:
    round_id, people = team_session(engine)
    with write_session(engine) as db:
        write_answers(
            db,
            round_id=round_id,
            viewpoint="team",
            changes={
                p: {ITEMS[0]: rating(1 + n), ITEMS[3]: AnswerValue(kind="dk")} for n, p in enumerate(people)
            },
        )
    before = rolled_up(engine, round_id)
    with write_session(engine) as db:
        db.execute(delete(ScoreRollup))
        db.execute(update(StatementRollup).values(rated_1=99))
    with write_session(engine) as db:
        assert rebuild_rollups(db, round_ids=[round_id]) == 2 * len(people)
    assert rolled_up(engine, round_id) == before == fresh_tallies(engine, round_id)


def test_an_answer_that_is_not_a_rating_cannot_carry_one() -> None:
    with pytest.raises(ValueError, match="kind 'dk' cannot have rating 3"):
        AnswerValue(kind="dk", rating=3)


def test_concurrent_writers_leave_the_rollups_equal_to_the_answers(engine: Engine) -> None:
    """Many requests at once, some for the same participant: on PostgreSQL these run truly in parallel."""
    round_id, people = team_session(engine, participants=6)
    plan = [(people[n % len(people)], ITEMS[n % len(ITEMS)], 1 + n % 5) for n in range(60)]

    def write(step: tuple[int, str, int]) -> None:
        person, item, value = step
        with write_session(engine) as db:
            write_answers(db, round_id=round_id, viewpoint="team", changes={person: {item: rating(value)}})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, plan))
    assert rolled_up(engine, round_id) == fresh_tallies(engine, round_id)
