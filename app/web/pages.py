"""Helpers shared by the page routes: rendering a page from its typed context, paths from route names, and
showing a form again with what is wrong with it.

Each page declares what its template needs as a frozen dataclass (its *page context*, as datasette does): the
fields are the template's names, so a template can only use what the route chose to give it, and a test can
check that a page got what it documents.

Links are built from route names, never written out: templates call ``url_for(name, **params)`` (see
`app.web.templating`), routes `path_for` and `redirect_to`. Page routes are named ``<area>.<handler>``, e.g.
``facilitate.room_page``, so that they never clash with the API's.

A page's form is read into its API model by FastAPI (``Annotated[Model, Form()]``). When the model refuses
it, FastAPI would answer with its generic 422; a handler marked `shows_form_again` instead has its page shown
again, with the error summary and what the person typed. Page routers use `PageRoute` for this.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.errors import Invalid, NotAuthenticated
from app.identity import Staff
from app.web.state import AppState

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

HX_REQUEST = "HX-Request"


def app_state(request: Request) -> AppState:
    """The application's state, for code that is not a route (routes take `app.web.state.State`)."""
    state: AppState = request.app.state.rainbow
    return state


def signed_in(request: Request) -> Staff:
    """The staff member the route's own dependencies signed in (`app.web.auth.optional_staff` keeps them).

    :raises NotAuthenticated: when the route signed no one in.
    """
    staff: Staff | None = getattr(request.state, "staff", None)
    if staff is None:
        raise NotAuthenticated("Please sign in.")
    return staff


def path_id(request: Request, name: str) -> int:
    """The id `name` in the request's path, for code that is not a route (a route takes it as a parameter)."""
    return int(request.path_params[name])


def is_htmx(request: Request) -> bool:
    return request.headers.get(HX_REQUEST) == "true"


def render_page(
    request: Request,
    name: str,
    page: DataclassInstance,
    *,
    status: int = 200,
    htmx_block: str | None = None,
) -> Response:
    """Render template `name` with the fields of `page` (a dataclass) as its variables.

    With `htmx_block`, an htmx request gets only that block of the template, and every answer from the
    route says that it varies with the ``HX-Request`` header. `staff` (the signed-in user, or None) is added
    by the templates' context processor.
    """
    context = {field.name: getattr(page, field.name) for field in dataclasses.fields(page)}
    block = htmx_block if htmx_block is not None and is_htmx(request) else None
    response: Response = app_state(request).templates.TemplateResponse(
        request, name, context, status_code=status, block_name=block
    )
    if htmx_block is not None:
        response.headers["Vary"] = HX_REQUEST
    return response


def path_for(
    request: Request,
    name: str,
    /,
    *,
    query: Mapping[str, str | int] | None = None,
    fragment: str = "",
    **params: str | int,
) -> str:
    """The path of route `name` with its path `params`, then ``?query`` and ``#fragment`` when given."""
    path = str(request.app.url_path_for(name, **params))
    if query:
        path = f"{path}?{urlencode(query)}"
    return f"{path}#{fragment}" if fragment else path


def redirect_to(
    request: Request,
    name: str,
    /,
    *,
    query: Mapping[str, str | int] | None = None,
    fragment: str = "",
    **params: str | int,
) -> RedirectResponse:
    """303 See Other to route `name` (after a form: the browser then GETs it, and a reload posts nothing)."""
    return RedirectResponse(
        path_for(request, name, query=query, fragment=fragment, **params), status_code=303
    )


# --- errors as sentences ------------------------------------------------------------------------------------

Problems = ValidationError | RequestValidationError | Sequence[Mapping[str, Any]]


def field_errors(
    error: Problems,
    nouns: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The first problem with each field, as a sentence naming the field.

    `nouns` names each field as the sentence should ("the name of the round"), so that the message makes
    sense on its own in the error summary at the top of the form; `formats` says, for a field with a
    pattern, what the pattern asks for ("must look like name@example.org"); `messages` gives the one
    sentence to show whatever is wrong with a field ("Choose at least one arc"), for a choice the form
    offers, which can only be missing or tampered with.
    """
    problems = error.errors() if isinstance(error, ValidationError | RequestValidationError) else error
    found: dict[str, str] = {}
    for detail in problems:
        location = [part for part in detail["loc"] if part != "body"]
        field = str(location[0]) if location else next(iter(nouns), "form")
        if field in found:
            continue
        if messages and field in messages:
            found[field] = messages[field]
            continue
        noun = nouns.get(field, field.replace("_", " "))
        found[field] = _sentence(detail, noun, (formats or {}).get(field))
    return found


def _sentence(detail: Mapping[str, Any], noun: str, format_rule: str | None) -> str:
    kind = detail["type"]
    context = detail.get("ctx") or {}
    subject = noun[0].upper() + noun[1:]
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        return f"Enter {noun}."
    if kind == "string_too_short":
        return f"{subject} must be at least {context['min_length']} characters long."
    if kind == "string_too_long":
        return f"{subject} must be at most {context['max_length']} characters long."
    if kind in ("string_pattern_mismatch", "string_unicode"):
        return f"{subject} {format_rule or 'must not contain hidden or control characters'}."
    if kind.startswith("date"):
        return f"{subject} must be a date, such as 2010-04-01."
    message = str(detail["msg"]).removeprefix("Value error, ")
    return f"{subject} {message}."


def refused_fields(error: Invalid, prefix: str = "") -> dict[str, str]:
    """A store's refusal as the form's errors, by field (`prefix` before each name): a problem with
    ``arcs[1]`` is shown at ``arcs``."""
    return {prefix + field.split("[")[0]: message for field, message in error.problems}


# --- showing a form again -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class InvalidForm:
    """A posted form that its model refused: what was sent (to show it again) and what is wrong with it."""

    data: FormData
    problems: tuple[Mapping[str, Any], ...]

    def text(self, name: str) -> str:
        """The text sent in field `name`, as sent ("" when absent or a file)."""
        value = self.data.get(name)
        return value if isinstance(value, str) else ""

    def texts(self, name: str) -> list[str]:
        """Every non-empty value sent in field `name` (ticked boxes, say)."""
        return [value for value in self.data.getlist(name) if isinstance(value, str) and value]

    def errors(
        self,
        nouns: Mapping[str, str],
        formats: Mapping[str, str] | None = None,
        messages: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The error summary's sentences, by field (see `field_errors`)."""
        return field_errors(self.problems, nouns, formats, messages)


ShowAgain = Callable[[Request, InvalidForm], Response]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_SHOW_AGAIN = "__show_form_again__"


def shows_form_again(show: ShowAgain) -> Callable[[Endpoint], Endpoint]:
    """Mark a page's POST handler: when its form does not validate, ``show(request, invalid)`` answers,
    showing the page again with the errors and what was typed (with status 422, which `show` sets).

    `show` runs after the route's dependencies (signing in, permissions) and before the handler; it reads
    the path's ids from ``request.path_params`` and the staff member from `signed_in`.
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _SHOW_AGAIN, show)
        return endpoint

    return mark


class PageRoute(APIRoute):
    """The route class of page routers: a form that its model refuses shows its page again (see
    `shows_form_again`) instead of FastAPI's generic 422. Problems outside the form (a bad id in the path,
    a bad query) still answer as errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        show: ShowAgain | None = getattr(self.endpoint, _SHOW_AGAIN, None)
        if show is None:
            return handler

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                problems = tuple(error.errors())
                if not problems or any(tuple(p["loc"][:1]) != ("body",) for p in problems):
                    raise
                invalid = InvalidForm(await request.form(), problems)
                return await run_in_threadpool(show, request, invalid)

        return handle
