"""One place that turns every error into a response: JSON ``{"detail": …}`` for the API, a page for people.

Unexpected exceptions are logged with a short reference id, and the client gets only that id: never a
traceback, never the exception's text. A database that does not answer (unreachable, its connection cut, its
file gone, locked beyond the busy timeout, no connection free in the pool) is 503 with a plain message and
``Retry-After``: it passes, and the next request tries again on a fresh connection.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.errors import AppError, Invalid, NotAuthenticated, SecondFactorRequired

log = logging.getLogger("rainbow.errors")

DATABASE_UNAVAILABLE = "The database is not answering; try again in a minute."
DATABASE_RETRY_AFTER_S = 60

_TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this",
    404: "Page not found",
    405: "That action is not allowed here",
    410: "That link no longer works",
    413: "That is too large to send",
    422: "Some of what was sent is not valid",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "The service is not available just now",
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def wants_json(request: Request) -> bool:
    """API paths and clients that prefer JSON get JSON errors; browsers get pages."""
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request,
    status: int,
    detail: str | list[dict[str, str]],
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    message = (
        detail if isinstance(detail, str) else "; ".join(f"{e['field']}: {e['message']}" for e in detail)
    )
    templates = request.app.state.rainbow.templates
    # An htmx request swaps the answer into part of a page: it gets the message alone.
    fragment = request.headers.get("HX-Request") == "true"
    return templates.TemplateResponse(
        request,
        "error_fragment.html" if fragment else "error.html",
        {"status": status, "title": _TITLES.get(status, "Something went wrong"), "message": message},
        status_code=status,
        headers={**(headers or {}), "Vary": "HX-Request"},
    )


async def _app_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    if isinstance(error, NotAuthenticated) and not wants_json(request):
        login = f"/login?next={quote(request.url.path)}"
        if request.headers.get("HX-Request") == "true":  # the whole page goes, not a login form in a part
            return Response(status_code=401, headers={"HX-Redirect": login, "Vary": "HX-Request"})
        return RedirectResponse(login, status_code=303)
    if isinstance(error, SecondFactorRequired) and not wants_json(request):
        return RedirectResponse("/account/security?required=1", status_code=303)
    if isinstance(error, Invalid):
        return error_response(request, 422, [{"field": f, "message": m} for f, m in error.problems])
    return error_response(request, error.status, error.detail, headers=error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code, "Error")
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 404 and detail == "Not Found":
        detail = f"There is nothing at {request.url.path}."
    if error.status_code == 405:
        # Starlette answers for the first route that matched the path; the path may have more methods.
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(sorted(allowed))
        detail = f"{request.method} is not allowed here; try {' or '.join(sorted(allowed))}."
    return error_response(request, error.status_code, detail, headers=headers)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route answers at this request's path."""
    allowed: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context, "path_regex", None)
        if context.methods and regex is not None and regex.match(request.url.path):
            allowed |= context.methods
    return allowed


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": ".".join(str(part) for part in e["loc"]), "message": _api_message(e)}
        for e in error.errors()
    ]
    return error_response(request, 422, problems)


def _api_message(problem: dict[str, object]) -> str:
    if problem["type"] == "string_pattern_mismatch":
        return "has characters or a form that is not allowed (the API schema gives the pattern)"
    return str(problem["msg"]).removeprefix("Value error, ")


def database_unavailable(error: Exception) -> bool:
    """Whether `error` says the database did not answer, rather than that a statement was wrong.

    OperationalError is the DB-API's class for the database's own trouble (connection refused or lost, a
    server shutting down, SQLite's "unable to open database file" and "database is locked"); any error that
    made SQLAlchemy drop its connection counts too.
    """
    if isinstance(error, PoolTimeoutError | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def _database_error(request: Request, error: Exception) -> Response:
    if not database_unavailable(error):
        return await _unexpected_error(request, error)  # an IntegrityError and the like is our bug: 500
    reference = secrets.token_hex(4)
    log.warning("database not answering, reference %s", reference, exc_info=error)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S), "X-Error-Reference": reference}
    return error_response(request, 503, DATABASE_UNAVAILABLE, headers=headers)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    reference = secrets.token_hex(4)
    log.error("unexpected error, reference %s", reference, exc_info=error)
    detail = f"Something went wrong on our side. If it keeps happening, quote reference {reference}."
    return error_response(request, 500, detail, headers={"X-Error-Reference": reference})
