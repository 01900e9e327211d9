"""The ``rainbow`` command line: serve, migrate, check the framework."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.config import Settings

cli = typer.Typer(
    name="rainbow",
    help="OCW Rainbow: the One Children's Workforce rainbow self-assessment service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Serve the web app and API (settings come from RAINBOW_* environment variables)."""
    import uvicorn

    settings = Settings()
    print(f"OCW Rainbow on http://{host}:{port}  (database: {_describe(settings.database_url)})", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level=settings.log_level,
        log_config=_log_config(settings.log_level),
        proxy_headers=True,
    )


def _log_config(level: str) -> dict[str, Any]:
    """Uvicorn's logging, with the service's own ``rainbow`` loggers printed the same way."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["rainbow"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest migration."""
    from app import migrate as migrations
    from app.database import create_db_engine

    settings = Settings()
    engine = create_db_engine(settings)
    try:
        migrations.upgrade(engine)
        print(
            f"database at revision {migrations.current_revision(engine)} ({_describe(settings.database_url)})"
        )
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
        _fail(error.problems, f"{framework_file.name} is not valid")
    try:
        book = load_surveys(surveys_dir, loaded)
    except DataError as error:
        _fail(error.problems, f"the questionnaires in {surveys_dir} do not match {framework_file.name}")
    print(
        f"ok: {framework_file.name} version {loaded.version}: {len(loaded.arcs)} arcs, "
        f"{len(loaded.viewpoints)} viewpoints, {len(loaded.scale)}-point scale; "
        f"{book.questionnaire_count} questionnaires with {book.item_count} statements"
    )


def _fail(problems: list[object], summary: str) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"{summary}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
    raise typer.Exit(1)


def _describe(url: str) -> str:
    """The database URL without any password, for messages."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli()
