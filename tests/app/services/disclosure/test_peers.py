"""Where a trust sits among others (app.services.disclosure.peers): from published rounds only, each trust by
its latest of the year, in sixths, nothing before five trusts, worked out at most once a day, so that
publishing, deleting and publishing again cannot probe where the edges lie."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from app.config import Settings
from app.db.engine import create_db_engine, read_session, write_session
from app.db.tables import Round, Trust
from app.identity import Staff
from app.services.disclosure.peers import PeerRules, PeerSixths, peer_sixths, sixth_of
from app.services.disclosure.publication import PublicationRules, publish
from app.store.rounds import delete_round
from framework.model import load_framework
from tests.answers import focus_group, rating_everything
from tests.factories import add_round, make_user

FRAMEWORK = load_framework()
RULES = PeerRules(min_group_size=5, min_trusts=5)
T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.database


@pytest.fixture
def engine(migrated: Settings) -> Iterator[Engine]:
    engine = create_db_engine(migrated)
    yield engine
    engine.dispose()


def new_trust(engine: Engine, name: str) -> int:
    with write_session(engine) as db:
        trust = Trust(name=name)
        db.add(trust)
        db.flush()
        assert trust.id is not None
        return trust.id


def scored_round(
    engine: Engine, trust_id: int, score: int, *, when: date = date(2009, 6, 1), published: bool = True
) -> int:
    """A round of the trust in which five team members rate orange.team.1 `score`; published at T."""
    round_id = add_round(engine, trust_id=trust_id, name=f"Round of {when}", period_start=when)
    focus_group(engine, round_id, "team", rating_everything(["orange.team.1"], score, 5))
    if published:
        with write_session(engine) as db:
            db_round = db.get(Round, round_id)
            assert db_round is not None
            publish(db, actor=None, db_round=db_round, rules=PublicationRules(5, 100), now=T)
    return round_id


def peers_trust(engine: Engine, name: str, score: int, **kw: object) -> tuple[int, int]:
    trust_id = new_trust(engine, name)
    return trust_id, scored_round(engine, trust_id, score, **kw)  # type: ignore[arg-type]


def sixths(engine: Engine, round_id: int, at: datetime) -> PeerSixths:
    with read_session(engine) as db:
        db_round = db.get(Round, round_id)
        assert db_round is not None
    return peer_sixths(engine, db_round=db_round, framework=FRAMEWORK, rules=RULES, now=at)


def five_trusts(engine: Engine, name: str = "Trust") -> list[int]:
    """Five trusts with a published 2009 round each, orange scores 1 to 5; their rounds' ids."""
    return [peers_trust(engine, f"{name} {score}", score)[1] for score in range(1, 6)]


def test_nothing_is_placed_before_five_trusts_have_a_published_round(engine: Engine) -> None:
    rounds = [peers_trust(engine, f"Trust {score}", score)[1] for score in range(1, 5)]
    peers_trust(engine, "Not yet published", 5, published=False)
    found = sixths(engine, rounds[0], T)
    assert (found.year, found.enough_trusts, found.sixths["orange"]) == (2009, False, None)


def test_five_published_trusts_are_each_placed_in_a_sixth_and_nothing_more(engine: Engine) -> None:
    rounds = five_trusts(engine)
    lowest, highest = sixths(engine, rounds[0], T), sixths(engine, rounds[-1], T)
    assert (lowest.enough_trusts, lowest.sixths["orange"], highest.sixths["orange"]) == (True, 1, 6)
    assert highest.sixths["red"] is None  # no trust has a red score: nothing to place it among
    assert (highest.computed_at, highest.next_computation) == (T, T + timedelta(days=1))


def test_a_trust_with_two_rounds_in_the_year_is_placed_by_its_latest(engine: Engine) -> None:
    rounds = five_trusts(engine)
    twice = new_trust(engine, "Twice")
    earlier = scored_round(engine, twice, 1, when=date(2009, 3, 1))
    autumn = scored_round(engine, twice, 5, when=date(2009, 10, 1))
    scored_round(engine, twice, 1, when=date(2010, 1, 1))  # another year
    assert sixths(engine, autumn, T).sixths["orange"] == 6  # the trust's place, from its autumn round
    spring = sixths(engine, earlier, T)  # the spring round did not place the trust: it shows no place
    assert (spring.sixths["orange"], spring.waiting) == (None, True)
    assert sixths(engine, rounds[0], T).sixths["orange"] == 1


def test_nothing_moves_until_a_day_after_the_last_computation(engine: Engine) -> None:
    rounds = five_trusts(engine)
    assert sixths(engine, rounds[0], T).sixths["orange"] == 1
    # The lowest trust publishes a far better round; the highest deletes its round.
    with read_session(engine) as db:
        lowest_trust = db.get(Round, rounds[0])
        assert lowest_trust is not None
    scored_round(engine, lowest_trust.trust_id, 5, when=date(2009, 12, 1))
    admin = Staff(
        user_id=make_user(engine, "admin@example.org", admin=True), email="admin@example.org", is_admin=True
    )
    with write_session(engine) as db:
        doomed = db.get(Round, rounds[-1])
        assert doomed is not None
        delete_round(db, actor=admin, db_round=doomed)
    still = sixths(engine, rounds[0], T + timedelta(hours=23, minutes=59))
    assert (still.sixths["orange"], still.computed_at) == (1, T)
    # A day later, four trusts are left with a published round: no one is placed.
    assert sixths(engine, rounds[0], T + timedelta(days=1)).enough_trusts is False


def test_a_trust_published_after_the_last_computation_waits_for_the_next(engine: Engine) -> None:
    five_trusts(engine)
    sixths(engine, five_trusts(engine, "Other")[0], T)  # ten trusts, worked out at T
    _, newcomer = peers_trust(engine, "Newcomer", 5)
    waiting = sixths(engine, newcomer, T + timedelta(hours=1))
    assert (waiting.enough_trusts, waiting.waiting, waiting.sixths["orange"]) == (True, True, None)
    assert waiting.next_computation == T + timedelta(days=1)
    placed = sixths(engine, newcomer, T + timedelta(days=1))
    assert (placed.waiting, placed.sixths["orange"]) == (False, 6)


def test_a_round_without_a_period_has_no_year_to_be_placed_in(engine: Engine) -> None:
    trust = new_trust(engine, "Undated")
    round_id = add_round(engine, trust_id=trust, name="Undated round")
    found = sixths(engine, round_id, T)
    assert (found.year, found.enough_trusts) == (None, False)


@pytest.mark.parametrize(
    ("score", "others", "sixth"),
    [
        (5.0, [1.0, 2.0, 3.0, 4.0], 6),
        (1.0, [2.0, 3.0, 4.0, 5.0], 1),
        (3.0, [1.0, 2.0, 4.0, 5.0], 4),  # the middle of five: half below, just past the middle sixth
        (3.0, [3.0] * 4, 4),  # all the same: each is the middle
    ],
)
def test_a_score_falls_in_the_sixth_of_its_mid_rank(score: float, others: list[float], sixth: int) -> None:
    assert sixth_of(score, others) == sixth
