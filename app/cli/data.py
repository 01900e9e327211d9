"""The service's data: ``demo``, ``rebuild-rollups``, ``export`` and ``backup``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import catalogue, check_new_file, cli, describe, die, open_database, say
from app.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


@cli.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (and succeed) when the database has any trust.")
    ] = False,
) -> None:
    """Load a fictional trust with staff accounts, a 2009 baseline and a 2010 re-assessment with answers."""
    from app.db.engine import write_session
    from app.errors import AppError
    from app.services import demo as demo_data
    from app.services import demo_story

    settings = Settings()
    framework, book = catalogue(settings)
    engine = open_database(settings)
    try:
        with write_session(engine) as db:
            if if_empty and demo_data.any_trust_exists(db):
                say("skipped the demo: the database already has a trust")
                return
            summary = demo_data.load_demo(
                db, framework=framework, surveys=book, min_group_size=settings.min_group_size
            )
    except AppError as error:
        die(error.detail)
    finally:
        engine.dispose()
    host, port = os.environ.get("HOST") or "127.0.0.1", os.environ.get("PORT") or "8000"
    say(
        f"created the demo trust, {demo_data.DEMO_TRUST_NAME} (id {summary.trust_id}): "
        f"{summary.rounds} rounds, "
        f"{summary.sessions} focus groups, {summary.participants} participants, {summary.answers} answers, "
        f"{summary.consensus} agreed ratings"
    )
    say(demo_story.logins_text(f"http://{host}:{port}/login"))
    say("These are demo accounts with published passwords: disable them before real data goes in.")


@cli.command("rebuild-rollups")
def rebuild_rollups_command(
    round_ids: Annotated[
        list[int] | None,
        typer.Option("--round", help="Only this round (repeatable); all when not given."),
    ] = None,
) -> None:
    """Recompute the score rollups from the stored answers (a repair: answers keep them in step)."""
    from sqlmodel import col, select

    from app.db.engine import write_session
    from app.db.tables import Round
    from app.store.rollup_rebuild import rebuild_rollups

    engine = open_database(Settings())
    try:
        with write_session(engine) as db:
            known = {found for found in db.scalars(select(col(Round.id))) if found is not None}
            chosen = sorted(round_ids) if round_ids else sorted(known)
            unknown = [str(round_id) for round_id in chosen if round_id not in known]
            if unknown:
                die(f"there is no round {', '.join(unknown)}")
            answers = rebuild_rollups(db, round_ids=chosen)
    finally:
        engine.dispose()
    rounds_text = f"{len(chosen)} round{'s' if len(chosen) != 1 else ''}"
    say(f"rebuilt the rollups of {rounds_text} from {answers} answers")


class Format(StrEnum):
    """The formats of `app.services.exports`, named here so that the command line starts without loading
    the service (and the store under it) for every command."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


class Headers(StrEnum):
    """How a CSV heads its columns: in words for people, or by short codes for scripts."""

    WORDS = "words"
    CODES = "codes"


_WHAT = {Format.CSV: "scores (CSV)", Format.XLSX: "scores (XLSX workbook)", Format.PDF: "board pack (PDF)"}


@cli.command()
def export(
    round_id: Annotated[
        int, typer.Argument(min=1, metavar="ROUND_ID", help="The round (its id, as in /trust/rounds/ID).")
    ],
    file_format: Annotated[
        Format,
        typer.Option(
            "--format",
            case_sensitive=False,
            help=(
                "csv: the scores, a row per cell; xlsx: the scores as a workbook, with the targets, the "
                "action plan, the support needs and the raw anonymous answers of the cells shown; pdf: the "
                "board pack."
            ),
        ),
    ],
    baseline: Annotated[
        int | None, typer.Option("--baseline", min=1, help="Compare with this round of the same trust.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The file to write, or - for standard output (default: the download's own name, here).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
    headers: Annotated[
        Headers | None,
        typer.Option(
            "--headers",
            case_sensitive=False,
            help="CSV only: head the columns in words (the default) or by short codes, for scripts.",
        ),
    ] = None,
) -> None:
    """Write a round's download to a file: the same file the API gives a trust lead (export.csv, export.xlsx,
    report.pdf), with no suppressed figure. Recorded in the audit log as the command line's download."""
    if baseline == round_id:
        die(f"--baseline must be another round of the trust, not round {round_id} itself")
    if headers is not None and file_format != Format.CSV:
        die(f"--headers: only a CSV has column headings, not {file_format.value}")
    settings = Settings()
    engine = open_database(settings)
    try:
        _write_download(
            engine,
            settings,
            round_id,
            baseline,
            file_format,
            output,
            force=force,
            headers=headers or Headers.WORDS,
        )
    finally:
        engine.dispose()


def _write_download(
    engine: Engine,
    settings: Settings,
    round_id: int,
    baseline: int | None,
    file_format: Format,
    output: Path | None,
    *,
    force: bool,
    headers: Headers,
) -> None:
    from app.errors import AppError, NotFound
    from app.services.exports import download_name, round_download
    from app.services.reports import ReportContext, Thresholds

    framework, surveys = catalogue(settings)
    try:
        name = download_name(engine, round_id=round_id, fmt=file_format.value)
    except NotFound:
        die(f"there is no round {round_id}")
    to_stdout = output is not None and str(output) == "-"
    path = Path(name) if output is None else output
    if not to_stdout:
        check_new_file(path, force=force, option="--output" if output else "the file", elsewhere="--output")
    with _into_place(None if to_stdout else path) as partial:
        try:
            made = round_download(
                engine,
                staff=None,
                round_id=round_id,
                baseline_id=baseline,
                fmt=file_format.value,
                context=ReportContext(framework, surveys, Thresholds.of(settings)),
                csv_headers=headers.value,
            )
        except NotFound:
            die(f"--baseline: round {round_id}'s trust has no round {baseline} to compare with")
        except AppError as error:
            die(error.detail)
        if partial is None:
            typer.get_binary_stream("stdout").write(made.body)
        else:
            partial.write_bytes(made.body)
    compared = f", compared with round {baseline}," if baseline else ""
    where = "standard output" if to_stdout else str(path)
    typer.echo(
        f"wrote round {round_id}'s {_WHAT[file_format]}{compared} to {where} ({len(made.body):,} bytes)",
        err=to_stdout,
    )


@contextmanager
def _into_place(path: Path | None) -> Iterator[Path | None]:
    """A new file beside `path` to write into, renamed to `path` when the block ends without error and removed
    otherwise, so `path` is never left half-written; made before any work, so an unwritable folder is found
    first. None for no file (standard output)."""
    if path is None:
        yield None
        return
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as error:
        die(f"cannot write into {path.parent}: {error.strerror}")
    try:
        yield partial
        partial.replace(path)
    except OSError as error:
        die(f"cannot write {path}: {error.strerror}")
    finally:
        partial.unlink(missing_ok=True)


@cli.command()
def backup(
    output: Annotated[Path, typer.Argument(help="The file to write the backup to.")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Back up the database while the service runs. SQLite: a consistent copy through SQLite's online backup
    API, a database file of its own (restore: stop the service and copy it into place). PostgreSQL: pg_dump's
    custom format, from one snapshot (restore: pg_restore --no-owner --dbname=URL OUTPUT, into an empty
    database); pg_dump must be installed."""
    from app.services.backup import BackupError, back_up

    settings = Settings()
    check_new_file(output, force=force, option="OUTPUT", elsewhere="another OUTPUT")
    try:
        made = back_up(settings.database_url, output, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    except BackupError as error:
        die(str(error))
    say(f"backed up {describe(settings.database_url)} to {made.path} ({made.size:,} bytes): {made.kind}")
    say(f"To restore it, {made.restore}.")
