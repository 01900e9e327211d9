"""Headers on every response: CSP without inline script, no framing, nosniff, referrer policy, HSTS over
https, and no caching of pages with data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, browse_as

PAGES = ["/", "/arcs/orange", "/login", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_a_strict_content_security_policy(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("path", [*PAGES, "/api/framework", "/static/css/rainbow.css"])
def test_every_response_is_nosniff_with_a_referrer_policy(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_pages_with_data_are_not_cached(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    for path in (f"/trust/{world.trust_a}", f"/trust/rounds/{world.round_a}", "/api/me"):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_static_files_may_be_cached(client: TestClient) -> None:
    assert "cache-control" not in client.get("/static/css/rainbow.css").headers


def test_hsts_is_sent_over_https_only(client: TestClient, world_https: tuple[TestClient, World]) -> None:
    assert "strict-transport-security" not in client.get("/").headers
    https_client, _ = world_https
    assert https_client.get("/").headers["strict-transport-security"].startswith("max-age=31536000")
