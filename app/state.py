"""What the running service holds: settings, the database engine, the framework and questionnaires, templates.

Built once by `create_app` and kept on ``app.state.rainbow``; routes reach it through the `get_state`
dependency, so nothing lives in module globals and tests can build as many apps as they like.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy import Engine

from app.config import Settings
from framework.model import Framework
from surveys import SurveyBook


@dataclass(frozen=True)
class AppState:
    settings: Settings
    secret_key: bytes
    engine: Engine
    framework: Framework
    surveys: SurveyBook
    templates: Jinja2Blocks


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.rainbow
    return state
