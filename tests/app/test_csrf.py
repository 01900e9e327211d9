"""CSRF: every unsafe request from a browser carries the token of its cookies, or is refused with 403."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.csrf import CSRF_HEADER
from tests.factories import PASSWORD, World, browse_as, csrf_headers


def form_token(client: TestClient, path: str) -> str:
    soup = BeautifulSoup(client.get(path).text, "html.parser")
    return str(soup.find("input", attrs={"name": "csrf_token"})["value"])


def test_a_login_post_without_its_csrf_token_is_403(client: TestClient, world: World) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": world.emails["lead_a"], "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_a_login_post_with_a_wrong_token_is_403(client: TestClient, world: World) -> None:
    client.get("/login")
    data = {"email": world.emails["lead_a"], "password": PASSWORD, "csrf_token": "0" * 64}
    assert client.post("/login", data=data).status_code == 403


def test_a_login_post_from_a_browser_with_no_cookies_is_403(client: TestClient, world: World) -> None:
    token = form_token(client, "/login")
    client.cookies.clear()
    data = {"email": world.emails["lead_a"], "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 403


def test_the_token_in_the_login_form_signs_in(client: TestClient, world: World) -> None:
    data = {"email": world.emails["lead_a"], "password": PASSWORD, "csrf_token": form_token(client, "/login")}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_the_token_changes_when_the_browser_signs_in(client: TestClient, world: World) -> None:
    anonymous_token = form_token(client, "/login")
    data = {"email": world.emails["lead_a"], "password": PASSWORD, "csrf_token": anonymous_token}
    client.post("/login", data=data)
    response = client.post("/logout", data={"csrf_token": anonymous_token}, follow_redirects=False)
    assert response.status_code == 403


def test_the_page_token_works_as_an_htmx_header(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    soup = BeautifulSoup(client.get(f"/trust/{world.trust_a}").text, "html.parser")
    header_token = soup.body["hx-headers"]
    assert CSRF_HEADER in header_token.lower()
    token = form_token(client, f"/trust/{world.trust_a}")
    assert token in header_token
    response = client.post(
        f"/trust/{world.trust_a}/rounds",
        data={"name": "2010 re-assessment"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_json_request_with_the_session_cookie_needs_the_header(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["lead_a"])
    path = f"/api/trusts/{world.trust_a}/rounds"
    assert client.post(path, json={"name": "2010 re-assessment"}).status_code == 403
    assert client.post(path, json={"name": "2010 re-assessment"}, headers=headers).status_code == 201


def test_a_form_post_is_checked_even_with_an_authorization_header(client: TestClient, world: World) -> None:
    browse_as(client, None)
    response = client.post(
        "/login",
        data={"email": world.emails["lead_a"], "password": PASSWORD},
        headers={"Authorization": f"Bearer {world.tokens['lead_a']}"},
    )
    assert response.status_code == 403


def test_an_api_client_with_a_token_and_no_cookies_needs_no_csrf_token(
    client: TestClient, world: World
) -> None:
    client.cookies.clear()
    response = client.post(
        f"/api/trusts/{world.trust_a}/rounds",
        json={"name": "2010 re-assessment"},
        headers={"Authorization": f"Bearer {world.tokens['lead_a']}"},
    )
    assert response.status_code == 201


def test_csrf_is_checked_before_anything_changes(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    assert client.post("/admin/trusts", data={"name": "Trust C"}).status_code == 403
    names = [t["name"] for t in client.get("/api/trusts", headers=csrf_headers(client)).json()]
    assert "Trust C" not in names
