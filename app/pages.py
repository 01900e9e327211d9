"""Helpers shared by the page routes: rendering a template, and turning validation errors into messages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> Response:
    """Render a page; `staff` (the signed-in user, or None) is added by the templates' context processor."""
    templates = request.app.state.rainbow.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


def field_errors(error: ValidationError) -> dict[str, str]:
    """The first problem with each field, in words for the person who filled in the form."""
    found: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        field = str(detail["loc"][0]) if detail["loc"] else "form"
        found.setdefault(field, str(detail["msg"]).removeprefix("Value error, "))
    return found
