"""A round as its latest publication shows it (app.services.disclosure.published): comments only from the
people a shown figure was worked out from, agreed ratings only of groups of k raters."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.engine import read_session, write_session
from app.db.tables import Consensus
from app.services.disclosure.published import (
    AgreedRatings,
    NotPublished,
    agreed_ratings,
    published_round,
    with_comments,
)
from tests.answers import focus_group
from tests.api import publish, reopen
from tests.factories import World, app_state

pytestmark = pytest.mark.database


def commenting(people: int, words: str, rating: int = 3) -> list[dict[str, object]]:
    return [{"orange.team.1": (rating, f"{words} {n}")} for n in range(people)]


def comments(client: TestClient, round_id: int) -> list[str]:
    state = app_state(client)
    with read_session(state.engine) as db:
        shown = published_round(db, round_id=round_id, framework=state.framework, min_group_size=5)
        scores = with_comments(
            db, published=shown, round_id=round_id, arc="orange", comment_min_group_size=10
        )
    team = next(c for c in scores.cells if (c.arc, c.viewpoint) == ("orange", "team"))
    return list(team.comments or ())


def test_a_round_never_published_has_nothing_to_show(client: TestClient, world: World) -> None:
    state = app_state(client)
    with read_session(state.engine) as db, pytest.raises(NotPublished):
        published_round(db, round_id=world.round_a, framework=state.framework, min_group_size=5)


def test_comments_come_from_a_cell_of_ten_raters_or_more(client: TestClient, world: World) -> None:
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "team", commenting(10, "On time"))  # type: ignore[arg-type]
    publish(client, world, world.round_a)
    assert len(comments(client, world.round_a)) == 10


def test_late_comments_wait_for_the_next_publication(client: TestClient, world: World) -> None:
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "team", commenting(10, "On time"))  # type: ignore[arg-type]
    publish(client, world, world.round_a)
    reopen(client, world, world.round_a)
    focus_group(engine, world.round_a, "team", commenting(6, "Late"))  # type: ignore[arg-type]
    assert not [words for words in comments(client, world.round_a) if words.startswith("Late")]
    publish(client, world, world.round_a)
    assert len([words for words in comments(client, world.round_a) if words.startswith("Late")]) == 6


def test_a_cell_shown_as_an_earlier_publication_keeps_that_publications_comments(
    client: TestClient, world: World
) -> None:
    """Two late comments appearing beside figures that stay as before would be known to be the two late
    people's."""
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "team", commenting(10, "On time"))  # type: ignore[arg-type]
    publish(client, world, world.round_a)
    reopen(client, world, world.round_a)
    focus_group(engine, world.round_a, "team", commenting(2, "Late"))  # type: ignore[arg-type]
    publish(client, world, world.round_a)
    shown = comments(client, world.round_a)
    assert len(shown) == 10 and not [words for words in shown if words.startswith("Late")]


def agreed(client: TestClient, world: World) -> AgreedRatings:
    state = app_state(client)
    with read_session(state.engine) as db:
        shown = published_round(db, round_id=world.round_a, framework=state.framework, min_group_size=5)
        return agreed_ratings(db, published=shown, round_id=world.round_a, arc="orange", min_group_size=5)


def agree(client: TestClient, session_id: int, rating: int) -> None:
    with write_session(app_state(client).engine) as db:
        db.add(Consensus(session_id=session_id, item_code="orange.team.1", rating=rating, notes="Evidence"))


def test_agreed_ratings_of_groups_under_k_raters_are_counted_not_shown(
    client: TestClient, world: World
) -> None:
    engine = app_state(client).engine
    large = focus_group(engine, world.round_a, "team", [{"orange.team.1": 4}] * 5, title="Large")
    small = focus_group(engine, world.round_a, "team", [{"orange.team.1": 1}] * 2, title="Small")
    # Five answered in this one, but two said "don't know": three raters.
    unsure = focus_group(
        engine,
        world.round_a,
        "team",
        [{"orange.team.1": 2}] * 3 + [{"orange.team.1": "dk"}] * 2,
        title="Unsure",
    )
    for session_id, rating in ((large, 4), (small, 1), (unsure, 2)):
        agree(client, session_id, rating)
    publish(client, world, world.round_a)
    found = agreed(client, world)
    assert [(a.session_title, a.rating) for a in found.shown["orange.team.1"]] == [("Large", 4)]
    assert found.small_groups == {"orange.team.1": 2}


def test_agreed_ratings_of_groups_after_the_publication_wait_for_the_next(
    client: TestClient, world: World
) -> None:
    engine = app_state(client).engine
    publish(client, world, world.round_a)
    reopen(client, world, world.round_a)
    late = focus_group(engine, world.round_a, "team", [{"orange.team.1": 4}] * 5, title="Late")
    agree(client, late, 4)
    assert agreed(client, world).shown == {}
