"""Signing in: the password check, the login throttle and the audit trail, in one place.

A stranger must not be able to lock a member of staff out by failing on purpose, so nothing counts failures
per account alone. Failures count per (account, client address) and per client address, and either past
`RAINBOW_LOGIN_FAILURE_LIMIT` answers 429. A browser that has signed in to the account before carries a
device cookie (a random value signed with the account's email, set at each successful sign-in): it is a
known client, whose failures count in its own bucket and past the limit only slow it down
(`RAINBOW_LOGIN_SLOW_SECONDS` before each answer), never refuse it. Failures across all clients of one
account past the limit slow down every unknown client of that account, never refuse it either.

An unknown email and a wrong password get the same answer, in the same time, and both count, so neither the
message, the timing nor the throttle tells which emails have accounts. Buckets are the sign-in's own (the
join-code throttle has separate ones).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.db.engine import read_session, write_session
from app.errors import TooManyRequests
from app.passwords import verify_password
from app.services.runtime import Runtime
from app.store import audit
from app.store.staff_sessions import end_session, start_session
from app.store.throttle import Throttle
from app.store.users import find_user

FAILED_MESSAGE = "That email address and password do not match an account that can sign in."


class LoginFailed(Exception):
    """Wrong email or password, or a disabled account: the caller shows `FAILED_MESSAGE`."""


class SecondFactorNeeded(Exception):
    """The password was right and the account has a second factor: no session yet, the code comes next
    (`app.services.second_factor.sign_in_with_code`)."""

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id)
        self.user_id = user_id


@dataclass(frozen=True)
class LoginThrottles:
    per_account_client: Throttle
    per_client: Throttle
    per_account: Throttle  # only ever slows unknown clients down
    per_device: Throttle  # a known client's: only ever slows it down

    @classmethod
    def of(cls, runtime: Runtime) -> LoginThrottles:
        window = timedelta(seconds=runtime.settings.login_failure_window_seconds)
        limit = runtime.settings.login_failure_limit
        return cls(
            Throttle("login-account-client", limit, window),
            Throttle("login-client", limit, window),
            Throttle("login-account", limit, window),
            Throttle("login-device", limit, window),
        )


@dataclass(frozen=True)
class Attempt:
    """A sign-in the throttle lets through, and how long to make it wait first (0 for none)."""

    email: str
    device: str | None  # the known client's device value, when the browser showed a valid device cookie
    keys: dict[str, str]  # throttle bucket -> key
    delay: float


@dataclass(frozen=True)
class SignedIn:
    session_secret: str
    device_cookie: str  # to set (again) in the browser: it is now a known client of this account


def device_cookie(secret_key: bytes, email: str) -> str:
    """A new device cookie value for a browser that has just signed in to `email`."""
    value = secrets.token_urlsafe(16)
    return f"{value}.{_device_mac(secret_key, email, value)}"


def known_device(secret_key: bytes, email: str, cookie: str | None) -> str | None:
    """The device value of `cookie` when it was set by a sign-in to `email`, else None."""
    value, _, mac = (cookie or "").partition(".")
    if not value or not hmac.compare_digest(mac, _device_mac(secret_key, email, value)):
        return None
    return value


def _device_mac(secret_key: bytes, email: str, value: str) -> str:
    return hmac.new(secret_key, f"device|{email}|{value}".encode(), hashlib.sha256).hexdigest()[:32]


def begin(runtime: Runtime, *, email: str, client: str, device_cookie: str | None) -> Attempt:
    """Ask the throttle about a sign-in from `client` (its address) with the browser's device cookie.

    :raises TooManyRequests: when an unknown client has failed too often lately (Retry-After set).
    """
    throttles = LoginThrottles.of(runtime)
    email = email.strip().lower()
    device = known_device(runtime.secret_key, email, device_cookie) if email else None
    key = runtime.secret_key
    keys = {
        "per_account_client": throttles.per_account_client.key_for(key, f"{email}|{client}"),
        "per_client": throttles.per_client.key_for(key, client),
        "per_account": throttles.per_account.key_for(key, email),
    }
    if device is not None:
        keys["per_device"] = throttles.per_device.key_for(key, f"{email}|{device}")
    with read_session(runtime.engine) as db:
        if device is not None:
            slow = throttles.per_device.retry_after(db, key=keys["per_device"]) is not None
        else:
            _refuse_if_throttled(db, throttles, keys)
            slow = throttles.per_account.retry_after(db, key=keys["per_account"]) is not None
    return Attempt(email, device, keys, runtime.settings.login_slow_seconds if slow else 0.0)


def finish(runtime: Runtime, attempt: Attempt, *, password: str) -> SignedIn:
    """Check the password of an attempt `begin` let through (after its delay) and open a session.

    :raises LoginFailed: when the email and password do not match an active account.
    :raises TooManyRequests: when this failure takes an unknown client to its limit.
    :raises SecondFactorNeeded: when they do match, and the account has a second factor to give next.
    """
    throttles = LoginThrottles.of(runtime)
    with read_session(runtime.engine) as db:
        # A NUL can be in no stored email, and PostgreSQL refuses it in a query: no account, same answer.
        user = find_user(db, email=attempt.email) if attempt.email and "\x00" not in attempt.email else None
    # The slow, deliberate hash check runs outside any transaction: it must not hold the write lock.
    ok = (
        verify_password(user.password_hash if user else None, password)
        and user is not None
        and user.is_active
    )
    if ok and user is not None and user.id is not None and user.mfa_enabled_at is not None:
        with write_session(runtime.engine) as db:
            _clear_throttles(db, throttles, attempt)
        raise SecondFactorNeeded(user.id)
    with write_session(runtime.engine) as db:
        if ok and user is not None and user.id is not None:
            _clear_throttles(db, throttles, attempt)
            audit.record(db, action="login", actor_id=user.id, actor_email=user.email)
            secret = start_session(db, user_id=user.id)
            return SignedIn(secret, device_cookie(runtime.secret_key, attempt.email))
        _record_failure(db, throttles, attempt)
        # Only an existing account is named in the log: a mistyped email may be someone's password.
        audit.record(
            db,
            action="login",
            outcome="failed",
            actor_id=user.id if user else None,
            actor_email=user.email if user else None,
            detail=None if user else "unknown account",
        )
    if attempt.device is None:
        with read_session(runtime.engine) as db:
            _refuse_if_throttled(db, throttles, attempt.keys)
    raise LoginFailed


def _clear_throttles(db: Session, throttles: LoginThrottles, attempt: Attempt) -> None:
    for name in ("per_account_client", "per_account", "per_device"):
        if name in attempt.keys:
            getattr(throttles, name).clear(db, key=attempt.keys[name])


def _record_failure(db: Session, throttles: LoginThrottles, attempt: Attempt) -> None:
    if attempt.device is not None:  # a known client's failures never count against anyone else
        throttles.per_device.record_failure(db, key=attempt.keys["per_device"])
        return
    for name in ("per_account_client", "per_client", "per_account"):
        getattr(throttles, name).record_failure(db, key=attempt.keys[name])


def _refuse_if_throttled(db: Session, throttles: LoginThrottles, keys: dict[str, str]) -> None:
    waits = [
        throttles.per_account_client.retry_after(db, key=keys["per_account_client"]),
        throttles.per_client.retry_after(db, key=keys["per_client"]),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise TooManyRequests(
            f"Too many failed sign-ins. Please wait about {minutes} minute{'s' if minutes != 1 else ''} "
            "and try again.",
            retry_after=wait,
        )


def sign_out(runtime: Runtime, *, secret: str, user_id: int, email: str) -> None:
    with write_session(runtime.engine) as db:
        end_session(db, secret=secret)
        audit.record(db, action="logout", actor_id=user_id, actor_email=email)
