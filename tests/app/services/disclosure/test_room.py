"""What a focus group's room may see of its own answers (app.services.disclosure.room): a statement only from
k raters, changed only when k have changed since the room last saw it, never a few people beside answers a
member of staff typed in, nothing once the session is closed, and what each reveal showed in the ledger."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.choices import SessionState
from app.db.disclosure_tables import Disclosure
from app.db.engine import read_session
from app.db.tables import FocusSession
from app.services.disclosure.room import reveal_preview
from app.store import participants
from framework.disclosure import Hidden
from tests.answers import add_people, rating_everything, set_state
from tests.api import bearer
from tests.factories import World, app_state

pytestmark = pytest.mark.database
ITEM = "orange.practitioner.1"


def join_in(client: TestClient, world: World, people: int, rating: int | str = 4, **kw: Any) -> None:
    add_people(app_state(client).engine, world.session_a, rating_everything([ITEM], rating, people), **kw)


def room_sees(client: TestClient, world: World) -> dict[str, Any]:
    headers = bearer(world, "facilitator_a")
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)
    response = client.get(f"/api/sessions/{world.session_a}/results", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = next(entry for entry in response.json() if entry["item"] == ITEM)
    return found


def reveals(client: TestClient, world: World) -> int:
    with read_session(app_state(client).engine) as db:
        return int(
            db.scalar(
                select(func.count()).where(
                    Disclosure.session_id == world.session_a, Disclosure.kind == "reveal"
                )  # type: ignore[arg-type]
            )
            or 0
        )


def test_a_statement_is_shown_to_the_room_from_k_raters_not_counting_dont_know(
    client: TestClient, world: World
) -> None:
    join_in(client, world, 4)
    join_in(client, world, 3, "dk")
    hidden = room_sees(client, world)
    assert (hidden["suppressed"], hidden["hidden_because"], hidden["more_needed"]) == (
        True,
        Hidden.TOO_FEW.words,
        1,
    )
    join_in(client, world, 1)
    shown = room_sees(client, world)
    assert (shown["raters"], shown["counts"]["4"], shown["dk"], shown["n"]) == (5, 5, 3, 8)


def test_the_room_sees_a_change_only_once_k_raters_have_changed(client: TestClient, world: World) -> None:
    join_in(client, world, 5, 4)
    first = room_sees(client, world)
    join_in(client, world, 4, 1)  # four more: the new figure minus the last would give them away
    again = room_sees(client, world)
    assert (again["raters"], again["counts"]["1"]) == (5, 0)
    assert again["as_revealed_at"] is not None and first["as_revealed_at"] is None
    join_in(client, world, 1, 1)  # five since the room last saw it
    now = room_sees(client, world)
    assert (now["raters"], now["counts"]["1"], now["as_revealed_at"]) == (10, 5, None)


def test_every_figure_newly_shown_is_recorded_and_nothing_else(client: TestClient, world: World) -> None:
    join_in(client, world, 5)
    room_sees(client, world)
    room_sees(client, world)  # nothing new: no new record
    assert reveals(client, world) == 1
    join_in(client, world, 2)
    room_sees(client, world)  # the last figure again: nothing newly shown
    assert reveals(client, world) == 1


def test_answers_typed_in_by_staff_keep_a_few_others_hidden_from_the_room(
    client: TestClient, world: World
) -> None:
    join_in(client, world, 3)
    join_in(client, world, 2, 1, entered_by=world.users["facilitator_a"])
    hidden = room_sees(client, world)
    assert (hidden["suppressed"], hidden["hidden_because"]) == (True, Hidden.DIFFERENCE.words)


def test_a_room_of_paper_questionnaires_all_typed_in_by_one_person_is_shown(
    client: TestClient, world: World
) -> None:
    join_in(client, world, 5, 2, entered_by=world.users["facilitator_a"])
    assert room_sees(client, world)["raters"] == 5


def test_a_closed_session_shows_the_room_nothing(client: TestClient, world: World) -> None:
    join_in(client, world, 6)
    room_sees(client, world)
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    response = client.get(f"/api/sessions/{world.session_a}/results", headers=bearer(world, "facilitator_a"))
    assert response.status_code == 409
    assert "This session is closed" in response.json()["detail"]


def test_a_locked_session_still_shows_the_room_its_answers(client: TestClient, world: World) -> None:
    join_in(client, world, 6)
    set_state(app_state(client).engine, world.session_a, SessionState.LOCKED)
    assert room_sees(client, world)["raters"] == 6


def test_before_the_reveal_the_facilitator_learns_how_many_more_each_statement_needs(
    client: TestClient, world: World
) -> None:
    join_in(client, world, 3)
    join_in(client, world, 2, "na")
    state = app_state(client)
    with read_session(state.engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        items = participants.session_items(state.framework, state.surveys, focus)
        preview = {entry.item: entry for entry in reveal_preview(db, focus=focus, items=items, k=5)}
    assert (preview[ITEM].more_needed, preview[ITEM].counts) == (2, None)
    assert preview["orange.practitioner.2"].more_needed == 5
    assert reveals(client, world) == 0  # nothing shown, nothing recorded
