"""Helpers for the tests of the facilitating pages: a session's row, its room's path, answers from a device,
and what the room shows."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.db.engine import read_session
from app.db.tables import FocusSession
from tests.factories import World, app_state
from tests.pages import text_of


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


def child_session(client: TestClient, world: World, *, code: str = "CHILDRN") -> int:
    """An open child group of facilitator A in round A (orange), with join code `code`; its id."""
    from app.choices import SessionState
    from app.db.engine import write_session

    with write_session(app_state(client).engine) as db:
        focus = FocusSession(
            round_id=world.round_a,
            trust_id=world.trust_a,
            facilitator_id=world.users["facilitator_a"],
            viewpoint="child",
            arcs="orange",
            title="Children, Oak school",
            state=SessionState.OPEN,
            join_code=code,
        )
        db.add(focus)
        db.flush()
        assert focus.id is not None
        return focus.id
