"""The second factor (pages): setting it up at /account/security, and giving a code when signing in at
/login/second-factor (after the password, while the signed five-minute cookie says whose it is)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.errors import Invalid, TooManyRequests
from app.identity import Staff
from app.routes.pages.auth import safe_next
from app.routes.pages.room_screen import qr_svg
from app.services import second_factor
from app.web.auth import SECOND_FACTOR_COOKIE, StaffUser, pending_second_factor, set_session_cookie
from app.web.pages import PageRoute, path_for, redirect_to, render_page
from app.web.state import AppState, State

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Code = Annotated[str, Form(max_length=40)]


@dataclass(frozen=True)
class SecurityPage:
    enabled: bool
    required: bool  # RAINBOW_REQUIRE_MFA_FOR asks this person for one
    codes_left: int
    secret: str | None  # while setting up: to type into an app by hand
    qr: str | None  # ... or to scan: an inline SVG of the otpauth:// address
    recovery_codes: list[str]  # just after setting up: shown this once
    error: str | None


@dataclass(frozen=True)
class CodePage:
    next: str
    error: str | None


def _security_page(
    request: Request,
    state: AppState,
    staff: Staff,
    *,
    codes: list[str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    status_now = second_factor.status_of(state.runtime, user_id=staff.user_id)
    enrolment = None if status_now.enabled else second_factor.start_enrolment(state.runtime, staff=staff)
    page = SecurityPage(
        enabled=status_now.enabled,
        required=second_factor.must_have_second_factor(state.settings, staff),
        codes_left=status_now.codes_left,
        secret=enrolment.secret if enrolment else None,
        qr=qr_svg(enrolment.uri) if enrolment else None,
        recovery_codes=codes or [],
        error=error,
    )
    response = render_page(request, "account/security.html", page, status=status)
    response.headers["Cache-Control"] = "no-store"  # a secret, or recovery codes, are on it
    return response


@router.get("/account/security", response_class=HTMLResponse, name="security.security_page")
def security_page(request: Request, staff: StaffUser, state: State) -> Response:
    """Signed-in staff: their second factor; until it is set up, the QR code to scan and a form for a code."""
    return _security_page(request, state, staff)


@router.post("/account/security", response_class=HTMLResponse, name="security.confirm")
def confirm(request: Request, staff: StaffUser, state: State, code: Code = "") -> Response:
    """Signed-in staff: put the second factor in use with a code from the app; shows recovery codes once."""
    try:
        codes = second_factor.confirm_enrolment(state.runtime, staff=staff, code=code)
    except Invalid as error:
        return _security_page(request, state, staff, error=error.message, status=422)
    except TooManyRequests as error:
        response = _security_page(request, state, staff, error=error.detail, status=429)
        response.headers.update(error.headers)
        return response
    return _security_page(request, state, staff, codes=codes)


@router.get("/login/second-factor", response_class=HTMLResponse, name="security.code_form")
def code_form(request: Request, state: State, next: str | None = None) -> Response:
    """Anyone whose password was just right: the form for the code from their app (else back to /login)."""
    if pending_second_factor(state.secret_key, request.cookies.get(SECOND_FACTOR_COOKIE)) is None:
        return redirect_to(request, "auth.login_form")
    return render_page(request, "account/second_factor.html", CodePage(next=_next(request, next), error=None))


@router.post("/login/second-factor", response_class=HTMLResponse, name="security.sign_in_with_code")
def sign_in_with_code(
    request: Request, state: State, code: Code = "", next: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    """Anyone whose password was just right: a code from their app, or a recovery code, signs them in."""
    user_id = pending_second_factor(state.secret_key, request.cookies.get(SECOND_FACTOR_COOKIE))
    if user_id is None:
        return redirect_to(request, "auth.login_form")
    try:
        secret = second_factor.sign_in_with_code(state.runtime, user_id=user_id, code=code)
    except (Invalid, TooManyRequests) as error:
        message = error.message if isinstance(error, Invalid) else error.detail
        status = 401 if isinstance(error, Invalid) else 429
        response = render_page(
            request,
            "account/second_factor.html",
            CodePage(next=_next(request, next), error=message),
            status=status,
        )
        response.headers.update(error.headers)
        return response
    response = RedirectResponse(_next(request, next), status_code=303)
    set_session_cookie(response, request, state.secret_key, secret)
    response.delete_cookie(SECOND_FACTOR_COOKIE, path="/login", httponly=True, samesite="lax")
    return response


def _next(request: Request, target: str | None) -> str:
    return safe_next(target, default=path_for(request, "trust.my_trusts"))
