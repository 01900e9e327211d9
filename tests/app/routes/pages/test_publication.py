"""Publishing a round as pages: before its first publication a round's page shows its progress towards it;
a lead publishes it there (or is told why not), reopens it for late answers and publishes it again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.choices import SessionState
from app.config import Settings
from app.routes.pages.publication import ProgressPage
from tests.answers import focus_group, rating_everything, set_state
from tests.api import bearer, publish, reopen
from tests.apps import build_app
from tests.factories import World, app_state, browse_as, make_world
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def round_page(world: World) -> str:
    return f"/trust/rounds/{world.round_a}"


def progress_cell(soup, arc_title: str, column: int) -> str:  # type: ignore[no-untyped-def]
    row = next(r for r in soup.select("tbody tr") if arc_title in text_of(r.th))
    return text_of(row.find_all("td")[column])


def test_a_round_never_published_shows_its_progress_towards_publication(
    client: TestClient, world: World
) -> None:
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "team", rating_everything(["orange.team.1"], 3, 3))
    focus_group(engine, world.round_a, "service", rating_everything(["orange.service.1"], 3, 6))
    browse_as(client, world.users["viewer_a"])
    soup = get_page(client, round_page(world))
    assert "has not been published yet" in text_of(soup.select_one(".lede"))
    still_open = text_of(soup.select_one("#open-title").parent)
    assert "Practitioners, north locality" in still_open
    assert progress_cell(soup, "Common values", 2) == "fewer than 5"  # three: never how many fewer
    assert progress_cell(soup, "Common values", 3) == "6: enough"
    assert progress_cell(soup, "Common values", 0) == "none yet"
    assert not soup.select(f'form[action="{round_page(world)}/publish"]')  # groups still open; a viewer
    assert not soup.select(f'a[href="{round_page(world)}/delete"]')


def test_the_progress_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    context = rendered_with(client.get(round_page(world)), "results/progress.html", ProgressPage)
    assert (context["publication"], context["can_publish"], context["is_lead"]) == (0, False, True)
    assert [session.title for session in context["still_open"]] == ["Practitioners, north locality"]


def test_a_lead_can_publish_only_once_every_focus_group_is_closed(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    publish_path = f"{round_page(world)}/publish"
    assert not get_page(client, round_page(world)).select(f'form[action="{publish_path}"]')
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    form = find_form(get_page(client, round_page(world)), publish_path)
    assert location(submit(client, form)) == f"{round_page(world)}?published=1"
    dashboard = get_page(client, f"{round_page(world)}?published=1")
    note = text_of(dashboard.select_one(".publication-note"))
    assert "The round is published" in note and "These figures are publication 1 of the round" in note


def test_a_viewer_is_offered_no_publishing(client: TestClient, world: World) -> None:
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    headers = browse_as(client, world.users["viewer_a"])
    soup = get_page(client, round_page(world))
    assert not soup.select(f'form[action="{round_page(world)}/publish"]')
    assert client.post(f"{round_page(world)}/publish", headers=headers).status_code == 403
    assert client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).status_code == 409


def test_publishing_without_the_forms_csrf_token_is_refused(client: TestClient, world: World) -> None:
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    browse_as(client, world.users["lead_a"])
    response = client.post(f"{round_page(world)}/publish", data={"csrf_token": "0" * 64})
    assert response.status_code == 403
    assert client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).status_code == 409


def test_a_refusal_while_a_group_is_open_is_said_on_the_page(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["lead_a"])
    response = client.post(f"{round_page(world)}/publish", headers=headers)
    assert response.status_code == 409
    summary = text_of(parse(response).select_one(".error-summary"))
    assert "The round was not published" in summary and "'Practitioners, north locality'" in summary
    assert client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).status_code == 409


def test_a_refusal_beyond_the_daily_limit_is_said_on_the_page(migrated: Settings) -> None:
    with TestClient(build_app(migrated.model_copy(update={"max_publications_per_day": 1}))) as client:
        world = make_world(app_state(client).engine)
        publish(client, world, world.round_a)
        reopen(client, world, world.round_a)
        headers = browse_as(client, world.users["lead_a"])
        response = client.post(f"{round_page(world)}/publish", headers=headers)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "It can publish again at" in text_of(parse(response).select_one(".error-summary"))


def test_a_lead_takes_late_answers_then_publishes_again(client: TestClient, world: World) -> None:
    publish(client, world, world.round_a)
    browse_as(client, world.users["lead_a"])
    reopen_form = find_form(get_page(client, round_page(world)), f"{round_page(world)}/reopen")
    assert location(submit(client, reopen_form)) == f"{round_page(world)}/progress"
    progress = get_page(client, f"{round_page(world)}/progress")
    assert "published (publication 1) and is taking late answers" in text_of(progress.select_one(".lede"))
    dashboard = get_page(client, round_page(world))  # still publication 1, for everyone
    assert "taking late answers" in text_of(dashboard.select_one(".publication-note"))
    again = find_form(dashboard, f"{round_page(world)}/publish")
    assert location(submit(client, again)) == f"{round_page(world)}?published=1"
    assert "publication 2" in text_of(get_page(client, round_page(world)).select_one(".publication-note"))


def test_a_viewer_of_a_published_round_is_offered_neither_reopening_nor_publishing(
    client: TestClient, world: World
) -> None:
    publish(client, world, world.round_a)
    browse_as(client, world.users["viewer_a"])
    soup = get_page(client, round_page(world))
    assert "These figures are publication 1 of the round" in text_of(soup.select_one(".publication-note"))
    assert not soup.select(".publication-note form")


def test_on_the_way_to_publication_a_lead_reaches_the_groups_targets_and_deletion(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    soup = get_page(client, round_page(world))
    links = {str(a["href"]) for a in soup.select("a[href]")}
    assert {
        f"/facilitate?round={world.round_a}",
        f"{round_page(world)}/targets",
        f"/trust/{world.trust_a}/actions",
        f"{round_page(world)}/delete",
    } <= links
