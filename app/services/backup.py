"""Backups of the service's database, taken while it runs (``rainbow backup``).

- **SQLite**: SQLite's online backup API copies the database in one step, inside one read transaction: a
  consistent snapshot, taken while the service goes on writing (in WAL mode readers never block writers). The
  copy is a single self-contained database file (rollback journal, no ``-wal`` beside it). To restore, stop
  the service and copy the file to the path of ``RAINBOW_DATABASE_URL`` (removing any ``-wal`` and ``-shm``
  files left beside the old one).
- **PostgreSQL**: ``pg_dump`` in its *custom* format (compressed; ``pg_dump --format=custom``), run with the
  configured URL and taken from one snapshot, so also consistent while the service writes. When the URL sets a
  ``search_path`` in its ``options`` (the service then lives in that schema), only that schema is dumped.
  Restore it into a new, empty database with ``pg_restore --no-owner --dbname=postgresql://…/new FILE``.
  ``pg_dump`` must be installed (PostgreSQL's client tools, of the server's major version or newer).

Either way the file appears under its name only once it is complete: it is written beside it first, readable
by its owner only, and renamed.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

#: `-c search_path=name` (or `-csearch_path=name`) in a PostgreSQL URL's options: the schema the service uses.
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*\"?([A-Za-z0-9_$]+)")
PG_DUMP_TIMEOUT_SECONDS = 6 * 3600


class BackupError(Exception):
    """The backup could not be taken; the message says why (and holds no password)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    #: What the file is, in a few words, e.g. "a SQLite database file".
    kind: str
    #: How to restore it, as a sentence.
    restore: str


def back_up(database_url: str, output: Path, *, sqlite_busy_timeout_ms: int = 5000) -> Backup:
    """Back up the database at `database_url` into the file `output` (replaced if it exists).

    :raises BackupError: the database is not there or not readable, ``pg_dump`` is missing or failed, or
        `output` cannot be written. Nothing is left at `output` then (an existing file stays as it was).
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _back_up_sqlite(url, output, busy_timeout_ms=sqlite_busy_timeout_ms)
    if backend in ("postgresql", "postgres"):
        return _back_up_postgresql(url, output)
    raise BackupError(f"cannot back up a {backend} database: only SQLite and PostgreSQL are supported")


def _back_up_sqlite(url: URL, output: Path, *, busy_timeout_ms: int) -> Backup:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("the database is in memory: there is nothing on disk to back up")
    source_path = Path(url.database)
    if not source_path.is_file():
        raise BackupError(f"there is no database file at {source_path}")
    if output.resolve() == source_path.resolve():
        raise BackupError(f"{output} is the database itself: back it up into another file")
    with _written_into_place(output) as partial:
        try:
            source = sqlite3.connect(source_path, timeout=busy_timeout_ms / 1000)
            try:
                copy = sqlite3.connect(partial)
                try:
                    source.backup(copy)  # every page in one step: one read transaction, one snapshot
                    copy.execute("PRAGMA journal_mode=DELETE")  # one file, with no write-ahead log beside it
                finally:
                    copy.close()
            finally:
                source.close()
        except sqlite3.Error as error:
            raise BackupError(f"could not back up {source_path}: {error}") from None
    return Backup(
        path=output,
        size=output.stat().st_size,
        kind="a SQLite database file",
        restore=(
            "stop the service, then copy it to the database's path (RAINBOW_DATABASE_URL), removing any -wal "
            "and -shm files beside the old one"
        ),
    )


def _back_up_postgresql(url: URL, output: Path) -> Backup:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed (or not on PATH): install PostgreSQL's client tools "
            "(e.g. apt-get install -y postgresql-client), of the server's major version or newer"
        )
    command = [pg_dump, "--format=custom", "--no-password"]
    schema = _schema_of(url)
    if schema is not None:
        command.append(f"--schema={schema}")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)  # never on the command line, where `ps` would show it
    libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    with _written_into_place(output) as partial:
        try:
            done = subprocess.run(
                [*command, f"--file={partial}", f"--dbname={libpq_url}"],
                env=env,
                capture_output=True,
                text=True,
                timeout=PG_DUMP_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BackupError(f"pg_dump could not run: {error}") from None
        if done.returncode != 0:
            said = done.stderr.strip() or f"exit status {done.returncode}"
            raise BackupError(f"pg_dump failed: {said}")
    only = f" (schema {schema} only)" if schema else ""
    return Backup(
        path=output,
        size=output.stat().st_size,
        kind=f"a pg_dump archive in the custom format{only}",
        restore="into a new, empty database: pg_restore --no-owner --dbname=postgresql://…/new FILE",
    )


def _schema_of(url: URL) -> str | None:
    options = url.query.get("options")
    text = " ".join(options) if isinstance(options, tuple) else options
    found = _SEARCH_PATH.search(text or "")
    return found.group(1) if found else None


@contextmanager
def _written_into_place(output: Path) -> Iterator[Path]:
    """A new, empty file beside `output` (readable by its owner only) to write the backup into; renamed to
    `output` when the block ends without error, and removed otherwise."""
    try:
        handle, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write into {output.parent}: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(output)
    except OSError as error:
        raise BackupError(f"cannot write {output}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
