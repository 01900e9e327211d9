"""The plan pages in a browser: targets, support needs, the action plan and coverage, as a lead runs them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.app.test_scores_api import bearer, import_csv, two_rounds
from tests.factories import World, browse_as
from tests.pages import field_error, get_page, location, parse, text_of

pytestmark = pytest.mark.database


def as_role(client: TestClient, world: World, role: str = "lead_a") -> dict[str, str]:
    headers = browse_as(client, world.users[role])
    client.headers.update(headers)
    return headers


def test_a_lead_sets_targets_and_sees_the_gap_on_the_dashboard(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,2" for n in range(5)])
    as_role(client, world)
    response = client.post(
        f"/trust/rounds/{world.round_a}/targets",
        data={"target-orange": "3.5", "target-red": ""},
        follow_redirects=False,
    )
    assert location(response) == f"/trust/rounds/{world.round_a}/targets?saved=1"
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    row = next(r for r in soup.select(".scores-table tbody tr") if "Common values" in text_of(r.th))
    cells = [text_of(td) for td in row.find_all("td")]
    assert cells[5:8] == ["2.00", "3.5", "+1.50"]
    assert "target 3.5" in soup.select_one("figure.chart img")["alt"]


def test_a_target_out_of_range_is_refused_and_nothing_is_saved(client: TestClient, world: World) -> None:
    as_role(client, world)
    response = client.post(
        f"/trust/rounds/{world.round_a}/targets", data={"target-orange": "9", "target-red": "4"}
    )
    assert response.status_code == 422
    assert "must be a number from 1 to 5" in field_error(parse(response), "target-orange")
    listed = client.get(f"/api/rounds/{world.round_a}/targets", headers=bearer(world, "lead_a")).json()
    assert listed == []


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


def test_support_needs_are_added_and_removed_in_the_browser(client: TestClient, world: World) -> None:
    as_role(client, world)
    client.post(
        f"/trust/rounds/{world.round_a}/support-needs",
        data={"arc": "green", "kind": "national", "description": "Guidance on information sharing"},
    )
    page = text_of(get_page(client, f"/trust/rounds/{world.round_a}/targets"))
    assert "Integrated working: National support" in page and "Guidance on information sharing" in page
    refused = client.post(
        f"/trust/rounds/{world.round_a}/support-needs",
        data={"arc": "green", "kind": "national", "description": " "},
    )
    assert refused.status_code == 422
    need = client.get(f"/api/rounds/{world.round_a}/support-needs", headers=bearer(world, "lead_a")).json()[0]
    client.post(f"/trust/rounds/{world.round_a}/support-needs/{need['id']}/delete")
    assert "Guidance on information sharing" not in text_of(
        get_page(client, f"/trust/rounds/{world.round_a}/targets")
    )


def test_the_coverage_page_says_what_is_still_needed_and_which_groups_are_planned(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,3" for n in range(3)])
    as_role(client, world, "viewer_a")
    soup = get_page(client, f"/trust/rounds/{world.round_a}/coverage")
    row = next(r for r in soup.select("tbody tr") if "Common values" in text_of(r.th))
    cells = [text_of(td) for td in row.find_all("td")]
    assert cells[2].startswith("3 of 5: 2 more needed")
    assert "Practitioners, north locality" in cells[1]


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
