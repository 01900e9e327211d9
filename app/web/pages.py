"""Helpers shared by the page routes: rendering a page from its typed context, and turning validation errors
into sentences.

Each page declares what its template needs as a frozen dataclass (its *page context*, as datasette does): the
fields are the template's names, so a template can only use what the route chose to give it, and a test can
check that a page got what it documents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError


class PageContext(Protocol):
    """Any dataclass instance: its fields become the template's variables."""

    __dataclass_fields__: dict[str, Any]


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> Response:
    """Render a page; `staff` (the signed-in user, or None) is added by the templates' context processor."""
    templates = request.app.state.rainbow.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


def render_page(request: Request, name: str, page: PageContext, *, status: int = 200) -> Response:
    """Render template `name` with the fields of `page` (a dataclass) as its variables."""
    context = {field.name: getattr(page, field.name) for field in dataclasses.fields(page)}  # type: ignore[arg-type]
    return render(request, name, status=status, **context)


def field_errors(
    error: ValidationError, nouns: Mapping[str, str], formats: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The first problem with each field, as a sentence naming the field.

    `nouns` names each field as the sentence should ("the name of the round"), so that the message makes
    sense on its own in the error summary at the top of the form; `formats` says, for a field with a
    pattern, what the pattern asks for ("must look like name@example.org").
    """
    found: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        field = str(detail["loc"][0]) if detail["loc"] else next(iter(nouns))
        noun = nouns.get(field, field.replace("_", " "))
        found.setdefault(field, _sentence(detail, noun, (formats or {}).get(field)))
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
