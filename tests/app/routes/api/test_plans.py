"""Targets, the action plan, support needs and coverage over the JSON API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api import bearer, import_csv
from tests.factories import World

pytestmark = pytest.mark.database


def post(client: TestClient, world: World, path: str, body: dict, role: str = "lead_a"):  # type: ignore[no-untyped-def, type-arg]
    return client.post(path, json=body, headers=bearer(world, role))


def test_a_target_is_set_then_replaced(client: TestClient, world: World) -> None:
    path = f"/api/rounds/{world.round_a}/targets"
    first = post(client, world, path, {"arc": "orange", "level": 4})
    again = post(client, world, path, {"arc": "orange", "level": 4.5})
    assert (first.status_code, again.status_code) == (201, 200)
    listed = client.get(path, headers=bearer(world, "viewer_a")).json()
    assert [(t["arc"], t["viewpoint"], t["level"]) for t in listed] == [("orange", None, 4.5)]


def test_a_target_for_one_viewpoint_is_kept_apart_from_the_whole_arc(
    client: TestClient, world: World
) -> None:
    path = f"/api/rounds/{world.round_a}/targets"
    post(client, world, path, {"arc": "orange", "level": 4})
    post(client, world, path, {"arc": "orange", "level": 3, "viewpoint": "child"})
    listed = client.get(path, headers=bearer(world, "viewer_a")).json()
    assert sorted((t["viewpoint"] or "", t["level"]) for t in listed) == [("", 4.0), ("child", 3.0)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"arc": "orange", "level": 9}, "body.level"),
        ({"arc": "orange", "level": 0.5}, "body.level"),
        ({"arc": "ultraviolet", "level": 3}, "arc"),
        ({"arc": "orange", "level": 3, "viewpoint": "parent"}, "viewpoint"),
    ],
)
def test_a_bad_target_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    world: World,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    path = f"/api/rounds/{world.round_a}/targets"
    response = post(client, world, path, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    assert client.get(path, headers=bearer(world, "lead_a")).json() == []


def test_a_target_can_be_removed(client: TestClient, world: World) -> None:
    path = f"/api/rounds/{world.round_a}/targets"
    target = post(client, world, path, {"arc": "red", "level": 4}).json()
    assert client.delete(f"{path}/{target['id']}", headers=bearer(world, "lead_a")).status_code == 204
    assert client.get(path, headers=bearer(world, "lead_a")).json() == []


ACTION = {
    "title": "Joint induction for all new staff",
    "arcs": ["orange", "blue"],
    "outcomes": "Staff from every agency share one vocabulary",
    "due": "2010-03-31",
    "lead_officer": "Head of workforce development",
    "resources": "£4,000",
    "status": "on_track",
}


def test_an_action_on_two_arcs_is_listed_under_each_and_not_under_others(
    client: TestClient, world: World
) -> None:
    path = f"/api/trusts/{world.trust_a}/actions"
    created = post(client, world, path, ACTION)
    assert created.status_code == 201
    assert created.json()["arcs"] == ["orange", "blue"]
    viewer = bearer(world, "viewer_a")
    assert [a["title"] for a in client.get(path, params={"arc": "orange"}, headers=viewer).json()] == [
        ACTION["title"]
    ]
    assert [a["title"] for a in client.get(path, params={"arc": "blue"}, headers=viewer).json()] == [
        ACTION["title"]
    ]
    assert client.get(path, params={"arc": "red"}, headers=viewer).json() == []


def test_actions_filter_by_status(client: TestClient, world: World) -> None:
    path = f"/api/trusts/{world.trust_a}/actions"
    post(client, world, path, ACTION)
    post(client, world, path, {**ACTION, "title": "Data sharing protocol", "status": "at_risk"})
    at_risk = client.get(path, params={"status": "at_risk"}, headers=bearer(world, "viewer_a")).json()
    assert [a["title"] for a in at_risk] == ["Data sharing protocol"]


def test_an_action_on_an_unknown_arc_is_refused_and_nothing_is_stored(
    client: TestClient, world: World
) -> None:
    path = f"/api/trusts/{world.trust_a}/actions"
    response = post(client, world, path, {**ACTION, "arcs": ["orange", "ultraviolet"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "arcs[1]"
    assert client.get(path, headers=bearer(world, "lead_a")).json() == []


def test_an_action_is_edited_and_removed(client: TestClient, world: World) -> None:
    path = f"/api/trusts/{world.trust_a}/actions"
    action = post(client, world, path, ACTION).json()
    edited = client.put(
        f"{path}/{action['id']}", json={**ACTION, "status": "done"}, headers=bearer(world, "lead_a")
    )
    assert edited.json()["status"] == "done"
    assert client.delete(f"{path}/{action['id']}", headers=bearer(world, "lead_a")).status_code == 204
    assert client.get(path, headers=bearer(world, "lead_a")).json() == []


def test_another_trusts_action_is_not_found(client: TestClient, world: World) -> None:
    action = post(client, world, f"/api/trusts/{world.trust_a}/actions", ACTION).json()
    response = client.put(
        f"/api/trusts/{world.trust_b}/actions/{action['id']}", json=ACTION, headers=bearer(world, "lead_b")
    )
    assert response.status_code == 404


def test_support_needs_are_recorded_per_arc(client: TestClient, world: World) -> None:
    path = f"/api/rounds/{world.round_a}/support-needs"
    body = {"arc": "green", "kind": "national", "description": "Guidance on sharing information"}
    assert post(client, world, path, body).status_code == 201
    assert post(client, world, path, {**body, "kind": "magic"}).status_code == 422
    listed = client.get(path, headers=bearer(world, "viewer_a")).json()
    assert [(n["arc"], n["kind"]) for n in listed] == [("green", "national")]


def coverage_cell(client: TestClient, world: World, arc: str, viewpoint: str) -> dict[str, object]:
    body = client.get(f"/api/rounds/{world.round_a}/coverage", headers=bearer(world, "viewer_a")).json()
    cell: dict[str, object] = next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == (arc, viewpoint))
    return cell


def test_coverage_lists_every_arc_and_viewpoint_with_the_sessions_still_to_run(
    client: TestClient, world: World
) -> None:
    body = client.get(f"/api/rounds/{world.round_a}/coverage", headers=bearer(world, "viewer_a")).json()
    assert len(body["cells"]) == 8 * 5 and body["threshold"] == 5
    practitioner = next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == ("orange", "practitioner"))
    assert [s["title"] for s in practitioner["sessions"]] == ["Practitioners, north locality"]


def test_coverage_says_only_fewer_than_k_for_a_cell_with_some_raters_below_k(
    client: TestClient, world: World
) -> None:
    rows = [f"t{n},team,orange.team.1,3" for n in range(3)]
    import_csv(client, world, world.round_a, rows, publish_it=False)
    cell = coverage_cell(client, world, "orange", "team")
    assert (cell["respondents"], cell["fewer_than"], cell["enough"], cell["still_needed"]) == (
        None,
        5,
        False,
        None,
    )


def test_coverage_counts_raters_only_so_dont_know_adds_nothing(client: TestClient, world: World) -> None:
    rows = [f"t{n},team,orange.team.1,3" for n in range(5)] + [
        f"d{n},team,orange.team.1,dk" for n in range(3)
    ]
    import_csv(client, world, world.round_a, rows, publish_it=False)
    cell = coverage_cell(client, world, "orange", "team")
    assert (cell["respondents"], cell["fewer_than"], cell["enough"], cell["still_needed"]) == (
        5,
        None,
        True,
        0,
    )


def test_coverage_of_a_cell_no_one_has_rated_says_none_and_how_many_are_needed(
    client: TestClient, world: World
) -> None:
    cell = coverage_cell(client, world, "orange", "team")
    assert (cell["respondents"], cell["fewer_than"], cell["enough"], cell["still_needed"]) == (
        0,
        None,
        False,
        5,
    )


def test_a_timescale_longer_than_the_column_is_refused_not_a_server_error(
    client: TestClient, world: World
) -> None:
    response = post(client, world, f"/api/trusts/{world.trust_a}/actions", {**ACTION, "timescale": "x" * 101})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body.timescale"
