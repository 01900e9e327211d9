"""The Jinja2 environment for pages: autoescaped, with the framework available to every template, and
``url_for`` giving the path of a route by its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import StrictUndefined, pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks

from app.choices import ACTION_STATUS_LABELS, SUPPORT_KIND_LABELS
from app.formatting import figure, signed
from app.web.csrf import CSRF_FIELD, csrf_token
from framework.figures import change_between, change_text
from framework.model import Framework

# Package data: found beside the code, so an installed wheel serves its pages as a source tree does.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def staff_context(request: Request) -> dict[str, Any]:
    """Every page knows who is signed in, once a route has worked it out (see app.auth.optional_staff)."""
    return {"staff": getattr(request.state, "staff", None)}


@pass_context
def url_for(context: Context, name: str, /, **params: Any) -> str:
    """The path of route `name` (``url_for('facilitate.room_page', session_id=3)``), or of a static file
    (``url_for('static', path='css/rainbow.css')``).

    A path, not the absolute URL that Starlette's own ``url_for`` gives: links stay on the scheme and host
    the browser used, whatever a proxy in front says.
    """
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


def change(current: float | None, baseline: float | None) -> str:
    """The change from `baseline` to `current` as the charts write it (``+0.25``, a real minus, or "no
    change"), from the two printed figures; an empty string when either is missing."""
    if current is None or baseline is None:
        return ""
    return change_text(change_between(current, baseline))


def create_templates(framework: Framework) -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=TEMPLATES_DIR, context_processors=[staff_context])
    templates.env.globals["url_for"] = url_for  # in place of Starlette's, which gives absolute URLs
    templates.env.globals["framework"] = framework
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
    templates.env.globals["statuses"] = ACTION_STATUS_LABELS
    templates.env.globals["support_kinds"] = SUPPORT_KIND_LABELS
    templates.env.filters["figure"] = figure
    templates.env.filters["signed"] = signed
    templates.env.filters["change"] = change
    # Undefined names in a template are a bug to find in tests, not an empty string shown to a user.
    templates.env.undefined = StrictUndefined
    return templates
