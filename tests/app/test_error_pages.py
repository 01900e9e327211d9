"""Errors: JSON for the API, a friendly page for browsers, and never a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture
def failing_client(migrated: Settings) -> Iterator[TestClient]:
    app = create_app(migrated)

    @app.get("/api/explode")
    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_unexpected_api_error_gives_a_reference_and_no_internals(failing_client: TestClient) -> None:
    response = failing_client.get("/api/explode")
    assert response.status_code == 500
    reference = response.headers["x-error-reference"]
    assert reference in response.json()["detail"]
    assert "secret" not in response.text
    assert "Traceback" not in response.text


def test_unexpected_page_error_shows_a_friendly_page(failing_client: TestClient) -> None:
    response = failing_client.get("/explode", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert response.headers["x-error-reference"] in response.text
    assert "secret" not in response.text


def test_missing_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/"' in response.text


@pytest.mark.parametrize("path", ["/static/no-such-file.css", "/healthzz", "/healthz/more", "/static/"])
def test_a_missing_address_without_a_csrf_cookie_is_a_404_page(client: TestClient, path: str) -> None:
    client.cookies.clear()
    response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


def test_the_health_check_still_sets_no_csrf_cookie(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
