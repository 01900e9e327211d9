"""The login throttle: at most 10 failures in 5 minutes per account and per client, then 429."""

from __future__ import annotations

from datetime import timedelta

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.db.tables import ThrottleFailure
from app.store.throttle import Throttle
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
