"""A round's targets, support needs and coverage in a browser, as a lead sets them and the trust reads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.targets import CoveragePage, TargetsPage
from tests.api import bearer, import_csv
from tests.factories import World, browse_as
from tests.pages import field_error, get_page, location, parse, rendered_with, text_of

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
    rows = [f"t{n},team,orange.team.1,3" for n in range(3)] + [
        f"s{n},service,orange.service.1,3" for n in range(6)
    ]
    import_csv(client, world, world.round_a, rows, publish_it=False)
    as_role(client, world, "viewer_a")
    soup = get_page(client, f"/trust/rounds/{world.round_a}/coverage")
    row = next(r for r in soup.select("tbody tr") if "Common values" in text_of(r.th))
    cells = [text_of(td) for td in row.find_all("td")]
    assert cells[2] == "fewer than 5: more needed"  # never how many fewer: that would give the count away
    assert cells[3].startswith("6 — enough")
    assert cells[0].startswith("none yet: 5 needed")
    assert "Practitioners, north locality" in cells[1]


def test_each_round_plan_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    as_role(client, world, "viewer_a")
    targets = rendered_with(
        client.get(f"/trust/rounds/{world.round_a}/targets"), "plans/targets.html", TargetsPage
    )
    assert not targets["can_plan"] and not targets["saved"]
    rendered_with(client.get(f"/trust/rounds/{world.round_a}/coverage"), "plans/coverage.html", CoveragePage)


def test_a_refused_support_need_is_shown_again_at_its_fields(client: TestClient, world: World) -> None:
    as_role(client, world)
    data = {"arc": "green", "kind": "wishes", "description": "Guidance"}
    response = client.post(f"/trust/rounds/{world.round_a}/support-needs", data=data)
    assert response.status_code == 422
    context = rendered_with(response, "plans/targets.html", TargetsPage)
    assert context["form"] == {"need-arc": "green", "need-kind": "wishes", "need-description": "Guidance"}
    assert set(context["errors"]) == {"need-kind"}
    assert "Guidance" in text_of(parse(response).select_one("#field-need-description"))
