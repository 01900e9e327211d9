"""The room page's progress, as it polls it: the block alone, 204 when the page shows it already, and the new
counts once someone answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.routes.pages.room_progress import ProgressBlock, active_for
from tests.app.routes.pages.focus_groups import answer_by_device, progress_counts, room
from tests.factories import World, app_state, browse_as
from tests.pages import get_page, parse

pytestmark = pytest.mark.database
HX = {"HX-Request": "true"}


def _poll(client: TestClient, world: World, version: str = "") -> Response:
    return client.get(room(world), params={"v": version} if version else None, headers=HX)


def _version(response: Response) -> str:
    field = parse(response).select_one("input[name=v]")
    assert field is not None
    return str(field["value"])


def test_the_progress_block_polls_with_its_version(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    progress = get_page(client, room(world)).select_one("#progress")
    assert progress is not None and progress["hx-include"] == "find input[name='v']"
    assert _version(_poll(client, world))


def test_an_unchanged_poll_answers_204_without_reading_more_or_rendering(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    browse_as(client, world.users["facilitator_a"])
    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 3}])
    first = _poll(client, world)
    rendered: list[Any] = []
    templates = app_state(client).templates
    original = templates.TemplateResponse
    monkeypatch.setattr(
        templates, "TemplateResponse", lambda *a, **k: rendered.append(a) or original(*a, **k)
    )

    unchanged = _poll(client, world, _version(first))
    cached = _poll(client, world)

    assert unchanged.status_code == 204 and unchanged.content == b""
    assert "HX-Request" in unchanged.headers["vary"]
    assert cached.status_code == 200 and cached.text == first.text
    assert rendered == []


def test_a_poll_after_an_answer_arrives_gets_the_new_counts(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    version = _version(_poll(client, world))

    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 3}])
    response = _poll(client, world, version)

    assert response.status_code == 200 and _version(response) != version
    assert progress_counts(parse(response))["Submitted"] == "1"


def test_a_poll_of_another_facilitators_room_is_refused_whatever_it_sends(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    version = _version(_poll(client, world))
    browse_as(client, world.users["lead_b"])
    assert _poll(client, world, version).status_code == 404


def test_the_block_is_rendered_from_the_counts_alone() -> None:
    assert [name for name in ProgressBlock.__dataclass_fields__] == ["progress", "active_for", "poll_version"]
    assert active_for(120) == "2 minutes"
