"""GET /api/rounds/{id}/rainbow.png and .svg: drawn from the round's latest publication, cached by a digest of
its data; 409 for a round never published."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from app.db.engine import write_session
from app.db.tables import Round
from tests.api import bearer, import_csv, publish, two_rounds
from tests.factories import World, add_round, app_state

pytestmark = pytest.mark.database
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def round_a_published(client: TestClient, world: World) -> None:
    """Trust A's round published (with no answers yet): its charts exist."""
    publish(client, world, world.round_a)


def rainbow(client: TestClient, world: World, round_id: int, fmt: str = "png", **params: object):  # type: ignore[no-untyped-def]
    return client.get(
        f"/api/rounds/{round_id}/rainbow.{fmt}", params=params, headers=bearer(world, "viewer_a")
    )


@pytest.mark.usefixtures("round_a_published")
def test_the_png_rainbow_is_an_image(client: TestClient, world: World) -> None:
    response = rainbow(client, world, world.round_a)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)


@pytest.mark.usefixtures("round_a_published")
def test_a_png_at_scale_two_has_twice_the_pixels_for_print(client: TestClient, world: World) -> None:
    screen, printed = rainbow(client, world, world.round_a), rainbow(client, world, world.round_a, scale=2)
    assert png_size(screen.content) == (1000, 650) and png_size(printed.content) == (2000, 1300)
    assert screen.headers["etag"] != printed.headers["etag"]


@pytest.mark.usefixtures("round_a_published")
def test_a_scale_beyond_three_is_refused(client: TestClient, world: World) -> None:
    assert rainbow(client, world, world.round_a, scale=9).status_code == 422


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.usefixtures("round_a_published")
def test_the_svg_rainbow_is_an_svg_document(client: TestClient, world: World) -> None:
    response = rainbow(client, world, world.round_a, "svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(response.content).tag.endswith("svg")


def test_a_round_and_its_comparison_draw_differently(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    for fmt in ("png", "svg"):
        alone = rainbow(client, world, current, fmt)
        compared = rainbow(client, world, current, fmt, baseline=baseline)
        assert compared.status_code == alone.status_code == 200
        assert compared.content != alone.content
        assert compared.headers["etag"] != alone.headers["etag"]


@pytest.mark.usefixtures("round_a_published")
def test_new_answers_change_the_image_and_its_etag(client: TestClient, world: World) -> None:
    before = rainbow(client, world, world.round_a)
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(6)])
    after = rainbow(client, world, world.round_a)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content


@pytest.mark.usefixtures("round_a_published")
def test_the_same_data_is_drawn_once_and_then_served_from_the_cache(client: TestClient, world: World) -> None:
    first = rainbow(client, world, world.round_a)
    cached = len(app_state(client).charts)
    second = rainbow(client, world, world.round_a)
    assert second.content == first.content
    assert len(app_state(client).charts) == cached == 1


@pytest.mark.usefixtures("round_a_published")
def test_a_browser_with_the_current_image_gets_304(client: TestClient, world: World) -> None:
    etag = rainbow(client, world, world.round_a).headers["etag"]
    response = client.get(
        f"/api/rounds/{world.round_a}/rainbow.png",
        headers={**bearer(world, "viewer_a"), "If-None-Match": etag},
    )
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.usefixtures("round_a_published")
def test_one_viewpoint_and_the_small_size_draw_their_own_charts(client: TestClient, world: World) -> None:
    full = rainbow(client, world, world.round_a)
    child = rainbow(client, world, world.round_a, viewpoint="child")
    small = rainbow(client, world, world.round_a, viewpoint="child", size="small")
    assert len({full.headers["etag"], child.headers["etag"], small.headers["etag"]}) == 3


def test_a_round_never_published_has_no_chart(client: TestClient, world: World) -> None:
    for fmt in ("png", "svg"):
        response = rainbow(client, world, world.round_a, fmt)
        assert response.status_code == 409
        assert "not been published" in response.json()["detail"]


def test_a_baseline_never_published_is_not_drawn(client: TestClient, world: World) -> None:
    publish(client, world, world.round_a)
    later = add_round(app_state(client).engine, trust_id=world.trust_a, name="2010 re-assessment")
    publish(client, world, later)
    unpublished = add_round(app_state(client).engine, trust_id=world.trust_a, name="2011 re-assessment")
    assert rainbow(client, world, later, baseline=unpublished).status_code == 409


def test_an_unknown_viewpoint_is_refused_naming_the_field(client: TestClient, world: World) -> None:
    response = rainbow(client, world, world.round_a, viewpoint="parent")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "query.viewpoint"


def test_another_trusts_round_cannot_be_drawn_as_the_baseline(client: TestClient, world: World) -> None:
    response = client.get(
        f"/api/rounds/{world.round_a}/rainbow.png",
        params={"baseline": world.round_b},
        headers=bearer(world, "admin"),
    )
    assert response.status_code == 404


@pytest.mark.usefixtures("round_a_published")
def test_a_new_target_changes_the_chart(client: TestClient, world: World) -> None:
    before = rainbow(client, world, world.round_a)
    client.post(
        f"/api/rounds/{world.round_a}/targets",
        json={"arc": "red", "level": 4},
        headers=bearer(world, "lead_a"),
    )
    after = rainbow(client, world, world.round_a)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content


@pytest.mark.usefixtures("round_a_published")
def test_renaming_the_round_changes_the_chart(client: TestClient, world: World) -> None:
    before = rainbow(client, world, world.round_a)
    with write_session(app_state(client).engine) as db:
        db_round = db.get(Round, world.round_a)
        assert db_round is not None
        db_round.name = "2009 baseline (revised)"
    assert rainbow(client, world, world.round_a).headers["etag"] != before.headers["etag"]


def test_a_mistyped_parameter_is_refused_rather_than_ignored(client: TestClient, world: World) -> None:
    response = client.get(
        f"/api/rounds/{world.round_a}/rainbow.png", params={"baseine": 3}, headers=bearer(world, "viewer_a")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "query.baseine"
