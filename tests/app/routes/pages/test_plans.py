"""The action plan in a browser, as a lead runs it and the trust reads it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.plans import ActionEditPage, ActionPlanPage
from tests.api import bearer, import_csv, two_rounds
from tests.factories import World, browse_as
from tests.pages import get_page, parse, rendered_with, text_of

pytestmark = pytest.mark.database


def as_role(client: TestClient, world: World, role: str = "lead_a") -> dict[str, str]:
    headers = browse_as(client, world.users[role])
    client.headers.update(headers)
    return headers


def test_a_lead_adds_an_action_which_the_arc_filter_finds(client: TestClient, world: World) -> None:
    as_role(client, world)
    response = client.post(
        f"/trust/{world.trust_a}/actions",
        data={
            "title": "Multi-agency induction",
            "arcs": ["orange", "blue"],
            "outcomes": "One vocabulary",
            "due": "2010-03-31",
            "lead_officer": "Workforce lead",
            "resources": "£4,000",
            "status": "at_risk",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    orange = text_of(get_page(client, f"/trust/{world.trust_a}/actions?arc=orange"))
    assert "Multi-agency induction At risk" in orange and "due 31 March 2010" in orange
    red = text_of(get_page(client, f"/trust/{world.trust_a}/actions?arc=red"))
    assert "Multi-agency induction" not in red and "No action matches these filters." in red


def test_an_action_without_arcs_or_title_is_refused_naming_both(client: TestClient, world: World) -> None:
    as_role(client, world)
    response = client.post(f"/trust/{world.trust_a}/actions", data={"title": "", "status": "on_track"})
    assert response.status_code == 422
    summary = text_of(parse(response).select_one(".error-summary"))
    assert "Enter the action." in summary and "Choose at least one arc the action works on." in summary
    assert client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json() == []


def test_a_lead_edits_moves_and_removes_actions(client: TestClient, world: World) -> None:
    as_role(client, world)
    for title in ("First action", "Second action"):
        client.post(f"/trust/{world.trust_a}/actions", data={"title": title, "arcs": ["red"]})
    api = client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json()
    first, second = api[0]["id"], api[1]["id"]
    client.post(f"/trust/{world.trust_a}/actions/{second}/move", data={"direction": "up"})
    titles = [
        a["title"]
        for a in client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json()
    ]
    assert titles == ["Second action", "First action"]
    edit = get_page(client, f"/trust/{world.trust_a}/actions/{first}/edit")
    assert edit.select_one("#field-title")["value"] == "First action"
    client.post(
        f"/trust/{world.trust_a}/actions/{first}/edit",
        data={"title": "First action, renamed", "arcs": ["red", "green"], "status": "done"},
    )
    client.post(f"/trust/{world.trust_a}/actions/{second}/delete")
    left = client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json()
    assert [(a["title"], a["arcs"], a["status"]) for a in left] == [
        ("First action, renamed", ["red", "green"], "done")
    ]


def test_viewers_read_the_plan_but_get_no_forms(client: TestClient, world: World) -> None:
    as_role(client, world, "viewer_a")
    soup = get_page(client, f"/trust/{world.trust_a}/actions")
    assert soup.select_one("#add") is None
    assert (
        client.post(f"/trust/{world.trust_a}/actions", data={"title": "x", "arcs": ["red"]}).status_code
        == 403
    )


def test_arcs_with_low_scores_and_no_action_are_flagged(client: TestClient, world: World) -> None:
    rows = [f"t{n},team,orange.team.1,1" for n in range(5)] + [f"t{n},team,red.team.1,5" for n in range(5)]
    import_csv(client, world, world.round_a, rows)
    as_role(client, world)
    flagged = text_of(get_page(client, f"/trust/{world.trust_a}/actions").select_one("#needing-title").parent)
    assert "Common values and language" in flagged
    client.post(f"/trust/{world.trust_a}/actions", data={"title": "Glossary", "arcs": ["orange"]})
    soup = get_page(client, f"/trust/{world.trust_a}/actions")
    section = soup.select_one("#needing-title")
    assert section is None or "Common values and language" not in text_of(section.parent)


def test_the_compare_page_puts_each_arcs_actions_beside_its_movement(
    client: TestClient, world: World
) -> None:
    baseline, current = two_rounds(client, world)
    as_role(client, world)
    client.post(
        f"/trust/{world.trust_a}/actions",
        data={"title": "Glossary", "arcs": ["orange"], "status": "on_track"},
    )
    soup = get_page(client, f"/trust/rounds/{current}/compare?baseline={baseline}")
    row = next(r for r in soup.select("tbody tr") if "Common values and language" in text_of(r.th))
    assert text_of(row.find_all("td")[-1]) == "Glossary On track"


def test_each_plan_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    as_role(client, world)
    client.post(f"/trust/{world.trust_a}/actions", data={"title": "Glossary", "arcs": ["orange"]})
    action = client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json()[0]
    context = rendered_with(
        client.get(f"/trust/{world.trust_a}/actions?arc=red"), "plans/actions.html", ActionPlanPage
    )
    assert context["form"]["arcs"] == ["red"] and context["filters"].arc == "red"
    edit = client.get(f"/trust/{world.trust_a}/actions/{action['id']}/edit")
    assert rendered_with(edit, "plans/action_edit.html", ActionEditPage)["form"]["title"] == "Glossary"


def test_a_refused_action_keeps_every_ticked_arc_and_what_was_typed(client: TestClient, world: World) -> None:
    as_role(client, world)
    data = {"title": "Glossary", "arcs": ["orange", "red"], "due": "31/03/2010", "lead_officer": "  "}
    response = client.post(f"/trust/{world.trust_a}/actions", data=data)
    assert response.status_code == 422
    context = rendered_with(response, "plans/actions.html", ActionPlanPage)
    assert context["form"]["arcs"] == ["orange", "red"] and context["form"]["due"] == "31/03/2010"
    assert context["errors"] == {"due": "The due date must be a date, such as 2010-04-01."}
    checked = parse(response).select('#add input[name="arcs"][checked]')
    assert sorted(box["value"] for box in checked) == ["orange", "red"]


def test_a_refused_change_shows_the_edit_page_again(client: TestClient, world: World) -> None:
    as_role(client, world)
    client.post(f"/trust/{world.trust_a}/actions", data={"title": "Glossary", "arcs": ["orange"]})
    action = client.get(f"/api/trusts/{world.trust_a}/actions", headers=bearer(world, "lead_a")).json()[0]
    response = client.post(f"/trust/{world.trust_a}/actions/{action['id']}/edit", data={"title": "Glossary"})
    assert response.status_code == 422
    context = rendered_with(response, "plans/action_edit.html", ActionEditPage)
    assert context["errors"] == {"arcs": "Choose at least one arc the action works on."}
    assert context["form"]["title"] == "Glossary" and context["form"]["arcs"] == []
