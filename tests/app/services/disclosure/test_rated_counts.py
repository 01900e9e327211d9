"""People who rated different numbers of a cell's statements (app.services.disclosure.rated_counts): the
cell's distribution and its mean of arc scores weigh them differently, so a small class would be given
away."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.engine import read_session
from app.services.disclosure.published import published_round
from framework.disclosure import Hidden
from framework.scoring import Cell
from tests.answers import focus_group
from tests.api import publish, reopen
from tests.factories import World, app_state

pytestmark = pytest.mark.database
ITEMS = ("orange.child.1", "orange.child.2", "orange.child.3")


def everything(rating: int, people: int) -> list[dict[str, int | str]]:
    return [dict.fromkeys(ITEMS, rating) for _ in range(people)]


def one_dont_know(rating: int, people: int) -> list[dict[str, int | str]]:
    return [{ITEMS[0]: rating, ITEMS[1]: "dk", ITEMS[2]: rating} for _ in range(people)]


def child_cell(client: TestClient, world: World) -> Cell:
    state = app_state(client)
    with read_session(state.engine) as db:
        scores = published_round(
            db, round_id=world.round_a, framework=state.framework, min_group_size=5
        ).scores
    return next(c for c in scores.cells if (c.arc, c.viewpoint) == ("orange", "child"))


def test_one_child_who_said_dont_know_once_among_those_who_rated_everything_keeps_the_cell_hidden(
    client: TestClient, world: World
) -> None:
    """Six rated all three statements and one rated two: the distribution and the mean of arc scores would
    give the one child's ratings away."""
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "child", everything(3, 6) + one_dont_know(1, 1))
    publish(client, world, world.round_a)
    cell = child_cell(client, world)
    assert (cell.suppressed, cell.hidden_because) == (True, Hidden.DIFFERENCE.words)


def test_classes_of_k_or_more_leave_the_cell_shown(client: TestClient, world: World) -> None:
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "child", everything(3, 5) + one_dont_know(1, 5))
    publish(client, world, world.round_a)
    assert child_cell(client, world).n == 10


def test_a_few_late_children_of_another_class_keep_the_earlier_cell_shown_again(
    client: TestClient, world: World
) -> None:
    """Five newcomers (k) since the first publication, but split four and one by how many statements they
    rated: the difference of the two publications would give the one away, so the first is shown again."""
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "child", everything(3, 6))
    publish(client, world, world.round_a)
    reopen(client, world, world.round_a)
    focus_group(engine, world.round_a, "child", everything(4, 4) + one_dont_know(2, 1))
    publish(client, world, world.round_a)
    cell = child_cell(client, world)
    assert (cell.n, cell.as_published) == (6, 1)
