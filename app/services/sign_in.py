"""Signing in: the password check, the login throttle and the audit trail, in one place.

Failures count against the account and against the client, in buckets of their own (the join-code
throttle has separate ones). An unknown email and a wrong password get the same answer, in the same time,
and both count, so neither the message, the timing nor the lockout tells which emails have accounts.
"""

from __future__ import annotations

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
    per_account: Throttle
    per_client: Throttle

    @classmethod
    def of(cls, runtime: Runtime) -> LoginThrottles:
        window = timedelta(seconds=runtime.settings.login_failure_window_seconds)
        limit = runtime.settings.login_failure_limit
        return cls(Throttle("login-account", limit, window), Throttle("login-client", limit, window))


def sign_in(runtime: Runtime, *, email: str, password: str, client: str) -> str:
    """Check the credentials and open a session; returns the session secret for the cookie.

    :raises TooManyRequests: when the account or the client has failed too often lately (Retry-After set).
    :raises LoginFailed: when the email and password do not match an active account.
    :raises SecondFactorNeeded: when they do, and the account has a second factor to give next.
    """
    throttles = LoginThrottles.of(runtime)
    email = email.strip().lower()
    account_key = throttles.per_account.key_for(runtime.secret_key, email)
    client_key = throttles.per_client.key_for(runtime.secret_key, client)
    with read_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttles, account_key, client_key)
        user = find_user(db, email=email) if email else None
    # The slow, deliberate hash check runs outside any transaction: it must not hold the write lock.
    ok = (
        verify_password(user.password_hash if user else None, password)
        and user is not None
        and user.is_active
    )
    if ok and user is not None and user.id is not None and user.mfa_enabled_at is not None:
        with write_session(runtime.engine) as db:
            throttles.per_account.clear(db, key=account_key)
        raise SecondFactorNeeded(user.id)
    with write_session(runtime.engine) as db:
        if ok and user is not None and user.id is not None:
            throttles.per_account.clear(db, key=account_key)
            audit.record(db, action="login", actor_id=user.id, actor_email=user.email)
            return start_session(db, user_id=user.id)
        throttles.per_account.record_failure(db, key=account_key)
        throttles.per_client.record_failure(db, key=client_key)
        # Only an existing account is named in the log: a mistyped email may be someone's password.
        audit.record(
            db,
            action="login",
            outcome="failed",
            actor_id=user.id if user else None,
            actor_email=user.email if user else None,
            detail=None if user else "unknown account",
        )
    with read_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttles, account_key, client_key)
    raise LoginFailed


def _refuse_if_throttled(db: Session, throttles: LoginThrottles, account_key: str, client_key: str) -> None:
    waits = [
        throttles.per_account.retry_after(db, key=account_key),
        throttles.per_client.retry_after(db, key=client_key),
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
