"""The app factory. Importing this module has no side effects: `create_app` builds everything.

Serve with ``rainbow serve`` or ``uvicorn --factory app.main:create_app``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.config import Settings
from app.db.engine import checkpoint_wal, create_db_engine, create_loop_reader, is_sqlite
from app.routes.api import catalogue, health
from app.routes.api import charts as charts_api
from app.routes.api import exports as exports_api
from app.routes.api import plans as plans_api
from app.routes.api import publication as publication_api
from app.routes.api import room as room_api
from app.routes.api import scores as scores_api
from app.routes.api import sessions as session_api
from app.routes.api import staff as staff_api
from app.routes.api import trend as trend_api
from app.routes.pages import accounts as account_pages
from app.routes.pages import admin as admin_pages
from app.routes.pages import audit as audit_pages
from app.routes.pages import auth as auth_pages
from app.routes.pages import facilitate as facilitate_pages
from app.routes.pages import invitations as invitation_pages
from app.routes.pages import offline as offline_pages
from app.routes.pages import oidc as oidc_pages
from app.routes.pages import plans as plan_pages
from app.routes.pages import publication as publication_pages
from app.routes.pages import respond as respond_pages
from app.routes.pages import results as results_pages
from app.routes.pages import security as security_pages
from app.routes.pages import theme, walkthrough
from app.routes.pages import trend as trend_pages
from app.routes.pages import trust as trust_pages
from app.routes.pages.offline import OfflineCopyMiddleware
from app.routes.pages.room_polls import RoomPollMiddleware
from app.services.mail import Mailer
from app.services.submissions import SubmissionWriter
from app.web.body_limit import IMPORT_PATH, BodyLimit, BodyLimitMiddleware
from app.web.csrf import CsrfCookieMiddleware, csrf_protect
from app.web.error_pages import install_error_handlers
from app.web.openapi import openapi_document
from app.web.room_watch import RoomWatch
from app.web.secret_key import resolve_secret_key
from app.web.security_headers import SecurityHeadersMiddleware
from app.web.state import AppState
from app.web.templating import STATIC_DIR, create_templates
from framework.model import Framework, load_framework
from surveys import SurveyBook, load_surveys

log = logging.getLogger("rainbow")

#: How often a serving process copies SQLite's write-ahead log into the database (see `checkpoint_wal`).
WAL_CHECKPOINT_SECONDS = 0.5


def create_app(
    settings: Settings | None = None, *, framework: Framework | None = None, surveys: SurveyBook | None = None
) -> FastAPI:
    """Build the service for `settings` (read from the environment when not given).

    The framework and questionnaires are read from ``settings.framework_file`` and ``settings.surveys_dir``,
    unless the caller has them already: `framework`, and `surveys` validated against it, are then used as
    they are (they are immutable, so many apps can share them; the caller answers for their matching the
    settings). `surveys` without `framework` is refused: questionnaires are only valid against a framework.

    :raises framework.problems.DataError: when the framework or a questionnaire is invalid; the service
        refuses to start rather than serve questions that do not match the framework.
    """
    settings = settings or Settings()
    if framework is None:
        if surveys is not None:
            raise ValueError("create_app: pass the framework the surveys were loaded with, or neither")
        framework = load_framework(settings.framework_file)
    if surveys is None:
        surveys = load_surveys(settings.surveys_dir, framework)
    engine, loop_reader = create_db_engine(settings), create_loop_reader(settings)
    mailer = Mailer(settings, engine)
    app = FastAPI(
        title="OCW Rainbow",
        summary="One Children's Workforce rainbow self-assessment",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN; the OpenAPI document is enough
        redoc_url=None,
        lifespan=_lifespan((engine, loop_reader), framework, surveys, mailer),
        dependencies=[Depends(csrf_protect)],
    )
    app.state.rainbow = AppState(
        settings=settings,
        secret_key=resolve_secret_key(settings),
        engine=engine,
        framework=framework,
        surveys=surveys,
        templates=create_templates(framework),
        submissions=SubmissionWriter(engine, framework, surveys),
        mailer=mailer,
        loop_reader=loop_reader,
        room_watch=RoomWatch(every=settings.room_watch_seconds),
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    limits = BodyLimit(settings.max_body_bytes, ((IMPORT_PATH, settings.max_import_bytes),))
    app.add_middleware(BodyLimitMiddleware, limits=limits)  # innermost: its 413 gets the headers below
    app.add_middleware(OfflineCopyMiddleware)
    app.add_middleware(CsrfCookieMiddleware)
    app.add_middleware(RoomPollMiddleware)  # before all the rest: polls that need no drawing
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    return app


# Requests are matched against the routes in this order, one by one: the API that rooms of tablets and
# dashboards call most comes first, the pages after.
ROUTERS = (
    health,
    session_api,
    room_api,
    charts_api,
    trend_api,
    scores_api,
    staff_api,
    catalogue,
    exports_api,
    plans_api,
    publication_api,
    walkthrough,
    theme,
    offline_pages,
    auth_pages,
    account_pages,
    security_pages,
    oidc_pages,
    trust_pages,
    invitation_pages,
    results_pages,
    trend_pages,
    publication_pages,
    admin_pages,
    audit_pages,
    respond_pages,
    facilitate_pages,
    plan_pages,
)


def _lifespan(
    engines: tuple[Engine, Engine | None], framework: Framework, surveys: SurveyBook, mailer: Mailer
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    engine, loop_reader = engines

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "framework %s: %d arcs, %d statements", framework.version, len(framework.arcs), surveys.item_count
        )
        # Everything built so far lives as long as the process: frozen, the garbage collector stops walking
        # it, where each full collection took 150 ms of held GIL under load, stalling every request at once.
        gc.freeze()
        async with anyio.create_task_group() as background:
            if is_sqlite(engine):
                background.start_soon(_checkpoint_every, engine, WAL_CHECKPOINT_SECONDS)
            yield
            background.cancel_scope.cancel()
        gc.unfreeze()  # the app is done: what it held may go (a test runner starts many apps in one process)
        await anyio.to_thread.run_sync(mailer.close)  # emails already queued still go
        engine.dispose()
        if loop_reader is not None:
            loop_reader.dispose()

    return lifespan


async def _checkpoint_every(engine: Engine, seconds: float) -> None:
    while True:
        await anyio.sleep(seconds)
        try:
            await anyio.to_thread.run_sync(checkpoint_wal, engine)
        except SQLAlchemyError as error:  # the database is away: the health check and requests report it
            log.debug("WAL checkpoint skipped: %s", error)
