"""The request body limit: 413 before the body is read, or as soon as a chunked body passes the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.body_limit import IMPORT_PATH, BodyLimit
from tests.apps import build_app
from tests.factories import World

MB = 1_000_000


def chunks(total: int, size: int = 64_000) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), as a client that streams it would."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(client: TestClient) -> None:
    response = client.put(
        "/api/responses",
        content=b"{" + b" " * (8 * MB) + b"}",
        headers={"content-type": "application/json", "idempotency-key": "k1"},
    )
    assert response.status_code == 413
    assert "at most 1 MB (1,000,000 bytes)" in response.json()["detail"]


def test_a_chunked_body_is_refused_once_it_passes_the_limit(client: TestClient) -> None:
    response = client.put(
        "/api/responses",
        content=chunks(3 * MB),
        headers={"content-type": "application/json", "idempotency-key": "k1"},
    )
    assert response.status_code == 413
    assert "at most 1 MB" in response.json()["detail"]


def test_a_body_under_the_limit_reaches_the_route(client: TestClient) -> None:
    response = client.put(
        "/api/responses",
        content=b'{"answers": []}',
        headers={"content-type": "application/json", "idempotency-key": "k1"},
    )
    assert response.status_code == 401  # no participant token: the route answered, not the limit


def test_a_page_form_too_large_gets_a_page_saying_so(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        content=chunks(2 * MB),
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "That is too large to send" in response.text


def test_an_anonymous_import_is_refused_without_reading_its_body(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/rounds/{world.round_a}/answers/import",
        content=chunks(3 * MB),
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 401


def test_the_import_takes_more_than_the_json_limit_but_not_more_than_its_own(
    client: TestClient, world: World
) -> None:
    headers = {"content-type": "text/csv", "authorization": f"Bearer {world.tokens['lead_a']}"}
    url = f"/api/rounds/{world.round_a}/answers/import"
    lines = ["respondent,viewpoint,item,rating,comment"] + [
        f"p{n},practitioner,orange.practitioner.{item},3,{'words ' * 250}"
        for n in range(700)
        for item in (1, 2)
    ]
    two_mb = "\n".join(lines).encode()
    assert len(two_mb) > 2 * MB
    answered = client.post(url, content=two_mb, headers=headers)
    assert answered.status_code == 200, answered.text
    assert answered.json()["rows"] == 1400
    too_big = client.post(url, content=chunks(6 * MB), headers=headers)
    assert too_big.status_code == 413
    assert "at most 5 MB" in too_big.json()["detail"]


@pytest.fixture
def small_limit_client(migrated: Settings) -> Iterator[TestClient]:
    settings = migrated.model_copy(update={"max_body_bytes": 20_000})
    with TestClient(build_app(settings)) as small:
        yield small


def test_the_limit_comes_from_the_setting(small_limit_client: TestClient) -> None:
    small_limit_client.get("/login")
    response = small_limit_client.post(
        "/api/trusts", content=b" " * 30_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "at most 20 kB (20,000 bytes)" in response.json()["detail"]


def test_the_import_path_has_its_own_limit() -> None:
    limits = BodyLimit(MB, ((IMPORT_PATH, 5 * MB),))
    assert limits.for_path("/api/rounds/7/answers/import") == 5 * MB
    assert limits.for_path("/api/rounds/7/answers/import/more") == MB
    assert limits.for_path("/api/responses") == MB
