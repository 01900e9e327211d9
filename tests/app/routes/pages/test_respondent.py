"""What every respondent page shares: who the participant is, saving once per form key, the finished page,
and a participant that identifies no one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from app.db.engine import read_session
from app.db.tables import Answer
from app.routes.pages.respondent import FinishedPage, Respondent
from app.web.auth import PARTICIPANT_COOKIE
from surveys import Item
from tests.app.routes.pages.respondents import (
    counts,
    joined,
    participant,
    staff_headers,
)
from tests.factories import World, app_state
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_an_invalid_participant_cookie_goes_to_join(client: TestClient) -> None:
    client.cookies.set(PARTICIPANT_COOKIE, "not-a-real-token")

    assert location(client.get("/respond/questions/1", follow_redirects=False)) == "/join"


def test_a_closed_session_shows_a_friendly_finished_page(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    closed = client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=staff_headers(world)
    )
    assert closed.status_code == 200

    response = client.get("/respond/questions/1", follow_redirects=False)

    assert response.status_code == 200
    assert text_of(parse(response).h1) == "This session has finished"
    assert PARTICIPANT_COOKIE not in client.cookies


def test_a_re_posted_form_with_the_same_hidden_key_stores_nothing_twice(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    first = submit(client, form, **{f"rating-{code}": "4"})
    before = counts(client)
    with read_session(app_state(client).engine) as db:
        stamp = db.scalar(select(Answer.updated_at))

    again = submit(client, form, **{f"rating-{code}": "4"})

    assert location(first) == location(again) == "/respond/questions/2"
    assert counts(client) == before == (1, 1)
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(Answer.updated_at)) == stamp


def test_every_form_gets_a_new_hidden_key(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)

    keys = {
        str(
            find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1").select_one(
                '[name="key"]'
            )["value"]
        )
        for _ in range(3)
    }

    assert len(keys) == 3 and all(len(key) >= 20 for key in keys)


def test_a_participant_row_holds_nothing_that_identifies_the_respondent(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")
    location(submit(client, form, sector="youth", role_level="frontline"))

    columns = {column["name"] for column in inspect(app_state(client).engine).get_columns("participants")}
    row = participant(client)

    assert columns == {
        "id",
        "session_id",
        "token_hash",
        "joined_at",
        "last_seen_at",
        "submitted_at",
        "left_at",
        "sector",
        "role_level",
        "age_band",
        "assisted",
        "source",
        "entered_by_id",  # the member of staff who typed a paper questionnaire in, never the respondent
        "join_pass",  # the hash of the session-bound pass of a tablet that took them in offline
    }
    token = client.cookies[PARTICIPANT_COOKIE]
    stored = " ".join(str(getattr(row, name)) for name in columns)
    assert token not in stored and "testclient" not in stored and "python-httpx" not in stored


def test_a_finished_session_page_gets_nothing_of_the_session(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=staff_headers(world)
    )
    rendered_with(client.get("/respond/review"), "respond/finished.html", FinishedPage)


def respondent(viewpoint: str, arcs: list[str], codes: list[str]) -> Respondent:
    items = [Item(code=code, text=code) for code in codes]
    return Respondent(
        participant_id=1,
        session_id=1,
        title="Group",
        viewpoint=viewpoint,
        arcs=arcs,
        join_code=None,
        children_comments=False,
        items=items,
        submitted=False,
        profile={},
    )


def test_a_child_answers_one_statement_per_page_and_staff_one_arc() -> None:
    codes = ["red.child.1", "red.child.2", "blue.child.1"]
    child = respondent("child", ["red", "blue"], codes)
    assert [[item.code for item in page] for page in child.steps] == [[code] for code in codes]
    staff = respondent("team", ["red", "blue"], [code.replace("child", "team") for code in codes])
    assert [[item.code for item in page] for page in staff.steps] == [
        ["red.team.1", "red.team.2"],
        ["blue.team.1"],
    ]
