"""The facilitator's pages, used as a browser would: create a session from the form, run the room (open,
lock, close), watch progress, reveal the room's answers, record the group's agreed ratings, type in paper
questionnaires, and project the room screen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import Role, SessionState
from app.db.engine import read_session, write_session
from app.db.tables import Answer, AuditEvent, FocusSession, Participant
from tests.factories import World, app_state, browse_as, make_user
from tests.pages import find_form, get_page, location, parse, submit, text_of

pytestmark = pytest.mark.database


# --- helpers ---------------------------------------------------------------------------------------------


def session_row(client: TestClient, session_id: int) -> FocusSession:
    with read_session(app_state(client).engine) as db:
        focus = db.get(FocusSession, session_id)
        assert focus is not None
        return focus


def room(world: World) -> str:
    return f"/facilitate/sessions/{world.session_a}"


def answer_by_device(client: TestClient, code: str, answers: list[dict[str, object]]) -> None:
    """A respondent joins through the API and submits `answers`, leaving the staff cookies as they were."""
    cookies = dict(client.cookies)
    client.cookies.clear()
    token = client.post("/api/join", json={"code": code}).json()["token"]
    client.cookies.clear()
    response = client.put(
        "/api/responses",
        json={"answers": answers, "submit": True},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


def progress_counts(soup: BeautifulSoup | Tag) -> dict[str, str]:
    return {
        text_of(item.select_one("dt")): text_of(item.select_one("dd"))
        for item in soup.select(".progress-counts div")
    }


def distribution(soup: BeautifulSoup, code: str) -> dict[str, str]:
    article = soup.select_one(f"article#item-{code.replace('.', '-')}")
    assert article is not None
    return {
        text_of(row.select_one("th")): text_of(row.select_one("td.count"))
        for row in article.select("table.distribution tbody tr")
    }


# --- the list and creating a session ---------------------------------------------------------------------


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


# --- running the room ------------------------------------------------------------------------------------


def test_open_lock_and_close_with_a_confirmation_step(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    state_path = f"{room(world)}/state"

    locked = submit(client, find_form(get_page(client, room(world)), state_path, state="locked"))
    assert location(locked) == room(world)
    assert session_row(client, world.session_a).state == SessionState.LOCKED

    reopened = submit(client, find_form(get_page(client, room(world)), state_path, state="open"))
    assert location(reopened) == room(world)
    assert session_row(client, world.session_a).state == SessionState.OPEN

    close_link = get_page(client, room(world)).select_one(f'a[href="{room(world)}/close"]')
    assert close_link is not None
    confirm = get_page(client, str(close_link["href"]))
    assert "cannot be opened again" in text_of(confirm)
    closed = submit(client, find_form(confirm, state_path, state="closed"))
    assert location(closed) == room(world)
    focus = session_row(client, world.session_a)
    assert (focus.state, focus.join_code) == (SessionState.CLOSED, None)


def test_closing_without_the_confirmation_goes_to_the_confirmation_page(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/state", data={"state": "closed"}, headers=headers, follow_redirects=False
    )

    assert location(response) == f"{room(world)}/close"
    assert session_row(client, world.session_a).state == SessionState.OPEN


def test_a_closed_session_cannot_be_reopened_and_says_why_with_409(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)

    response = client.post(
        f"{room(world)}/state", data={"state": "open"}, headers=headers, follow_redirects=False
    )

    assert response.status_code == 409
    assert "A session that is closed cannot become open." in text_of(
        parse(response).select_one(".error-summary")
    )
    assert session_row(client, world.session_a).state == SessionState.CLOSED


def test_the_room_shows_the_join_code_spaced_and_links_to_the_screen(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])

    soup = get_page(client, room(world))

    assert text_of(soup.select_one(".join-code")) == "ABC DEFG"
    assert soup.select_one(f'a[href="{room(world)}/screen"]') is not None


def test_progress_polling_with_hx_request_returns_only_the_progress_block(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 3}])

    response = client.get(room(world), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    assert "<html" not in response.text and "<h1" not in response.text
    assert progress_counts(parse(response)) == {"Joined": "1", "Answering": "0", "Submitted": "1"}


def test_the_full_room_page_polls_its_own_url_for_progress(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])

    poller = get_page(client, room(world)).select_one("#progress")

    assert (poller["hx-get"], poller["hx-trigger"]) == (room(world), "every 3s")


def test_the_rooms_answers_are_hidden_until_revealed_then_counted(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    for rating in (4, 4, 2, "na", 5):
        answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": rating}])

    hidden = get_page(client, room(world))
    assert hidden.select("table.distribution") == []
    assert "hidden" in text_of(hidden.select_one("#statements"))

    location(submit(client, find_form(hidden, f"{room(world)}/reveal")))
    shown = get_page(client, room(world))
    counts = distribution(shown, "orange.practitioner.1")
    assert counts == {
        "1 Fragmented": "0",
        "2 Emerging": "1",
        "3 Developing": "0",
        "4 Established": "2",
        "5 Integrated": "1",
        "Don't know": "0",
        "Not applicable": "1",
    }
    assert session_row(client, world.session_a).results_revealed is True

    location(submit(client, find_form(shown, f"{room(world)}/reveal")))
    assert get_page(client, room(world)).select("table.distribution") == []


def test_a_statement_fewer_than_five_answered_stays_suppressed_when_revealed(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    for rating in (1, 1, 5, 5):
        answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": rating}])
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)

    statement = get_page(client, room(world)).select_one("#item-orange-practitioner-1")
    assert statement.select("table.distribution") == []
    assert "Too few answers yet to show" in text_of(statement)
    results = client.get(f"/api/sessions/{world.session_a}/results", headers=headers).json()
    first = next(r for r in results if r["item"] == "orange.practitioner.1")
    assert first == {
        "item": "orange.practitioner.1",
        "suppressed": True,
        "counts": None,
        "dk": None,
        "na": None,
        "n": None,
    }


def test_a_consensus_saved_through_the_form_is_stored_and_shown(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    soup = get_page(client, room(world))
    form = find_form(soup, f"{room(world)}/consensus", item="orange.practitioner.2")

    response = submit(client, form, rating="4", notes="Everyone cited the shared glossary.")

    assert location(response).endswith("#item-orange-practitioner-2")
    again = get_page(client, location(response).split("#")[0])
    form = find_form(again, f"{room(world)}/consensus", item="orange.practitioner.2")
    assert form.select_one('select[name="rating"] option[selected]')["value"] == "4"
    assert text_of(form.select_one("textarea")) == "Everyone cited the shared glossary."
    assert "Saved" in text_of(form)
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session.consensus")) == (
            "orange.practitioner.2: 4"
        )


def test_a_consensus_saved_by_htmx_returns_only_that_statement(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, room(world)), f"{room(world)}/consensus", item="green.practitioner.1")

    response = submit(client, form, headers={**headers, "HX-Request": "true"}, rating="")

    assert response.status_code == 200
    soup = parse(response)
    articles = soup.select("article")
    assert [a["id"] for a in articles] == ["item-green-practitioner-1"]
    assert "Saved: not agreed" in text_of(articles[0])


def test_a_consensus_for_an_unknown_statement_is_422(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/consensus", data={"item": "red.child.1", "rating": "3"}, headers=headers
    )

    assert response.status_code == 422
    assert "'red.child.1' is not a statement of this session" in text_of(parse(response))


def test_a_consensus_rating_out_of_range_is_shown_at_the_field_with_422(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/consensus", data={"item": "orange.practitioner.1", "rating": "9"}, headers=headers
    )

    assert response.status_code == 422
    message = parse(response).select_one("#error-rating-item-orange-practitioner-1")
    assert "Choose an agreed rating from 1 to 5" in text_of(message)


# --- paper questionnaires --------------------------------------------------------------------------------


def test_a_paper_questionnaire_becomes_one_submitted_anonymous_participant(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, f"{room(world)}/paper"), f"{room(world)}/paper")

    response = submit(
        client, form, **{"rating-orange.practitioner.1": "5", "rating-green.practitioner.2": "dk"}
    )

    assert location(response) == f"{room(world)}/paper?added=1"
    with read_session(app_state(client).engine) as db:
        participants = db.scalars(select(Participant)).all()
        answers = db.scalars(select(Answer).order_by(Answer.item_code)).all()
        audited = db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session.paper"))
    assert len(participants) == 1
    paper = participants[0]
    assert (paper.source, paper.submitted_at is not None, paper.session_id) == (
        "paper",
        True,
        world.session_a,
    )
    assert len(paper.token_hash) == 64
    assert [(a.item_code, a.rating, a.kind) for a in answers] == [
        ("green.practitioner.2", None, "dk"),
        ("orange.practitioner.1", 5, "rating"),
    ]
    assert audited == "2 answers"
    counts = progress_counts(parse(client.get(room(world), headers={"HX-Request": "true"})))
    assert counts == {"Joined": "1", "Answering": "0", "Submitted": "1"}


def test_a_blank_paper_is_refused_with_422_and_stores_nothing(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, f"{room(world)}/paper"), f"{room(world)}/paper")

    response = submit(client, form)

    assert response.status_code == 422
    assert "at least one statement" in text_of(parse(response).select_one(".error-summary"))
    with read_session(app_state(client).engine) as db:
        assert db.scalars(select(Participant)).all() == []


# --- the room screen -------------------------------------------------------------------------------------


def test_the_room_screen_shows_the_code_a_qr_code_and_the_join_address(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])

    soup = get_page(client, f"{room(world)}/screen")

    assert text_of(soup.select_one(".screen-code")) == "ABC DEFG"
    assert soup.select_one(".qr-frame svg.qr-code path") is not None
    assert text_of(soup.select_one(".join-url")) == "http://testserver/join?code=ABCDEFG"
    assert "http://testserver/join" in text_of(soup.select_one(".join-address"))
    assert text_of(soup.select_one(".screen-joined")) == "0 joined"


def test_the_room_screen_polls_for_the_joined_count(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    answer_by_device(client, world.session_a_code, [])

    response = client.get(f"{room(world)}/screen", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert response.headers["vary"] == "HX-Request"
    assert text_of(parse(response).select_one(".screen-joined")) == "1 joined · 1 finished"


def test_a_closed_sessions_screen_shows_no_code(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)

    response = client.get(f"{room(world)}/screen")

    assert "ABCDEFG" not in response.text and "ABC DEFG" not in response.text
    assert "svg" not in parse(response).select_one("main").decode()
    assert "finished" in text_of(parse(response).select_one(".screen-status"))


# --- who may ---------------------------------------------------------------------------------------------


def test_another_facilitator_of_the_trust_gets_404_for_the_room(client: TestClient, world: World) -> None:
    other = make_user(
        app_state(client).engine, "f2@example.org", trust_id=world.trust_a, role=Role.FACILITATOR
    )
    browse_as(client, other)

    assert client.get(room(world)).status_code == 404
    assert client.get(f"{room(world)}/screen").status_code == 404
    assert get_page(client, "/facilitate").select("a.session-link") == []


def test_a_lead_of_the_trust_may_run_a_facilitators_room(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])

    assert text_of(get_page(client, room(world)).h1) == "Practitioners, north locality"


def test_a_viewer_gets_403_for_the_room(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])

    assert client.get(room(world)).status_code == 403


def test_draft_sessions_take_no_paper_questionnaires(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    with write_session(app_state(client).engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.DRAFT

    response = client.post(
        f"{room(world)}/paper", data={"rating-orange.practitioner.1": "3"}, headers=headers
    )

    assert response.status_code == 409
