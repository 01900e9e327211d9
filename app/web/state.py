"""What the running service holds: settings, the database engine, the framework and questionnaires, templates,
the writer of participants' answers, the mailer, the cache of drawn charts and that of polled fragments, and
the watch of the rooms being polled.

Built once by `create_app` and kept on ``app.state.rainbow``; routes reach it through the `get_state`
dependency, so nothing lives in module globals and tests can build as many apps as they like.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy import Engine

from app.config import Settings
from app.services.chart_cache import ChartCache
from app.services.mail import Mailer
from app.services.reports import ReportContext, Thresholds
from app.services.runtime import Runtime
from app.web.fragments import FragmentCache
from app.web.room_watch import RoomWatch
from framework.model import Framework
from surveys import SurveyBook

if TYPE_CHECKING:
    from app.services.submissions import SubmissionWriter


@dataclass(frozen=True)
class AppState:
    settings: Settings
    secret_key: bytes
    engine: Engine
    framework: Framework
    surveys: SurveyBook
    templates: Jinja2Blocks
    submissions: SubmissionWriter
    mailer: Mailer
    charts: ChartCache = field(default_factory=ChartCache)
    fragments: FragmentCache = field(default_factory=FragmentCache)  # polled fragments (app.web.fragments)
    loop_reader: Engine | None = None  # reads on the event loop (app.db.engine.create_loop_reader)
    room_watch: RoomWatch = field(default_factory=lambda: RoomWatch(every=0))  # app.web.room_watch

    @cached_property
    def runtime(self) -> Runtime:
        """What the services need of the installation."""
        return Runtime(self.settings, self.secret_key, self.engine)

    @cached_property
    def report_context(self) -> ReportContext:
        """What every report of a round needs besides the database."""
        return ReportContext(self.framework, self.surveys, Thresholds.of(self.settings))

    @cached_property
    def framework_digest(self) -> str:
        """A digest of the framework in use: part of every chart's cache key, as its titles are drawn."""
        return hashlib.sha256(self.framework.model_dump_json().encode()).hexdigest()[:16]


async def get_state(request: Request) -> AppState:
    """The application's state. Async, though it awaits nothing: FastAPI runs a plain ``def`` dependency in
    the thread pool, a hop that costs more than the lookup on every request."""
    state: AppState = request.app.state.rainbow
    return state


#: A route's parameter taking the application's state.
State = Annotated[AppState, Depends(get_state)]
