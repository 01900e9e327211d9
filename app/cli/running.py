"""Running the service: ``serve``, ``migrate`` and ``check-framework``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import cli, describe, fail, say
from app.config import Settings


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Serve the web app and API (settings come from RAINBOW_* environment variables)."""
    import uvicorn

    settings = Settings()
    say(f"OCW Rainbow on http://{host}:{port}  (database: {describe(settings.database_url)})")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level=settings.log_level,
        log_config=_log_config(settings.log_level),
        **forwarding(settings),
    )


def forwarding(settings: Settings) -> dict[str, Any]:
    """Uvicorn's proxy settings: X-Forwarded-For and -Proto are believed only from the configured proxies.

    Uvicorn's own default believes them from 127.0.0.1, so any local client without a proxy could claim any
    address (and dodge every per-client throttle); with no proxies configured the headers are ignored.
    """
    allowed = settings.forwarded_allow_ips.strip()
    if not allowed:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}


def _log_config(level: str) -> dict[str, Any]:
    """Uvicorn's logging, with the service's own ``rainbow`` loggers printed the same way."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["rainbow"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from app.db import migrate as migrations
    from app.db.engine import create_db_engine

    settings = Settings()
    engine = create_db_engine(settings)
    try:
        migrations.upgrade(engine)
        say(f"database at revision {migrations.current_revision(engine)} ({describe(settings.database_url)})")
    finally:
        engine.dispose()


@cli.command("check-framework")
def check_framework(
    framework: Annotated[
        Path | None,
        typer.Option("--framework", help="Framework YAML to check (default: the configured one)."),
    ] = None,
    surveys: Annotated[
        Path | None, typer.Option("--surveys", help="Folder of questionnaires (default: the configured one).")
    ] = None,
) -> None:
    """Validate a framework and its questionnaires; list every problem and exit 1 if there are any."""
    from framework.model import load_framework
    from framework.problems import DataError
    from surveys import load_surveys

    settings = Settings()
    framework_file = framework or settings.framework_file
    surveys_dir = surveys or settings.surveys_dir
    try:
        loaded = load_framework(framework_file)
    except DataError as error:
        fail(error.problems, f"{framework_file.name} is not valid")
    try:
        book = load_surveys(surveys_dir, loaded)
    except DataError as error:
        fail(error.problems, f"the questionnaires in {surveys_dir} do not match {framework_file.name}")
    say(
        f"ok: {framework_file.name} version {loaded.version}: {len(loaded.arcs)} arcs, "
        f"{len(loaded.viewpoints)} viewpoints, {len(loaded.scale)}-point scale; "
        f"{book.questionnaire_count} questionnaires with {book.item_count} statements"
    )
