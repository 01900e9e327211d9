"""Helpers for the tests of the respondent's pages: sessions to join, joining, what a page offers, what the
database holds."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from app.db.engine import read_session
from app.db.tables import Answer, IdempotentRequest, Participant
from tests.factories import World, app_state
from tests.pages import find_form, get_page, location, submit

DONT_KNOW = "Don\u2019t know"  # as the pages write it, with a typographic apostrophe
CHILD_WORDS = ["Never", "Not often", "Sometimes", "Mostly", "Always"]
STAFF_WORDS = ["Not at all true", "A little true", "Partly true", "Mostly true", "Completely true"]


def staff_headers(world: World, role: str = "lead_a") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def open_child_session(
    client: TestClient, world: World, *, arcs: tuple[str, ...] = ("orange", "green"), comments: bool = False
) -> tuple[int, str]:
    """A children's session made and opened by lead A through the API: (id, join code)."""
    made = client.post(
        f"/api/rounds/{world.round_a}/sessions",
        json={"viewpoint": "child", "arcs": list(arcs), "title": "Year 6", "children_comments": comments},
        headers=staff_headers(world),
    )
    assert made.status_code == 201, made.text
    session_id, code = made.json()["id"], made.json()["join_code"]
    opened = client.post(
        f"/api/sessions/{session_id}/state", json={"state": "open"}, headers=staff_headers(world)
    )
    assert opened.status_code == 200, opened.text
    return session_id, code


def join(client: TestClient, code: str) -> Response:
    """Open /join as a fresh browser and submit its form with `code` typed in."""
    client.cookies.clear()
    return submit(client, find_form(get_page(client, "/join"), "/join"), code=code)


def joined(client: TestClient, code: str) -> None:
    assert location(join(client, code)) == "/respond"


def statement_count(client: TestClient, viewpoint: str, arcs: tuple[str, ...]) -> int:
    surveys = app_state(client).surveys
    return sum(len(surveys.items(arc, viewpoint)) for arc in arcs)


def child_texts(client: TestClient, arcs: tuple[str, ...]) -> list[str]:
    surveys = app_state(client).surveys
    return [str(item.child_text) for arc in arcs for item in surveys.items(arc, "child")]


def face_buttons(soup: BeautifulSoup) -> list[Tag]:
    return soup.select('form.child-form button[name="rating"]')


def chosen_button(soup: BeautifulSoup) -> str | None:
    pressed = [b for b in face_buttons(soup) if b.get("aria-pressed") == "true"]
    assert len(pressed) <= 1
    return str(pressed[0]["value"]) if pressed else None


def counts(client: TestClient) -> tuple[int, int]:
    """(answers, idempotency records) in the whole database."""
    with read_session(app_state(client).engine) as db:
        answers = db.scalar(select(func.count()).select_from(Answer))
        keys = db.scalar(select(func.count()).select_from(IdempotentRequest))
        return int(answers or 0), int(keys or 0)


def saved_answers(client: TestClient) -> dict[str, tuple[str, int | None, str | None]]:
    with read_session(app_state(client).engine) as db:
        return {a.item_code: (a.kind, a.rating, a.comment) for a in db.scalars(select(Answer))}


def send_answers(client: TestClient) -> None:
    """Submit from the review page, as the Submit button does."""
    review = get_page(client, "/respond/review")
    assert location(submit(client, find_form(review, "/respond/submit"))) == "/respond/thanks"


def participant(client: TestClient) -> Participant:
    with read_session(app_state(client).engine) as db:
        rows = list(db.scalars(select(Participant)))
    assert len(rows) == 1
    return rows[0]
