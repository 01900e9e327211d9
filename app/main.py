"""The app factory. Importing this module has no side effects: `create_app` builds everything.

Serve with ``rainbow serve`` or ``uvicorn --factory app.main:create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import Settings
from app.csrf import CsrfCookieMiddleware, csrf_protect
from app.database import create_db_engine
from app.error_pages import install_error_handlers
from app.openapi import openapi_document
from app.routes import (
    admin_pages,
    auth_pages,
    catalogue,
    charts_api,
    exports_api,
    facilitate_pages,
    health,
    plan_pages,
    plans_api,
    respond_pages,
    results_pages,
    room_api,
    scores_api,
    session_api,
    staff_api,
    theme,
    trust_pages,
    walkthrough,
)
from app.secrets_file import resolve_secret_key
from app.security_headers import SecurityHeadersMiddleware
from app.state import AppState
from app.templating import STATIC_DIR, create_templates
from framework.model import load_framework
from surveys import load_surveys

log = logging.getLogger("rainbow")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service for `settings` (read from the environment when not given).

    :raises framework.problems.DataError: when the framework or a questionnaire is invalid; the service
        refuses to start rather than serve questions that do not match the framework.
    """
    settings = settings or Settings()
    framework = load_framework(settings.framework_file)
    surveys = load_surveys(settings.surveys_dir, framework)
    engine = create_db_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "framework %s: %d arcs, %d statements", framework.version, len(framework.arcs), surveys.item_count
        )
        yield
        engine.dispose()

    app = FastAPI(
        title="OCW Rainbow",
        summary="One Children's Workforce rainbow self-assessment",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN; the OpenAPI document is enough
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.rainbow = AppState(
        settings=settings,
        secret_key=resolve_secret_key(settings),
        engine=engine,
        framework=framework,
        surveys=surveys,
        templates=create_templates(framework),
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.add_middleware(CsrfCookieMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routers = (
        health,
        catalogue,
        staff_api,
        session_api,
        walkthrough,
        theme,
        auth_pages,
        trust_pages,
        results_pages,
        admin_pages,
        respond_pages,
        room_api,
        facilitate_pages,
        scores_api,
        charts_api,
        exports_api,
        plans_api,
        plan_pages,
    )
    for module in routers:
        app.include_router(module.router)
    return app
