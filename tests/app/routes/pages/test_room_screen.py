"""The room screen to project: the code, a QR code, the join address and how many have joined."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.room_screen import ScreenPage, qr_svg
from tests.app.routes.pages.focus_groups import (
    answer_by_device,
    room,
)
from tests.factories import World, browse_as
from tests.pages import get_page, parse, rendered_with, text_of

pytestmark = pytest.mark.database


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


def test_the_qr_code_is_an_inline_svg_without_style_attributes() -> None:
    svg = qr_svg("http://testserver/join?code=ABCDEFG")
    assert svg.startswith("<svg") and 'class="qr-code"' in svg
    assert "style=" not in svg


def test_the_screen_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    context = rendered_with(client.get(f"{room(world)}/screen"), "facilitate/screen.html", ScreenPage)
    assert (context["code"], context["spaced_code"]) == ("ABCDEFG", "ABC DEFG")


def test_over_https_the_screen_gives_the_https_address(world_https: tuple[TestClient, World]) -> None:
    client, world = world_https
    browse_as(client, world.users["facilitator_a"])
    soup = get_page(client, f"{room(world)}/screen")
    assert text_of(soup.select_one(".join-url")) == "https://testserver/join?code=ABCDEFG"
