"""The room screen to project: the code, a QR code, the join address and how many have joined."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update

from app.db.columns import utcnow
from app.db.core import table
from app.db.engine import write_session
from app.db.tables import Answer
from app.routes.pages import room_screen
from app.routes.pages.room_screen import ScreenPage, qr_svg
from tests.app.routes.pages.focus_groups import answer_by_device, child_session, room, session_row
from tests.factories import World, app_state, browse_as
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


# --- after the reveal: the screen follows the facilitator -------------------------------------------------

HX = {"HX-Request": "true"}
STAFF_WORDS = ["Not at all true", "A little true", "Partly true", "Mostly true", "Completely true"]


def _five_answer(
    client: TestClient, code: str, item: str, ratings: tuple[int, ...] = (4, 4, 2, 5, 3)
) -> None:
    for rating in ratings:
        answer_by_device(client, code, [{"item": item, "rating": rating}])


def _reveal(client: TestClient, session_id: int, headers: dict[str, str]) -> None:
    response = client.post(
        f"/facilitate/sessions/{session_id}/reveal", data={"revealed": "true"}, headers=headers
    )
    assert response.status_code in (200, 303)


def _bars(soup: BeautifulSoup) -> dict[str, str]:
    return {
        text_of(row.select_one("th")): text_of(row.select_one(".screen-bar-count"))
        for row in soup.select(".screen-bars tbody tr")
    }


def test_after_the_reveal_the_screen_shows_the_statement_and_its_answers_on_its_own_scale(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)

    soup = parse(client.get(f"{room(world)}/screen", headers=HX))

    assert "Statement 1 of" in text_of(soup.select_one(".screen-step"))
    first = app_state(client).surveys.items("orange", "practitioner")[0]
    assert text_of(soup.select_one(".screen-statement-text")) == first.text
    assert _bars(soup) == {
        **dict(zip(STAFF_WORDS, ["0", "1", "1", "2", "1"], strict=True)),
        "Don\u2019t know": "0",
        "Not applicable": "0",
    }
    assert soup.select_one(".screen-code") is None


def test_next_and_previous_move_the_screen_and_answer_with_the_panel_alone(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _reveal(client, world.session_a, headers)

    moved = client.post(f"{room(world)}/screen", data={"to": "next"}, headers={**headers, **HX})

    assert moved.status_code == 200 and "<h1" not in moved.text
    assert "Showing statement 2 of" in text_of(parse(moved))
    second = app_state(client).surveys.items("orange", "practitioner")[1]
    screen = parse(client.get(f"{room(world)}/screen", headers=HX))
    assert text_of(screen.select_one(".screen-statement-text")) == second.text
    assert "Too few answers to show" in text_of(screen.select_one(".screen-too-few"))
    back = client.post(
        f"{room(world)}/screen", data={"to": "previous"}, headers=headers, follow_redirects=False
    )
    assert back.headers["location"] == f"{room(world)}#onscreen"
    assert session_row(client, world.session_a).screen_position == 0


def test_the_screen_never_moves_before_the_first_or_after_the_last_statement(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/screen", data={"to": "previous"}, headers=headers)
    assert session_row(client, world.session_a).screen_position == 0
    total = len(app_state(client).surveys.items("orange", "practitioner")) + len(
        app_state(client).surveys.items("green", "practitioner")
    )
    client.post(f"{room(world)}/screen", data={"to": str(total)}, headers=headers)
    client.post(f"{room(world)}/screen", data={"to": "next"}, headers=headers)
    assert session_row(client, world.session_a).screen_position == total - 1


def test_a_bad_move_is_refused_inline_in_the_panel_and_changes_nothing(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(f"{room(world)}/screen", data={"to": "sideways"}, headers={**headers, **HX})

    assert response.status_code == 422 and "<html" not in response.text
    assert "Choose Previous, Next or a statement from 1 to" in text_of(
        parse(response).select_one("[role=alert]")
    )
    assert session_row(client, world.session_a).screen_position == 0


def test_the_agreed_rating_appears_on_the_screen_once_recorded(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)
    assert parse(client.get(f"{room(world)}/screen", headers=HX)).select_one(".screen-agreed") is None

    client.post(
        f"{room(world)}/consensus", data={"item": "orange.practitioner.1", "rating": "4"}, headers=headers
    )

    agreed = parse(client.get(f"{room(world)}/screen", headers=HX)).select_one(".screen-agreed")
    assert text_of(agreed) == "The group agreed: 4 \u2013 Mostly true"


def test_a_hidden_statements_agreed_rating_stays_off_the_screen(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1", ratings=(4, 2))
    _reveal(client, world.session_a, headers)
    client.post(
        f"{room(world)}/consensus", data={"item": "orange.practitioner.1", "rating": "4"}, headers=headers
    )

    soup = parse(client.get(f"{room(world)}/screen", headers=HX))

    assert soup.select_one(".screen-agreed") is None
    assert "Too few answers to show" in text_of(soup.select_one(".screen-too-few"))


def test_late_answers_reach_the_screen_without_a_reload(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)
    assert text_of(parse(client.get(f"{room(world)}/screen", headers=HX)).figcaption).endswith("5 answers")

    _five_answer(client, world.session_a_code, "orange.practitioner.1", ratings=(1, 1, 1, 1, 1))

    soup = parse(client.get(f"{room(world)}/screen", headers=HX))
    assert text_of(soup.figcaption).endswith("10 answers")
    assert _bars(soup)["Not at all true"] == "5"


def test_a_child_groups_screen_uses_the_childrens_wording_and_scale(client: TestClient, world: World) -> None:
    session_id = child_session(client, world)
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, "CHILDRN", "orange.child.1", ratings=(1, 2, 3, 4, 5))
    _reveal(client, session_id, headers)

    soup = parse(client.get(f"/facilitate/sessions/{session_id}/screen", headers=HX))

    first = app_state(client).surveys.items("orange", "child")[0]
    assert text_of(soup.select_one(".screen-statement-text")) == first.child_text
    assert list(_bars(soup)) == ["Never", "Not often", "Sometimes", "Mostly", "Always", "Don\u2019t know"]


# --- polls: cheap when nothing changed, new content when something did ----------------------------------


def _version(response: Response) -> str:
    field = parse(response).select_one("input[name=v]")
    assert field is not None
    return str(field["value"])


def _poll(client: TestClient, world: World, version: str = "") -> Response:
    return client.get(f"{room(world)}/screen", params={"v": version} if version else None, headers=HX)


def _count_renders(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    templates = app_state(client).templates
    rendered: list[str] = []
    original = templates.TemplateResponse

    def counting(*args: Any, **kwargs: Any) -> Any:
        rendered.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(templates, "TemplateResponse", counting)
    return rendered


def test_the_screen_polls_with_its_version_and_an_unchanged_poll_answers_204_without_rendering(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)
    page = client.get(f"{room(world)}/screen")
    assert page.status_code == 200
    assert parse(page).select_one(".screen")["hx-include"] == "find input[name='v']"  # type: ignore[index]
    version = _version(_poll(client, world))
    rendered = _count_renders(client, monkeypatch)

    unchanged = _poll(client, world, version)
    again = _poll(client, world)  # no version sent: the same fragment, from the cache

    assert unchanged.status_code == 204 and unchanged.content == b""
    assert unchanged.headers["vary"] == "HX-Request"
    assert again.status_code == 200 and _version(again) == version
    assert text_of(parse(again).figcaption).endswith("5 answers")
    assert rendered == []


def test_a_poll_after_answers_arrive_gets_the_new_figures_and_a_new_version(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)
    version = _version(_poll(client, world))

    _five_answer(client, world.session_a_code, "orange.practitioner.1", ratings=(1, 1, 1, 1, 1))
    response = _poll(client, world, version)

    assert response.status_code == 200 and _version(response) != version
    assert text_of(parse(response).figcaption).endswith("10 answers")


def test_a_changed_answer_with_the_same_count_changes_the_screen(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(
        client, world.session_a_code, "orange.practitioner.1", ratings=(4, 4, 2, 5, 3, 1, 1, 1, 1, 1)
    )
    _reveal(client, world.session_a, headers)
    version = _version(_poll(client, world))
    with write_session(app_state(client).engine) as db:  # five people change their minds: 1 -> 5
        answers = table(Answer)
        db.connection().execute(  # as every write of an answer does, stamped with its time
            update(answers).where(answers.c.rating == 1).values(rating=5, updated_at=utcnow())
        )

    response = _poll(client, world, version)

    assert response.status_code == 200 and _version(response) != version
    assert _bars(parse(response))["Not at all true"] == "0"
    assert _bars(parse(response))["Completely true"] == "6"


def test_a_stale_version_after_the_reveal_the_move_and_the_lock_gets_the_new_screen(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    before = _version(_poll(client, world))
    assert _poll(client, world, before).status_code == 204

    _reveal(client, world.session_a, headers)
    revealed = _poll(client, world, before)
    assert revealed.status_code == 200 and parse(revealed).figcaption is not None

    client.post(f"{room(world)}/screen", data={"to": "next"}, headers=headers)
    moved = _poll(client, world, _version(revealed))
    assert "Statement 2 of" in text_of(parse(moved).select_one(".screen-step"))

    client.post(f"{room(world)}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)
    closed = _poll(client, world, _version(moved))
    assert "finished" in text_of(parse(closed).select_one(".screen-status"))


def test_a_poll_still_checks_who_asks(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    version = _version(_poll(client, world))
    browse_as(client, world.users["lead_b"])
    assert _poll(client, world, version).status_code == 404
    assert _poll(client, world).status_code == 404


def test_the_qr_code_is_drawn_only_while_the_screen_shows_it(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    _five_answer(client, world.session_a_code, "orange.practitioner.1")
    _reveal(client, world.session_a, headers)
    drawn: list[str] = []
    monkeypatch.setattr(room_screen, "qr_svg", lambda url: drawn.append(url) or "")

    client.get(f"{room(world)}/screen")

    assert drawn == []
