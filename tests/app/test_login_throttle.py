"""The login throttle: at most 10 failures in 5 minutes per (account, client) and per client, then 429; a
browser that signed in to the account before is slowed, never refused, so a stranger cannot lock staff out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.config import Settings
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.db.tables import ThrottleFailure
from app.routes.pages.auth import DEVICE_COOKIE
from app.store.throttle import Throttle
from tests.apps import build_app
from tests.factories import PASSWORD, World, app_state, csrf_headers


def attempt(client: TestClient, email: str, password: str = "not the password") -> httpx.Response:
    if not client.cookies:
        client.get("/login")
    data = {"email": email, "password": password}
    return client.post("/login", data=data, headers=csrf_headers(client), follow_redirects=False)


def test_the_tenth_failure_in_a_row_is_answered_429_with_retry_after(
    client: TestClient, world: World
) -> None:
    statuses = [attempt(client, world.emails["lead_a"]).status_code for _ in range(10)]
    assert statuses == [401] * 9 + [429]
    response = attempt(client, world.emails["lead_a"], PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 300
    assert "Too many failed sign-ins" in response.text


def test_unknown_accounts_are_throttled_like_real_ones(client: TestClient) -> None:
    statuses = [attempt(client, "nobody@example.org").status_code for _ in range(10)]
    assert statuses == [401] * 9 + [429]


def test_one_client_trying_many_accounts_is_throttled(client: TestClient, world: World) -> None:
    emails = [f"guess{n}@example.org" for n in range(9)] + [world.emails["viewer_a"]]
    statuses = [attempt(client, email).status_code for email in emails]
    assert statuses[-1] == 429


def test_failures_older_than_the_window_no_longer_count(client: TestClient, world: World) -> None:
    for _ in range(10):
        attempt(client, world.emails["lead_a"])
    with write_session(app_state(client).engine) as db:
        db.execute(update(ThrottleFailure).values(at=utcnow() - timedelta(minutes=6)))
    assert attempt(client, world.emails["lead_a"], PASSWORD).status_code == 303


def test_a_success_clears_the_account_s_failures(client: TestClient, world: World) -> None:
    for _ in range(5):
        attempt(client, world.emails["lead_a"])
    assert attempt(client, world.emails["lead_a"], PASSWORD).status_code == 303
    state = app_state(client)
    key = Throttle("login-account", 10, timedelta(minutes=5)).key_for(
        state.secret_key, world.emails["lead_a"]
    )
    with read_session(state.engine) as db:
        remaining = db.scalars(select(ThrottleFailure).where(ThrottleFailure.key == key)).all()
    assert remaining == []


def test_throttle_keys_are_hashed_not_emails(client: TestClient, world: World) -> None:
    attempt(client, world.emails["lead_a"])
    with read_session(app_state(client).engine) as db:
        keys = [row.key for row in db.scalars(select(ThrottleFailure))]
    assert keys and all("@" not in key and "testclient" not in key for key in keys)


def test_buckets_count_separately(client: TestClient) -> None:
    login = Throttle("login-client", 3, timedelta(minutes=5))
    join = Throttle("join-client", 3, timedelta(minutes=5))
    state = app_state(client)
    with write_session(state.engine) as db:
        for _ in range(3):
            join.record_failure(db, key=join.key_for(state.secret_key, "10.0.0.1"))
    with read_session(state.engine) as db:
        assert join.retry_after(db, key=join.key_for(state.secret_key, "10.0.0.1")) is not None
        assert login.retry_after(db, key=login.key_for(state.secret_key, "10.0.0.1")) is None


SLOW = 0.3


@pytest.fixture
def slow_client(migrated: Settings) -> Iterator[TestClient]:
    """A browser at 10.0.0.1, with the known-browser delay short enough for a test."""
    app = build_app(migrated.model_copy(update={"login_slow_seconds": SLOW}))
    with TestClient(app, client=("10.0.0.1", 50000)) as test_client:
        yield test_client


def browser_at(client: TestClient, address: str) -> TestClient:
    """Another browser, at another address, on the same app."""
    return TestClient(client.app, client=(address, 50000))


def timed(client: TestClient, email: str, password: str = "not the password") -> tuple[int, float]:
    start = time.monotonic()
    status = attempt(client, email, password).status_code
    return status, time.monotonic() - start


def test_a_stranger_failing_on_purpose_cannot_lock_a_member_of_staff_out(
    slow_client: TestClient, world: World
) -> None:
    stranger = browser_at(slow_client, "203.0.113.9")
    statuses = [attempt(stranger, world.emails["lead_a"]).status_code for _ in range(15)]
    assert statuses[-1] == 429  # the stranger is refused ...
    assert attempt(slow_client, world.emails["lead_a"], PASSWORD).status_code == 303  # ... not the lead


def test_a_known_browser_is_slowed_past_the_limit_but_never_refused(
    slow_client: TestClient, world: World
) -> None:
    email = world.emails["lead_a"]
    assert attempt(slow_client, email, PASSWORD).status_code == 303
    assert slow_client.cookies.get(DEVICE_COOKIE)
    slow_client.cookies.delete("rainbow_session")
    results = [timed(slow_client, email) for _ in range(13)]
    assert [status for status, _ in results] == [401] * 13
    assert all(seconds >= SLOW for _, seconds in results[10:])
    status, seconds = timed(slow_client, email, PASSWORD)
    assert status == 303 and seconds >= SLOW


def test_a_known_browser_s_failures_do_not_count_against_its_address(
    slow_client: TestClient, world: World
) -> None:
    assert attempt(slow_client, world.emails["lead_a"], PASSWORD).status_code == 303
    slow_client.cookies.delete("rainbow_session")
    for _ in range(12):
        attempt(slow_client, world.emails["lead_a"])
    colleague = browser_at(slow_client, "10.0.0.1")
    assert attempt(colleague, world.emails["viewer_a"], PASSWORD).status_code == 303


def test_a_device_cookie_from_another_account_makes_no_known_browser(
    slow_client: TestClient, world: World
) -> None:
    assert attempt(slow_client, world.emails["viewer_a"], PASSWORD).status_code == 303
    slow_client.cookies.delete("rainbow_session")
    statuses = [attempt(slow_client, world.emails["lead_a"]).status_code for _ in range(10)]
    assert statuses == [401] * 9 + [429]


def test_failures_from_many_addresses_slow_the_account_s_unknown_browsers_without_refusing(
    slow_client: TestClient, world: World
) -> None:
    for n in range(10):
        attempt(browser_at(slow_client, f"198.51.100.{n}"), world.emails["lead_a"])
    status, seconds = timed(browser_at(slow_client, "198.51.100.77"), world.emails["lead_a"], PASSWORD)
    assert status == 303 and seconds >= SLOW


def test_an_email_with_a_nul_is_a_failed_sign_in_on_every_engine(client: TestClient) -> None:
    response = attempt(client, "lead\x00@example.org")
    assert response.status_code == 401
    assert "do not match an account" in response.text
