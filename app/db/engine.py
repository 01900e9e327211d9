"""The database engine, built from settings: SQLite (the embedded default) or PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged answer survives a power cut), foreign keys
on and a busy timeout. Transactions opened through `write_session` start with ``BEGIN IMMEDIATE``, so a
writer takes the write lock up front instead of failing half-way when another writer got there first; reads
keep plain ``BEGIN`` and never wait for writers. Within one process, SQLite writers also queue on a lock of
their own (as datasette funnels writes through one writer): a room of tablets submitting at once then waits
in line instead of spinning in SQLite's busy handler until its timeout; other processes still meet the busy
timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlmodel import Session, SQLModel

from app.config import Settings

_IMMEDIATE = "rainbow_begin_immediate"
_SQLITE_WRITERS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()


def database_url(raw: str) -> URL:
    """The SQLAlchemy URL for a configured database, with the psycopg 3 driver for PostgreSQL."""
    url = make_url(raw)
    if url.get_backend_name() in ("postgresql", "postgres") and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_db_engine(settings: Settings) -> Engine:
    """Build the engine for `settings.database_url`; connects lazily, on first use."""
    url = database_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    engine = create_engine(url, pool_pre_ping=True)
    # A batch of answers is hundreds of rows: sent as one INSERT of many VALUES (as SQLAlchemy already does
    # for psycopg2) rather than a statement a row, it costs PostgreSQL and the driver a fraction of the work.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def create_loop_reader(settings: Settings) -> Engine | None:
    """An engine of one connection, for short reads done on the event loop itself (`app.routes.pages.
    room_polls`): on a SQLite file only, where a read in WAL mode never waits for a writer, so it never stalls
    the loop. None for PostgreSQL, whose reads cross the network, and for an in-memory SQLite database, which
    a second engine would not see: reads there go to a worker thread, on the main engine.

    Its statements run each on their own, with no transaction around them, and its busy timeout is short:
    the rare read that meets a lock (SQLite recovering its log) fails fast, and its caller takes the ordinary
    path."""
    url = database_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    # Each statement its own snapshot (no BEGIN, no ROLLBACK): a poll's reads are one statement each.
    return _sqlite_engine(url, busy_timeout_ms=LOOP_READ_BUSY_MS, begins=False, pool_size=1, max_overflow=0)


#: How long a read on the event loop may wait for a lock (`create_loop_reader`).
LOOP_READ_BUSY_MS = 50


def _sqlite_engine(url: URL, *, busy_timeout_ms: int, begins: bool = True, **pool: int) -> Engine:
    """A SQLite engine; with `begins` false, one whose statements each run on their own (no ``BEGIN``)."""
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    engine = create_engine(url, connect_args=connect_args, **pool)
    _SQLITE_WRITERS[engine] = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    if begins:

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(_IMMEDIATE, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed when the block ends without error, and rolled back otherwise.

    On SQLite its transaction starts with ``BEGIN IMMEDIATE``.
    """
    # Objects stay readable after the commit: routes build their reply from what they just wrote.
    immediate = engine.execution_options(**{_IMMEDIATE: True})
    writer = _SQLITE_WRITERS.get(engine)
    with writer or nullcontext(), Session(immediate, expire_on_commit=False) as session, session.begin():
        yield session


def find_rows_by_key(connection: Connection) -> None:
    """Have PostgreSQL find rows through their indexes for the rest of the transaction; nothing on SQLite.

    For transactions whose every statement finds its rows by key: writing a room's answers. Without
    statistics on a table (a new database, a table that grew fast since its last ANALYZE, or a server with
    autovacuum off, which then never has any), PostgreSQL guesses that a few keys match a good share of
    the rows, and reads whole tables for each batch of answers: milliseconds at ten thousand answers,
    seconds at millions, and most of the database's work under load. Turning sequential scans off leaves it
    the indexes, which are right whatever the tables' size.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def checkpoint_wal(engine: Engine) -> None:
    """Copy what the SQLite write-ahead log holds into the database file, without waiting for or blocking
    readers and writers (a passive checkpoint).

    SQLite does this itself in the commit that takes the log past 1,000 pages, and that commit, with every
    request queued behind it, then waits a tenth of a second or more for the copy and its fsync. The
    service calls this every so often from a thread of its own, so that commit finds little or nothing
    left to copy. Durability does not depend on it: a committed transaction is already safe in the log.
    """
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def database_ready(engine: Engine) -> bool:
    """The health check: the database answers, and on SQLite its file can still be opened."""
    return database_answers(engine) and sqlite_file_answers(engine)


def database_answers(engine: Engine) -> bool:
    """True when the database accepts a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver or network failure means "not answering"
        return False
    return True


def upsert(
    db: Session, table: type[SQLModel], *, values: dict[str, Any], keys: list[str], update: list[str]
) -> None:
    """Insert a row, or update the `update` columns of the row with the same `keys`, in one statement
    (``INSERT … ON CONFLICT … DO UPDATE`` on SQLite and PostgreSQL alike), so concurrent writers cannot race.
    """
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={column: statement.excluded[column] for column in update}
    )
    db.execute(statement)


SQLITE_PROBE_TIMEOUT_S = 1.0


def sqlite_file_answers(engine: Engine) -> bool:
    """On SQLite, whether the database file can be opened afresh and read; True for other databases.

    A pooled SQLite connection keeps its file open after the file has gone (renamed, deleted, its disk
    unmounted), so ``SELECT 1`` on it still succeeds while every new connection, and the next start, fail.
    The probe opens the file read-write without ever creating it, and reads its schema.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or engine.url.query.get("uri"):
        return True  # not SQLite, in memory, or a URI filename we leave to SQLite itself
    uri = f"{Path(path).resolve().as_uri()}?mode=rw"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=SQLITE_PROBE_TIMEOUT_S)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return False
    return True
