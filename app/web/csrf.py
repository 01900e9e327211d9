"""Cross-site request forgery protection: a signed double-submit token, bound to the staff session.

Every browser gets a random ``rainbow_csrf`` cookie. Pages put a token in each form (field ``csrf_token``)
and in htmx's headers (``X-CSRF-Token``): an HMAC of that cookie and of the staff session, if any, so signing
in or out changes it. `csrf_protect` runs before every route: an unsafe request (POST, PUT, PATCH, DELETE)
that carries our cookies or is a form post must carry the right token, or it is refused with 403. A request
with an ``Authorization`` header and no form is exempt: another site cannot make a browser send that header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Forbidden
from app.identity import secret_hash
from app.web.auth import PARTICIPANT_COOKIE, SESSION_COOKIE, bearer_token, session_secret_from_cookie
from app.web.state import AppState, State

CSRF_COOKIE = "rainbow_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def expected_token(key: bytes, csrf_cookie: str, session_cookie: str | None) -> str:
    session_secret = session_secret_from_cookie(key, session_cookie)
    binding = secret_hash(session_secret) if session_secret else "anonymous"
    return hmac.new(key, f"{csrf_cookie}|{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this request's pages must send back (used by templates)."""
    state: AppState = request.app.state.rainbow
    return expected_token(state.secret_key, browser_csrf_cookie(request), request.cookies.get(SESSION_COOKIE))


def browser_csrf_cookie(request: Request) -> str:
    """The browser's CSRF cookie, or the one `CsrfCookieMiddleware` is about to give it.

    Paths the middleware leaves alone (static files, the API, the health check) give no cookie; a page drawn
    there (an error page for a missing file) gets a token for a fresh value that no browser holds, so a form
    on it is refused until the browser has loaded a real page.
    """
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie:
        return cookie
    state = request.scope.setdefault("state", {})
    return str(state.setdefault("new_csrf_cookie", secrets.token_urlsafe(32)))


async def csrf_protect(request: Request, state: State) -> None:
    """:raises Forbidden: for an unsafe request whose CSRF token is missing or wrong."""
    if request.method in SAFE_METHODS:
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_form = content_type in _FORM_TYPES
    carries_cookies = any(name in request.cookies for name in _AMBIENT_COOKIES)
    if not is_form and (bearer_token(request) is not None or not carries_cookies):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and is_form and content_type != "text/plain":
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not sent or not cookie:
        raise Forbidden(
            "This form has expired or did not come from this site (no CSRF token). Reload and try again."
        )
    expected = expected_token(state.secret_key, cookie, request.cookies.get(SESSION_COOKIE))
    if not hmac.compare_digest(sent, expected):
        raise Forbidden(
            "This form has expired or did not come from this site (wrong CSRF token). Reload and try again."
        )


# Cookies a browser sends by itself, so a request carrying one may have been forged by another site.
_AMBIENT_COOKIES = frozenset({SESSION_COOKIE, CSRF_COOKIE, PARTICIPANT_COOKIE})


def join_origin(request: Request) -> dict[str, str]:
    """Where a join comes from, as the join-code throttle counts it: the network address and the browser's own
    random cookie (the CSRF cookie, which every page sets), "-" for a client without one."""
    return {
        "network": request.client.host if request.client else "unknown",
        "device": request.cookies.get(CSRF_COOKIE, "-"),
    }


class CsrfCookieMiddleware:
    """Gives every browser without one a random CSRF cookie, readable by the request that sets it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Pages need the cookie; the API's clients are scripts or pages that already have it.
        path = scope["path"] if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(("/static/", "/api/")) or path == "/healthz":
            await self.app(scope, receive, send)
            return
        cookies = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookies.load(value.decode("latin-1"))
        if CSRF_COOKIE in cookies:
            await self.app(scope, receive, send)
            return
        new_value = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["new_csrf_cookie"] = new_value
        secure = "; Secure" if scope.get("scheme") == "https" else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{CSRF_COOKIE}={new_value}; Path=/; HttpOnly; SameSite=Lax{secure}"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
