"""Who is asking: staff signed in with a session cookie, or calling the API with a personal token.

A session cookie carries a random secret, signed with the installation's key; the store keeps only its hash
(`app.store.staff_sessions`). An ``Authorization: Bearer`` token, when present, is the only credential looked
at: a request never mixes a token with a cookie.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, Signer, TimestampSigner
from sqlmodel import Session

from app.errors import Forbidden, NotAuthenticated, SecondFactorRequired
from app.identity import Staff
from app.services.second_factor import must_have_second_factor
from app.store.staff_sessions import (
    staff_from_session,
    staff_from_token,
    staff_of_fresh_sessions,
    staff_of_tokens,
)
from app.web.room_watch import Credential
from app.web.state import AppState, State

SESSION_COOKIE = "rainbow_session"
#: Between the password and the second factor: the account's id, signed and timed (no session yet).
SECOND_FACTOR_COOKIE = "rainbow_second_factor"
SECOND_FACTOR_SECONDS = 300
#: An anonymous respondent's token, set when they join a session (see app.store.participants).
PARTICIPANT_COOKIE = "rainbow_participant"


def session_signer(key: bytes) -> Signer:
    return Signer(key, salt="rainbow.staff-session")


def session_secret_from_cookie(key: bytes, cookie: str | None) -> str | None:
    """The session secret inside a signed cookie, or None when the cookie is absent or forged."""
    if not cookie:
        return None
    try:
        return session_signer(key).unsign(cookie).decode()
    except BadSignature:
        return None


def set_session_cookie(response: Response, request: Request, key: bytes, secret: str) -> None:
    """Give the browser its signed session cookie (HttpOnly, SameSite=Lax, Secure over https)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_signer(key).sign(secret).decode(),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def second_factor_signer(key: bytes) -> TimestampSigner:
    return TimestampSigner(key, salt="rainbow.second-factor")


def pending_second_factor(key: bytes, cookie: str | None) -> int | None:
    """The account whose password was just right, while its second factor is awaited (five minutes)."""
    if not cookie:
        return None
    try:
        value = second_factor_signer(key).unsign(cookie, max_age=SECOND_FACTOR_SECONDS).decode()
    except BadSignature:
        return None
    return int(value) if value.isdigit() else None


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


# Declares the bearer scheme in the OpenAPI document; the header itself is read by `bearer_token`.
_bearer_scheme = HTTPBearer(auto_error=False, description="A personal API token from `rainbow create-token`")


def optional_staff(
    request: Request,
    state: State,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Staff | None:
    """The signed-in staff member, if any (worked out once per request)."""
    return identify(request, state)


def identify(request: Request, state: AppState) -> Staff | None:
    """Who sent `request`: its bearer token's owner, else its session cookie's, else None. Worked out once per
    request (kept on ``request.state``); for code outside FastAPI's dependencies, as `app.web.room_polls`."""
    if hasattr(request.state, "staff"):
        cached: Staff | None = request.state.staff
        return cached
    token = bearer_token(request)
    staff: Staff | None = None
    if token is not None:
        staff = staff_from_token(state.engine, token=token)
    else:
        secret = session_secret_from_cookie(state.secret_key, request.cookies.get(SESSION_COOKIE))
        if secret:
            settings = state.settings
            staff = staff_from_session(
                state.engine,
                secret=secret,
                idle=timedelta(minutes=settings.session_idle_minutes),
                lifetime=timedelta(hours=settings.session_max_hours),
            )
    request.state.staff = staff
    return staff


#: Where someone who must set up a second factor may still go: setting it up, their password, signing out,
#: and who they are (`/api/me`).
SECOND_FACTOR_SETUP_PATHS = frozenset({"/account/security", "/account/password", "/logout", "/api/me"})


async def require_staff(
    staff: Annotated[Staff | None, Depends(optional_staff)],
    request: Request,
    state: State,
) -> Staff:
    """:raises NotAuthenticated: for anyone not signed in (a bad token is the same as none).
    :raises SecondFactorRequired: for a browser of someone `RAINBOW_REQUIRE_MFA_FOR` asks for a second factor
        they have not set up yet, anywhere but the pages to set it up (API tokens, made on the command line,
        are not asked).
    """
    if staff is None:
        if bearer_token(request) is not None:
            raise NotAuthenticated("That API token is not valid.", headers={"WWW-Authenticate": "Bearer"})
        raise NotAuthenticated("Please sign in.", headers={"WWW-Authenticate": "Bearer"})
    if second_factor_missing(request, state, staff):
        raise SecondFactorRequired(
            "Set up your second factor (an authenticator app) at /account/security first."
        )
    return staff


def credential_of(request: Request, state: AppState) -> Credential | None:
    """The credential `identify` goes by: the bearer token if any, else a genuine session cookie's secret."""
    token = bearer_token(request)
    if token is not None:
        return ("token", token)
    secret = session_secret_from_cookie(state.secret_key, request.cookies.get(SESSION_COOKIE))
    return ("session", secret) if secret else None


def staff_of_credentials(
    db: Session, credentials: Collection[Credential], state: AppState
) -> dict[Credential, Staff]:
    """Who each credential is, as `identify` would find, read in the caller's `db` (a statement for the
    tokens, one for the sessions) and never writing. A credential is left out when it gives nobody, and also
    when its session is due to be ended or marked seen: `identify`, on the route, then does that."""
    tokens = [value for kind, value in credentials if kind == "token"]
    secrets = [value for kind, value in credentials if kind == "session"]
    found: dict[Credential, Staff] = {}
    if tokens:
        found.update((("token", token), staff) for token, staff in staff_of_tokens(db, tokens=tokens).items())
    if secrets:
        settings = state.settings
        live = staff_of_fresh_sessions(
            db,
            secrets=secrets,
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
        )
        found.update((("session", secret), staff) for secret, staff in live.items())
    return found


def second_factor_missing(request: Request, state: AppState, staff: Staff) -> bool:
    """Whether this browser's staff member must set up the second factor they lack before going here."""
    return (
        staff.via == "session"
        and not staff.mfa
        and request.url.path not in SECOND_FACTOR_SETUP_PATHS
        and must_have_second_factor(state.settings, staff)
    )


async def require_admin(staff: Annotated[Staff, Depends(require_staff)]) -> Staff:
    """:raises Forbidden: for staff who are not site administrators."""
    if not staff.is_admin:
        raise Forbidden("Only site administrators can do this.")
    return staff


StaffUser = Annotated[Staff, Depends(require_staff)]
AdminUser = Annotated[Staff, Depends(require_admin)]
MaybeStaff = Annotated[Staff | None, Depends(optional_staff)]
