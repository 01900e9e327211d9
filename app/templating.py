"""The Jinja2 environment for pages: autoescaped, with the framework available to every template."""

from __future__ import annotations

from jinja2_fragments.fastapi import Jinja2Blocks

from app.config import PROJECT_ROOT
from framework.model import Framework

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


def create_templates(framework: Framework) -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=TEMPLATES_DIR)
    templates.env.globals["framework"] = framework
    # Undefined names in a template are a bug to find in tests, not an empty string shown to a user.
    templates.env.undefined = __import__("jinja2").StrictUndefined
    return templates
