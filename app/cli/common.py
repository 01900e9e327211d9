"""What the commands share: the Typer app, failing with a clear message, loading the framework."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from app.config import Settings
from framework.model import Framework
from surveys import SurveyBook

if TYPE_CHECKING:
    from sqlalchemy import Engine

cli = typer.Typer(
    name="rainbow",
    help="OCW Rainbow: the One Children's Workforce rainbow self-assessment service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def say(message: str) -> None:
    typer.echo(message)


def die(message: str) -> NoReturn:
    """Report bad input or a refused action on stderr and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def fail(problems: Sequence[object], summary: str) -> NoReturn:
    """Report every problem of an invalid framework or questionnaire, then a summary; exit with status 1."""
    for problem in problems:
        typer.echo(str(problem), err=True)
    count = len(problems)
    typer.echo(f"{summary}: {count} problem{'s' if count != 1 else ''}", err=True)
    raise typer.Exit(1)


def describe(url: str) -> str:
    """The database URL without any password, for messages."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def catalogue(settings: Settings) -> tuple[Framework, SurveyBook]:
    """The configured framework and questionnaires; exits listing the problems when they are not valid."""
    from framework.model import load_framework
    from framework.problems import DataError
    from surveys import load_surveys

    try:
        framework = load_framework(settings.framework_file)
        return framework, load_surveys(settings.surveys_dir, framework)
    except DataError as error:
        fail(error.problems, "the framework or its questionnaires are not valid (see check-framework)")


def check_new_file(path: Path, *, force: bool, option: str, elsewhere: str) -> None:
    """Exit with a message, before anything is done, when `path` cannot become a new file: an existing file
    (unless `force`), a folder, or a file in a folder that does not exist. `option` names where `path` came
    from, `elsewhere` how to give another."""
    if path.is_dir():
        die(f"{option} {path} is a folder: give the name of a file")
    if path.exists() and not force:
        die(f"{option} {path} exists already: give --force to replace it, or {elsewhere} to write elsewhere")
    if not path.parent.exists():
        die(f"{option} {path}: there is no folder {path.parent}")
    if not path.parent.is_dir():
        die(f"{option} {path}: {path.parent} is not a folder")


def open_database(settings: Settings) -> Engine:
    """The engine of the configured database, once it is known to be there and migrated; otherwise exit with a
    message saying what to do (and, for SQLite, without creating an empty database file)."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from app.db.engine import create_db_engine
    from app.db.migrate import current_revision

    where = describe(settings.database_url)
    url = make_url(settings.database_url)
    on_disk = url.get_backend_name() == "sqlite" and url.database and not url.database.startswith(":memory:")
    if on_disk and not Path(str(url.database)).is_file():
        die(f"there is no database at {url.database} (RAINBOW_DATABASE_URL): `rainbow migrate` makes one")
    engine = create_db_engine(settings)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        die(f"cannot read the database {where}: {cause}")
    if revision is None:
        engine.dispose()
        die(f"the database {where} has no tables yet: run `rainbow migrate` first")
    return engine
