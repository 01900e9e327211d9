"""The ``rainbow`` command line: serve, migrate, check the framework."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

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
    from app.db import migrate as migrations
    from app.db.engine import create_db_engine

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


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="The person's email address; they sign in with it.")],
    password: Annotated[
        str, typer.Option("--password", help="Their starting password (at least 12 characters).")
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make them a site administrator.")] = False,
    trust: Annotated[int | None, typer.Option("--trust", help="Id of a trust to add them to.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="Their role in --trust: lead, facilitator or viewer.")
    ] = None,
) -> None:
    """Create a staff account, optionally with a role in a trust."""
    from pydantic import ValidationError

    from app.choices import Role
    from app.db.engine import create_db_engine, write_session
    from app.errors import AppError
    from app.identity import Staff
    from app.schemas.staff import UserCreate
    from app.store.users import create_user, set_membership

    if (trust is None) != (role is None):
        _die("--trust and --role go together: give both or neither")
    if role is not None and role not in {r.value for r in Role}:
        _die(f"--role must be one of lead, facilitator, viewer (not {role!r})")
    try:
        user_in = UserCreate(email=email, password=password, is_admin=admin)
    except ValidationError as error:
        _die(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False))
        )
    engine = create_db_engine(Settings())
    try:
        with write_session(engine) as db:
            user = create_user(db, actor=None, user_in=user_in)
            assert user.id is not None
            # The command line acts as the new account itself (see create_user).
            actor = Staff(user_id=user.id, email=user.email, is_admin=user.is_admin)
            if trust is not None and role is not None:
                set_membership(db, actor=actor, user_id=user.id, trust_id=trust, role=Role(role))
    except AppError as error:
        _die(error.detail)
    finally:
        engine.dispose()
    where = f", {role} in trust {trust}" if trust is not None else ""
    print(f"created {user_in.email}{' (site administrator)' if admin else ''}{where}")


@cli.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (and succeed) when the database has any trust.")
    ] = False,
) -> None:
    """Load a fictional trust with staff accounts, a 2009 baseline and a 2010 re-assessment with answers."""
    from app.db.engine import create_db_engine, write_session
    from app.errors import AppError
    from app.services import demo as demo_data
    from framework.model import load_framework
    from framework.problems import DataError
    from surveys import load_surveys

    settings = Settings()
    try:
        framework = load_framework(settings.framework_file)
        book = load_surveys(settings.surveys_dir, framework)
    except DataError as error:
        _fail(error.problems, "the framework or its questionnaires are not valid (see check-framework)")
    engine = create_db_engine(settings)
    try:
        with write_session(engine) as db:
            if if_empty and demo_data.any_trust_exists(db):
                print("skipped the demo: the database already has a trust")
                return
            summary = demo_data.load_demo(db, framework=framework, surveys=book)
    except AppError as error:
        _die(error.detail)
    finally:
        engine.dispose()
    host, port = os.environ.get("HOST") or "127.0.0.1", os.environ.get("PORT") or "8000"
    print(
        f"created the demo trust, {demo_data.DEMO_TRUST_NAME} (id {summary.trust_id}): "
        f"{summary.rounds} rounds, "
        f"{summary.sessions} focus groups, {summary.participants} participants, {summary.answers} answers, "
        f"{summary.consensus} agreed ratings"
    )
    print(demo_data.logins_text(f"http://{host}:{port}/login"))
    print("These are demo accounts with published passwords: disable them before real data goes in.")


@cli.command("create-token")
def create_token(
    email: Annotated[str, typer.Argument(help="Whose token: the account's email address.")],
) -> None:
    """Create a personal API token for an account; it is printed once, alone on the last line."""
    from app.db.engine import create_db_engine, write_session
    from app.store import audit
    from app.store.staff_sessions import create_api_token
    from app.store.users import find_user

    engine = create_db_engine(Settings())
    try:
        with write_session(engine) as db:
            user = find_user(db, email=email)
            if user is None or user.id is None or not user.is_active:
                _die(f"there is no active account for {email}")
            token = create_api_token(db, user_id=user.id)
            audit.record(
                db, action="token.create", actor_id=user.id, actor_email=user.email, detail="command line"
            )
    finally:
        engine.dispose()
    print("API token created. It is shown only now; use it as 'Authorization: Bearer <token>'.")
    print(token)


@cli.command("rebuild-rollups")
def rebuild_rollups_command(
    round_ids: Annotated[
        list[int] | None,
        typer.Option("--round", help="Only this round (repeatable); all when not given."),
    ] = None,
) -> None:
    """Recompute the score rollups from the stored answers (a repair: answers keep them in step)."""
    from sqlalchemy import select

    from app.db.engine import create_db_engine, write_session
    from app.db.tables import Round
    from app.store.rollup_rebuild import rebuild_rollups

    engine = create_db_engine(Settings())
    try:
        with write_session(engine) as db:
            known = set(db.scalars(select(Round.id)))
            chosen = sorted(round_ids) if round_ids else sorted(known)
            unknown = [str(round_id) for round_id in chosen if round_id not in known]
            if unknown:
                _die(f"there is no round {', '.join(unknown)}")
            answers = rebuild_rollups(db, round_ids=chosen)
    finally:
        engine.dispose()
    rounds_text = f"{len(chosen)} round{'s' if len(chosen) != 1 else ''}"
    print(f"rebuilt the rollups of {rounds_text} from {answers} answers")


def _die(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


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
