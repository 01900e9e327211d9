"""A room's polls answered before routing when nothing needs drawing, and left to the routes otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.config import Settings
from app.db.engine import create_loop_reader
from app.routes.pages import room_progress, room_screen
from app.web import auth
from app.web.security_headers import CONTENT_SECURITY_POLICY
from tests.app.routes.pages.focus_groups import answer_by_device, room
from tests.factories import World, browse_as
from tests.pages import parse

pytestmark = pytest.mark.database

HX = {"HX-Request": "true"}


def _version(response: Response) -> str:
    field = parse(response).select_one("input[name=v]")
    assert field is not None
    return str(field["value"])


def _routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The polls that reached a route (each route answers its polls through its module's `answer_poll`)."""
    reached: list[str] = []
    for module in (room_screen, room_progress):
        original: Callable[..., Any] = module.answer_poll

        def counting(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            reached.append(str(args[0].url.path))
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "answer_poll", counting)
    return reached


@pytest.mark.parametrize("path", ["/screen", ""])
def test_an_unchanged_poll_is_answered_without_reaching_the_route(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    browse_as(client, world.users["facilitator_a"])
    first = client.get(f"{room(world)}{path}", headers=HX)  # drawn by the route, kept
    reached = _routed(monkeypatch)

    unchanged = client.get(f"{room(world)}{path}", params={"v": _version(first)}, headers=HX)
    again = client.get(f"{room(world)}{path}", headers=HX)

    assert unchanged.status_code == 204 and unchanged.content == b""
    assert again.status_code == 200 and again.content == first.content
    assert reached == []


def test_a_shortcut_answer_has_every_security_header(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    first = client.get(f"{room(world)}/screen", headers=HX)

    unchanged = client.get(f"{room(world)}/screen", params={"v": _version(first)}, headers=HX)

    assert unchanged.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert unchanged.headers["cache-control"] == "no-store"
    assert unchanged.headers["vary"] == "HX-Request"


def test_a_poll_after_a_change_reaches_the_route_and_gets_the_new_version(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    browse_as(client, world.users["facilitator_a"])
    before = _version(client.get(room(world), headers=HX))
    reached = _routed(monkeypatch)

    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 4}])
    response = client.get(room(world), params={"v": before}, headers=HX)

    assert response.status_code == 200 and _version(response) != before
    assert reached == [room(world)]


@pytest.mark.parametrize("who", ["lead_b", "viewer_a", None])
def test_a_poll_by_anyone_else_is_left_to_the_route_which_refuses_it(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch, who: str | None
) -> None:
    browse_as(client, world.users["facilitator_a"])
    version = _version(client.get(f"{room(world)}/screen", headers=HX))
    browse_as(client, world.users[who] if who else None)

    response = client.get(f"{room(world)}/screen", params={"v": version}, headers=HX)

    assert response.status_code in (401, 403, 404)
    assert response.status_code != 204 and "Room" not in response.text


def test_a_poll_of_someone_who_must_set_up_a_second_factor_is_left_to_the_route(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    browse_as(client, world.users["lead_a"])
    version = _version(client.get(f"{room(world)}/screen", headers=HX))
    monkeypatch.setattr(auth, "must_have_second_factor", lambda settings, staff: True)  # a new rule

    response = client.get(f"{room(world)}/screen", params={"v": version}, headers=HX, follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/account/security?required=1")


def test_a_poll_with_a_token_is_answered_like_one_with_a_cookie(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    browse_as(client, None)
    bearer = {"Authorization": f"Bearer {world.tokens['facilitator_a']}", **HX}
    first = client.get(f"{room(world)}/screen", headers=bearer)
    reached = _routed(monkeypatch)

    unchanged = client.get(f"{room(world)}/screen", params={"v": _version(first)}, headers=bearer)
    forged = client.get(f"{room(world)}/screen", headers={**bearer, "Authorization": "Bearer rbw_forged"})

    assert unchanged.status_code == 204 and reached == []
    assert forged.status_code == 401


def test_polls_read_on_the_event_loop_only_from_a_sqlite_file(tmp_path: Any) -> None:
    on_file = create_loop_reader(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"))
    assert on_file is not None and on_file.pool.size() == 1  # type: ignore[attr-defined]
    on_file.dispose()
    assert create_loop_reader(Settings(database_url="sqlite://")) is None
    assert create_loop_reader(Settings(database_url="postgresql://postgres@127.0.0.1:5432/test")) is None
