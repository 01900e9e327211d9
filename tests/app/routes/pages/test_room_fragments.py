"""The room's parts that htmx fetches or posts on their own (fragments): whatever is wrong comes back inside
that part, never as a whole page in a page; and the agreed rating is asked on the group's own scale."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.db.engine import read_session
from app.db.tables import Consensus
from tests.app.routes.pages.focus_groups import answer_by_device, child_session, room
from tests.factories import World, app_state, browse_as
from tests.pages import find_form, get_page, parse, text_of

pytestmark = pytest.mark.database

HX = {"HX-Request": "true"}
DASH = "\N{EN DASH}"


def _is_fragment(html: str) -> bool:
    return "<html" not in html and "site-header" not in html and "Back to the rainbow" not in html


def test_twelve_thousand_characters_of_evidence_come_back_inline_in_the_statement_with_what_was_typed(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    data = {"item": "orange.practitioner.1", "rating": "3", "notes": "x" * 12_000}

    response = client.post(f"{room(world)}/consensus", data=data, headers={**headers, **HX})

    assert response.status_code == 422 and _is_fragment(response.text)
    soup = parse(response)
    assert [a["id"] for a in soup.select("article")] == ["item-orange-practitioner-1"]
    assert "at most 5000 characters" in text_of(soup.select_one("#error-notes-item-orange-practitioner-1"))
    assert soup.select_one('select[name="rating"] option[selected]')["value"] == "3"
    assert len(text_of(soup.select_one("textarea"))) == 12_000
    with read_session(app_state(client).engine) as db:
        assert db.get(Consensus, 1) is None


def test_an_unknown_statement_posted_by_htmx_is_a_message_alone(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/consensus", data={"item": "red.child.1", "rating": "3"}, headers={**headers, **HX}
    )

    assert response.status_code == 422 and _is_fragment(response.text)
    alert = parse(response).select_one("[role=alert]")
    assert "'red.child.1' is not a statement of this session" in text_of(alert)


@pytest.mark.parametrize(
    "path",
    ["/facilitate/sessions/not-a-number", "/facilitate/sessions/not-a-number/screen"],
    ids=["room progress", "room screen"],
)
def test_a_polled_fragment_with_a_bad_path_gets_its_message_alone(
    client: TestClient, world: World, path: str
) -> None:
    browse_as(client, world.users["facilitator_a"])

    response = client.get(path, headers=HX)

    assert response.status_code == 422 and _is_fragment(response.text)
    assert parse(response).select_one("[role=alert]") is not None


def test_a_polled_fragment_after_signing_out_sends_the_whole_page_to_sign_in(
    client: TestClient, world: World
) -> None:
    response = client.get(room(world), headers=HX, follow_redirects=False)

    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == f"/login?next={room(world)}"


def test_the_evidence_box_states_its_limit_and_counts(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])

    form = find_form(get_page(client, room(world)), f"{room(world)}/consensus", item="orange.practitioner.1")

    box = form.select_one("textarea")
    assert box["maxlength"] == "5000"
    assert "Up to 5,000 characters." in text_of(form)
    counter = form.select_one('[data-counter-for="notes-item-orange-practitioner-1"]')
    assert text_of(counter) == "0 of 5,000 characters used"
    assert counter["id"] in box["aria-describedby"]


def test_a_child_group_agrees_on_the_childrens_scale_without_not_applicable(
    client: TestClient, world: World
) -> None:
    session_id = child_session(client, world)
    headers = browse_as(client, world.users["facilitator_a"])
    for rating in (1, 2, 3, 4, 5):
        answer_by_device(client, "CHILDRN", [{"item": "orange.child.1", "rating": rating}])
    client.post(f"/facilitate/sessions/{session_id}/reveal", data={"revealed": "true"}, headers=headers)

    soup = get_page(client, f"/facilitate/sessions/{session_id}")

    options = [text_of(o) for o in soup.select("#item-orange-child-1 select[name=rating] option")]
    words = ["Never", "Not often", "Sometimes", "Mostly", "Always"]
    assert options == ["Not agreed", *(f"{n} {DASH} {w}" for n, w in enumerate(words, start=1))]
    rows = [text_of(th) for th in soup.select("#item-orange-child-1 table.distribution tbody th")]
    assert "Not applicable" not in rows and rows[0] == "1 Never"


def test_a_saved_agreed_rating_is_said_on_the_groups_own_scale(client: TestClient, world: World) -> None:
    session_id = child_session(client, world)
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"/facilitate/sessions/{session_id}/consensus",
        data={"item": "orange.child.1", "rating": "4", "notes": "Most of us said so."},
        headers={**headers, **HX},
    )

    assert response.status_code == 200
    assert f"Saved: agreed 4 {DASH} Mostly." in text_of(parse(response).select_one(".saved"))


#: Every room route that answers htmx with a part of its page, and the test (in this module, or in
#: test_room_screen) that sends it something wrong and finds the message inside that part.
FRAGMENT_ROUTES = {
    "facilitate.room_page": "test_a_polled_fragment_with_a_bad_path_gets_its_message_alone",
    "facilitate.room_screen": "test_a_polled_fragment_with_a_bad_path_gets_its_message_alone",
    "facilitate.record_consensus": (
        "test_twelve_thousand_characters_of_evidence_come_back_inline_in_the_statement_with_what_was_typed"
    ),
    "facilitate.move_screen": "test_a_bad_move_is_refused_inline_in_the_panel_and_changes_nothing",
    "facilitate.confirm_close": "test_the_close_pages_poll_with_a_bad_path_gets_its_message_alone",
}


def test_every_room_fragment_route_is_covered_here() -> None:
    from app.routes.pages import room, room_close, room_screen
    from tests.app.routes.pages import test_room_screen

    routes = [*room.router.routes, *room_close.router.routes, *room_screen.router.routes]
    fragment_routes = {
        route.name
        for route in routes
        if isinstance(route, APIRoute) and "htmx_block=" in _source_with_helpers(route.endpoint)
    }
    assert fragment_routes == set(FRAGMENT_ROUTES)
    tests = {*vars(sys.modules[__name__]), *vars(test_room_screen)}
    assert set(FRAGMENT_ROUTES.values()) <= tests


def _source_with_helpers(endpoint: Callable[..., object]) -> str:
    """A route's text, with that of the module's private helpers it calls (its refusals, say)."""
    source = inspect.getsource(endpoint)
    helpers = vars(inspect.getmodule(endpoint))
    return source + "".join(
        inspect.getsource(helper)
        for name, helper in helpers.items()
        if name.startswith("_") and inspect.isfunction(helper) and f"{name}(" in source
    )


def test_the_close_pages_poll_with_a_bad_path_gets_its_message_alone(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])

    response = client.get("/facilitate/sessions/not-a-number/close", headers=HX)

    assert response.status_code == 422 and _is_fragment(response.text)
