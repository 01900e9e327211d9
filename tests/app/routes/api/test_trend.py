"""GET /api/trusts/{id}/trend and its chart: each arc across the trust's published rounds, with intervals."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from tests.api import bearer, import_csv, two_rounds
from tests.factories import World, add_round, app_state

pytestmark = pytest.mark.database


def trend(client: TestClient, world: World, suffix: str = "", **params: object):  # type: ignore[no-untyped-def]
    return client.get(
        f"/api/trusts/{world.trust_a}/trend{suffix}", params=params, headers=bearer(world, "viewer_a")
    )


def orange(body: dict[str, object]) -> dict[str, object]:
    arcs = body["arcs"]
    assert isinstance(arcs, list)
    return next(arc for arc in arcs if arc["arc"] == "orange")


def test_the_trend_gives_each_arc_in_each_published_round_earliest_first(
    client: TestClient, world: World
) -> None:
    baseline, current = two_rounds(client, world)
    body = trend(client, world).json()
    assert [r["id"] for r in body["rounds"]] == [baseline, current]
    points = orange(body)["points"]
    assert [p["round_id"] for p in points] == [baseline, current]
    assert [p["score"] for p in points] == [2.0, 4.0]
    for point in points:
        assert point["ci_low"] <= point["score"] <= point["ci_high"]


def test_an_unpublished_round_is_left_out(client: TestClient, world: World) -> None:
    two_rounds(client, world)
    later = add_round(app_state(client).engine, trust_id=world.trust_a, name="2011 follow-up")
    import_csv(client, world, later, [f"t{n},team,orange.team.1,5" for n in range(6)], publish_it=False)
    assert later not in [r["id"] for r in trend(client, world).json()["rounds"]]


def test_an_arc_with_every_cell_hidden_has_no_score_and_no_interval(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,5" for n in range(4)])
    (point,) = orange(trend(client, world).json())["points"]
    assert point == {"round_id": world.round_a, "score": None, "ci_low": None, "ci_high": None}


def test_another_trusts_trend_is_not_found(client: TestClient, world: World) -> None:
    response = client.get(f"/api/trusts/{world.trust_b}/trend", headers=bearer(world, "viewer_a"))
    assert response.status_code == 404


def test_the_trend_is_drawn_as_svg_and_as_png_at_print_size(client: TestClient, world: World) -> None:
    two_rounds(client, world)
    svg = trend(client, world, ".svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag.endswith("svg")
    screen, printed = trend(client, world, ".png"), trend(client, world, ".png", scale=2)
    width = int.from_bytes(screen.content[16:20], "big")
    assert int.from_bytes(printed.content[16:20], "big") == 2 * width


def test_the_trend_chart_answers_not_modified_to_its_etag(client: TestClient, world: World) -> None:
    two_rounds(client, world)
    first = trend(client, world, ".svg")
    again = client.get(
        f"/api/trusts/{world.trust_a}/trend.svg",
        headers={**bearer(world, "viewer_a"), "If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
