"""Single sign-on (pages): /login/oidc leaves for the OpenID provider, /login/oidc/callback comes back.

Between the two, the browser keeps the state, nonce and PKCE verifier in a signed cookie that lasts ten
minutes and is used once (`app.services.oidc`).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.routes.pages.auth import LoginPage, ask_for_second_factor, safe_next
from app.services import oidc
from app.services.sign_in import SecondFactorNeeded
from app.web.auth import set_session_cookie
from app.web.pages import PageRoute, path_for, render_page
from app.web.state import AppState, State

router = APIRouter(include_in_schema=False, route_class=PageRoute)
OIDC_COOKIE = "rainbow_oidc"
OIDC_COOKIE_SECONDS = 600


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="rainbow.oidc")


def _callback_address(request: Request, state: AppState) -> str:
    base = (state.settings.public_url or str(request.base_url)).rstrip("/")
    return base + str(request.app.url_path_for("oidc.callback"))


def _refused(request: Request, message: str, *, next: str, status: int) -> Response:
    label = state_label(request)
    page = LoginPage(
        next=next, email="", message=message, signed_out=False, password_set=False, sso_label=label
    )
    response = render_page(request, "auth/login.html", page, status=status)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc", httponly=True, samesite="lax")
    return response


@router.get("/login/oidc", name="oidc.start")
def start(request: Request, state: State, next: str | None = None) -> Response:
    """Anyone: go to the organisation's sign-in page (an explained refusal when single sign-on is not set
    up or its provider cannot be reached)."""
    target = safe_next(next, default=path_for(request, "trust.my_trusts"))
    try:
        url, pending = oidc.start(state.settings, redirect_uri=_callback_address(request, state), next=target)
    except oidc.SignOnFailed as error:
        return _refused(request, error.message, next=target, status=503)
    response = RedirectResponse(url, status_code=303)
    cookie = _serializer(state.secret_key).dumps(json.dumps(pending.__dict__))
    response.set_cookie(
        OIDC_COOKIE,
        cookie,
        max_age=OIDC_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login/oidc",
    )
    return response


@router.get("/login/oidc/callback", response_class=HTMLResponse, name="oidc.callback")
def callback(request: Request, state: State) -> Response:
    """Anyone coming back from the provider: signed in when the answer verifies and names an invited
    account; otherwise the sign-in page says why, and nothing changes."""
    pending = _pending(state, request.cookies.get(OIDC_COOKIE))
    target = pending.next if pending else path_for(request, "trust.my_trusts")
    params = {key: value[:2000] for key, value in request.query_params.items()}
    try:
        secret = oidc.finish(
            state.runtime, pending=pending, params=params, redirect_uri=_callback_address(request, state)
        )
    except oidc.SignOnFailed as error:
        return _refused(request, error.message, next=target, status=401)
    except SecondFactorNeeded as needed:
        response = ask_for_second_factor(request, state.secret_key, needed.user_id, next=target)
        response.delete_cookie(OIDC_COOKIE, path="/login/oidc", httponly=True, samesite="lax")
        return response
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, state.secret_key, secret)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc", httponly=True, samesite="lax")
    return response


def state_label(request: Request) -> str | None:
    settings = request.app.state.rainbow.settings
    return str(settings.oidc_label) if settings.oidc_configured else None


def _pending(state: AppState, cookie: str | None) -> oidc.Pending | None:
    if not cookie:
        return None
    try:
        fields = json.loads(_serializer(state.secret_key).loads(cookie, max_age=OIDC_COOKIE_SECONDS))
        return oidc.Pending(**fields)
    except (BadSignature, ValueError, TypeError):
        return None
