"""Signing in and out (pages): /login and /logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.choices import Role
from app.errors import TooManyRequests
from app.identity import Staff
from app.services import sign_in
from app.services.sign_in import FAILED_MESSAGE, LoginFailed, SecondFactorNeeded, sign_out
from app.store.staff_sessions import staff_from_session
from app.web.auth import (
    SECOND_FACTOR_COOKIE,
    SECOND_FACTOR_SECONDS,
    SESSION_COOKIE,
    MaybeStaff,
    StaffUser,
    second_factor_signer,
    session_secret_from_cookie,
    set_session_cookie,
)
from app.web.pages import PageRoute, path_for, redirect_to, render_page
from app.web.state import State

router = APIRouter(include_in_schema=False, route_class=PageRoute)
#: Marks a browser that has signed in to an account before (see `app.services.sign_in`); sent only to /login.
DEVICE_COOKIE = "rainbow_device"
DEVICE_COOKIE_DAYS = 365


@dataclass(frozen=True)
class LoginPage:
    next: str  # where to go once signed in
    email: str
    message: str | None  # why signing in failed
    signed_out: bool
    password_set: bool  # just after choosing a password from an emailed link
    sso_label: str | None = None  # "Sign in with …", when single sign-on is set up


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our sign-in page."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


@router.get("/login", response_class=HTMLResponse, name="auth.login_form")
def login_form(request: Request, staff: MaybeStaff, next: str | None = None) -> Response:
    """Anyone: the sign-in form (signed-in staff go straight on)."""
    if staff is not None:
        return RedirectResponse(_next(request, next, staff), status_code=303)
    return _form(request, next=_next(request, next), email="", message=None, status=200)


@router.post("/login", response_class=HTMLResponse, name="auth.login")
async def login(
    request: Request,
    state: State,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Anyone: check the email and password; on success set the session cookie and go on.

    A throttled known browser waits here, without holding a thread, before its password is checked.
    """
    client = request.client.host if request.client else "unknown"
    device = request.cookies.get(DEVICE_COOKIE)
    try:
        attempt = await run_in_threadpool(
            sign_in.begin, state.runtime, email=email, client=client, device_cookie=device
        )
        if attempt.delay:
            await anyio.sleep(attempt.delay)
        signed_in = await run_in_threadpool(sign_in.finish, state.runtime, attempt, password=password)
    except LoginFailed:
        return _form(request, next=_next(request, next), email=email, message=FAILED_MESSAGE, status=401)
    except TooManyRequests as error:
        response = _form(request, next=_next(request, next), email=email, message=error.detail, status=429)
        response.headers.update(error.headers)
        return response
    except SecondFactorNeeded as needed:
        target = _next(request, next) or path_for(request, "trust.my_trusts")
        return ask_for_second_factor(request, state.secret_key, needed.user_id, next=target)
    staff = staff_from_session(
        state.engine,
        secret=signed_in.session_secret,
        idle=timedelta(minutes=state.settings.session_idle_minutes),
        lifetime=timedelta(hours=state.settings.session_max_hours),
    )
    response = RedirectResponse(
        _next(request, next, staff) or path_for(request, "trust.my_trusts"), status_code=303
    )
    set_session_cookie(response, request, state.secret_key, signed_in.session_secret)
    response.set_cookie(
        DEVICE_COOKIE,
        signed_in.device_cookie,
        max_age=DEVICE_COOKIE_DAYS * 86_400,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.post("/logout", name="auth.logout")
def logout(request: Request, staff: StaffUser, state: State) -> Response:
    """Signed-in staff: end this session."""
    secret = session_secret_from_cookie(state.secret_key, request.cookies.get(SESSION_COOKIE))
    if secret:
        sign_out(state.runtime, secret=secret, user_id=staff.user_id, email=staff.email)
        state.room_watch.forget(("session", secret))  # its room polls stop now, not at the watch's next read
    response = redirect_to(request, "auth.login_form", query={"signed_out": 1})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def ask_for_second_factor(request: Request, key: bytes, user_id: int, *, next: str) -> Response:
    """After a right password (or single sign-on), on to the code: a signed five-minute cookie says whose."""
    response = redirect_to(request, "security.code_form", query={"next": next})
    response.set_cookie(
        SECOND_FACTOR_COOKIE,
        second_factor_signer(key).sign(str(user_id)).decode(),
        max_age=SECOND_FACTOR_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


def _sso_label(request: Request) -> str | None:
    settings = request.app.state.rainbow.settings
    return str(settings.oidc_label) if settings.oidc_configured else None


def _next(request: Request, target: str | None, staff: Staff | None = None) -> str:
    """Where to go once signed in: the page asked for, or the staff member's own start (the form carries ""
    for that, as who is signing in is known only afterwards)."""
    return safe_next(target, default=_landing(request, staff) if staff is not None else "")


def _landing(request: Request, staff: Staff) -> str:
    """A facilitator (and no lead or administrator) starts on Focus groups; everyone else on their trusts."""
    if not staff.is_admin and staff.roles and set(staff.roles.values()) == {Role.FACILITATOR}:
        return path_for(request, "facilitate.sessions_page")
    return path_for(request, "trust.my_trusts")


def _form(request: Request, *, next: str, email: str, message: str | None, status: int) -> Response:
    page = LoginPage(
        next=next,
        email=email,
        message=message,
        signed_out=request.query_params.get("signed_out") == "1",
        password_set=request.query_params.get("password_set") == "1",
        sso_label=_sso_label(request),
    )
    return render_page(request, "auth/login.html", page, status=status)
