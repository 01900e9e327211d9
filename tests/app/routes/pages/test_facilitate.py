"""The focus groups page, used as a browser would: the sessions a member of staff may run, by round, and
creating one from the form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import SessionState
from app.db.engine import read_session
from app.db.tables import FocusSession
from app.routes.pages.facilitate import SessionsPage, parse_local_time
from tests.app.routes.pages.focus_groups import (
    room,
    session_row,
)
from tests.factories import World, app_state, browse_as
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_the_sessions_page_lists_a_facilitators_sessions_under_their_round(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])

    soup = get_page(client, "/facilitate")

    group = soup.select_one(f"#round-{world.round_a}")
    assert group is not None and world.round_a_name in text_of(group)
    links = {a.get_text(strip=True): a["href"] for a in soup.select("a.session-link")}
    assert links == {"Practitioners, north locality": room(world)}


def test_creating_a_session_through_the_form_stores_it_and_opens_its_room(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, "/facilitate"), "/facilitate/sessions")

    response = submit(
        client,
        form,
        round_id=str(world.round_a),
        viewpoint="child",
        arcs=["green", "orange"],
        title="Year 6, Oakfield",
        place="Oakfield Primary hall",
        starts_at="2010-06-15T10:30",
        children_comments="yes",
    )

    path = location(response)
    assert path.startswith("/facilitate/sessions/")
    focus = session_row(client, int(path.rsplit("/", 1)[1]))
    assert (focus.viewpoint, focus.arc_keys, focus.title, focus.place) == (
        "child",
        ["orange", "green"],
        "Year 6, Oakfield",
        "Oakfield Primary hall",
    )
    assert focus.starts_at == datetime(2010, 6, 15, 9, 30, tzinfo=UTC)  # British Summer Time is UTC+1
    assert focus.children_comments is True
    assert focus.facilitator_id == world.users["facilitator_a"]
    assert focus.state == SessionState.DRAFT
    assert text_of(get_page(client, path).h1) == "Year 6, Oakfield"


def test_the_create_form_offers_every_viewpoint_and_arc_with_its_colour(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(get_page(client, "/facilitate"), "/facilitate/sessions")

    viewpoints = [str(i["value"]) for i in form.select('input[name="viewpoint"]')]
    arcs = form.select('input[name="arcs"]')

    assert viewpoints == ["child", "practitioner", "team", "service", "trust"]
    assert len(arcs) == 8
    assert "arc-orange" in form.select_one('input[value="orange"]').parent["class"]
    assert form.select_one('input[type="datetime-local"][name="starts_at"]') is not None


def test_a_create_form_without_arcs_or_title_is_shown_again_with_422_and_messages(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, "/facilitate"), "/facilitate/sessions")

    response = submit(client, form, round_id=str(world.round_a), viewpoint="team", title="  ")

    assert response.status_code == 422
    soup = parse(response)
    assert text_of(soup.select_one("#error-arcs")) == "Error: Choose at least one arc to talk about."
    assert text_of(soup.select_one("#error-title")) == "Error: Enter the title."
    assert soup.select_one('input[name="viewpoint"][value="team"]').has_attr("checked")
    summary = {a["href"] for a in soup.select(".error-summary a")}
    assert summary == {"#field-arcs", "#field-title"}
    with read_session(app_state(client).engine) as db:
        assert len(db.scalars(select(FocusSession)).all()) == 1


def test_a_start_that_is_not_a_date_and_time_is_422_at_that_field(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, "/facilitate"), "/facilitate/sessions")

    response = submit(
        client, form, round_id=str(world.round_a), viewpoint="team", arcs=["red"], title="T", starts_at="soon"
    )

    assert response.status_code == 422
    assert "must be a date and a time" in text_of(parse(response).select_one("#error-starts_at"))


def test_a_viewer_gets_403_from_the_sessions_page(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])

    assert client.get("/facilitate").status_code == 403


def test_the_nav_shows_focus_groups_to_facilitators_but_not_to_viewers(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    facilitator_nav = get_page(client, f"/trust/{world.trust_a}").select_one("nav.site-nav")
    browse_as(client, world.users["viewer_a"])
    viewer_nav = get_page(client, f"/trust/{world.trust_a}").select_one("nav.site-nav")

    assert facilitator_nav.select_one('a[href="/facilitate"]') is not None
    assert viewer_nav.select_one('a[href="/facilitate"]') is None


def test_a_round_page_links_to_its_sessions(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])

    soup = get_page(client, f"/trust/rounds/{world.round_a}")

    link = soup.select_one(f'a[href="/facilitate?round={world.round_a}"]')
    assert link is not None
    listed = get_page(client, str(link["href"]))
    assert [a["href"] for a in listed.select("a.session-link")] == [room(world)]


def test_a_local_time_is_read_as_uk_time_in_winter_and_summer() -> None:
    assert parse_local_time("2010-01-15T10:30") == datetime(2010, 1, 15, 10, 30, tzinfo=UTC)
    assert parse_local_time("2010-06-15T10:30") == datetime(2010, 6, 15, 9, 30, tzinfo=UTC)
    assert parse_local_time("  ") is None


@pytest.mark.parametrize("text", ["soon", "2010-06-15T10:30+01:00"])
def test_a_start_that_is_not_a_local_date_and_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_local_time(text)


def test_the_sessions_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    context = rendered_with(
        client.get(f"/facilitate?round={world.round_a}"), "facilitate/index.html", SessionsPage
    )
    assert context["filtered_name"] == f"Trust A: {world.round_a_name}"
    assert context["form"]["round_id"] == str(world.round_a)


def test_a_refused_create_form_keeps_every_choice_made(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, "/facilitate"), "/facilitate/sessions")

    response = submit(
        client,
        form,
        round_id=str(world.round_a),
        arcs=["orange", "green"],
        title="Year 6",
        place="Hall",
        starts_at="2010-06-15T10:30",
        children_comments="yes",
    )

    assert response.status_code == 422
    context = rendered_with(response, "facilitate/index.html", SessionsPage)
    assert context["errors"] == {"viewpoint": "Choose who the group is."}
    assert context["form"] == {
        "round_id": str(world.round_a),
        "viewpoint": "",
        "arcs": ["orange", "green"],
        "title": "Year 6",
        "place": "Hall",
        "starts_at": "2010-06-15T10:30",
        "children_comments": True,
    }


def test_a_viewpoint_the_framework_lacks_is_refused_at_that_field(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    data = {"round_id": str(world.round_a), "viewpoint": "parent", "arcs": ["red"], "title": "Parents"}

    response = client.post("/facilitate/sessions", data=data, headers=headers)

    assert response.status_code == 422
    context = rendered_with(response, "facilitate/index.html", SessionsPage)
    assert context["errors"]["viewpoint"].startswith("Choose again: 'parent' is not a viewpoint")
    assert context["form"]["title"] == "Parents"


def test_a_viewer_posting_the_form_is_refused_before_it_is_read(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["viewer_a"])
    assert client.post("/facilitate/sessions", data={"title": ""}, headers=headers).status_code == 403


@pytest.mark.parametrize("digits", ["²", "①"])
def test_a_round_of_digits_from_other_scripts_is_ignored_not_a_500(
    client: TestClient, world: World, digits: str
) -> None:
    client.headers.update(browse_as(client, world.users["facilitator_a"]))
    response = client.get("/facilitate", params={"round": digits})
    assert response.status_code == 200


def test_create_a_session_comes_first_and_running_sessions_before_closed_ones(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    for title in ("Closed early", "Still a draft"):
        submit(
            client,
            find_form(get_page(client, "/facilitate"), "/facilitate/sessions"),
            round_id=str(world.round_a),
            viewpoint="practitioner",
            arcs="orange",
            title=title,
        )
    closed = next(
        link["href"]
        for link in get_page(client, "/facilitate").select("a.session-link")
        if text_of(link) == "Closed early"
    )
    client.post(f"{closed}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)

    soup = get_page(client, "/facilitate")

    assert soup.select_one("main h2").get_text(strip=True) == "Create a session"
    titles = [text_of(link) for link in soup.select("a.session-link")]
    assert titles == ["Practitioners, north locality", "Still a draft", "Closed early"]
