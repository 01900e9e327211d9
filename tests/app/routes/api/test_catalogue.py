"""GET /api/framework and GET /api/surveys/{arc}/{viewpoint}: the shapes of design.md section 4."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

VIEWPOINTS = ["child", "practitioner", "team", "service", "trust"]
ARCS = ["red", "orange", "yellow", "green", "blue", "indigo", "violet", "pink"]


def test_framework_has_version_scale_viewpoints_and_eight_arcs(client: TestClient) -> None:
    body = client.get("/api/framework").json()
    assert body["version"] == "2009.1"
    assert [point["value"] for point in body["scale"]] == [1, 2, 3, 4, 5]
    assert all(point["label"] and point["child_label"] for point in body["scale"])
    assert [viewpoint["key"] for viewpoint in body["viewpoints"]] == VIEWPOINTS
    assert [arc["key"] for arc in body["arcs"]] == ARCS


def test_every_arc_has_its_texts_and_success_for_all_five_viewpoints(client: TestClient) -> None:
    for arc in client.get("/api/framework").json()["arcs"]:
        for field in ("colour", "title", "about", "integrated", "fragmented"):
            assert arc[field], (arc["key"], field)
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", arc["colour"])
        assert sorted(arc["success"]) == sorted(VIEWPOINTS)
        assert all(arc["success"].values())


def test_all_forty_surveys_have_four_to_six_statements_with_valid_unique_codes(client: TestClient) -> None:
    seen: set[str] = set()
    for arc in ARCS:
        for viewpoint in VIEWPOINTS:
            response = client.get(f"/api/surveys/{arc}/{viewpoint}")
            assert response.status_code == 200
            body = response.json()
            assert (body["arc"], body["viewpoint"]) == (arc, viewpoint)
            assert 4 <= len(body["items"]) <= 6
            for item in body["items"]:
                assert re.fullmatch(rf"{arc}\.{viewpoint}\.[1-9][0-9]*", item["code"])
                assert item["text"]
                assert item["code"] not in seen
                seen.add(item["code"])
    assert len(seen) >= 160


def test_children_s_survey_carries_child_wording(client: TestClient) -> None:
    items = client.get("/api/surveys/orange/child").json()["items"]
    assert all(item["child_text"] for item in items)


def test_adult_surveys_carry_no_child_wording(client: TestClient) -> None:
    items = client.get("/api/surveys/orange/practitioner").json()["items"]
    assert all(item["child_text"] is None for item in items)


def test_unknown_arc_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/surveys/turquoise/child")
    assert response.status_code == 404
    assert "turquoise" in response.json()["detail"]
    assert "orange" in response.json()["detail"]


def test_unknown_viewpoint_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/surveys/orange/parent")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("There is no viewpoint 'parent'")


def test_unknown_api_path_answers_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()


def test_openapi_document_is_served_under_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/healthz", "/api/framework", "/api/surveys/{arc}/{viewpoint}"} <= set(paths)


def test_no_third_party_docs_pages_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
