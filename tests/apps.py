"""Apps for tests, sharing the parsed framework and questionnaires.

Parsing the shipped framework and its questionnaires is most of what building an app costs, and the suite
builds thousands of apps. `build_app` hands each the same parsed ones (immutable models) when its settings
name the shipped files; an app whose settings name other files reads them itself, as `create_app` always does.
"""

from __future__ import annotations

import functools

from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from framework.model import DEFAULT_FRAMEWORK_FILE, Framework, load_framework
from surveys import DEFAULT_SURVEYS_DIR, SurveyBook, load_surveys


@functools.cache
def shipped_catalogue() -> tuple[Framework, SurveyBook]:
    """The shipped framework and questionnaires, parsed once per test process."""
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    return framework, load_surveys(DEFAULT_SURVEYS_DIR, framework)


def uses_shipped_catalogue(settings: Settings) -> bool:
    return (
        settings.framework_file.resolve() == DEFAULT_FRAMEWORK_FILE.resolve()
        and settings.surveys_dir.resolve() == DEFAULT_SURVEYS_DIR.resolve()
    )


def build_app(settings: Settings | None = None) -> FastAPI:
    """`create_app(settings)`, with the shared parsed framework and questionnaires when `settings` (read from
    the environment when not given) name the shipped ones."""
    settings = settings or Settings()
    if not uses_shipped_catalogue(settings):
        return create_app(settings)
    framework, surveys = shipped_catalogue()
    return create_app(settings, framework=framework, surveys=surveys)
