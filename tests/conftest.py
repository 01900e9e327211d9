"""Fixtures shared by the whole suite.

Every test that touches a database gets a fresh one: a new SQLite file, and, when the environment variable
RAINBOW_TEST_DATABASE_URL names a PostgreSQL server, the same test again in a new PostgreSQL schema that is
dropped afterwards.

Apps built here share the parsed framework and questionnaires (`tests.apps.build_app`): parsing them is most
of what building an app costs.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

import app.db.schema  # noqa: F401  (every table, for the PostgreSQL schema script)
from app.config import Settings
from app.db.engine import create_db_engine, database_url
from app.db.migrate import head_revision, upgrade
from tests.apps import build_app
from tests.factories import World, app_state, make_world
from tests.mailbox import mailbox  # noqa: F401  (the fixture: a real SMTP server)

POSTGRES_URL = os.environ.get("RAINBOW_TEST_DATABASE_URL", "")
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No RAINBOW_* setting or .env file of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith("RAINBOW_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@contextmanager
def fresh_database(engine: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database on `engine` ("sqlite" or "postgresql"), removed afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{directory / 'rainbow.db'}"
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(database_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url(POSTGRES_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


TEST_SECRET = "test-secret-key-that-is-long-enough-to-use"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Tests publish rounds as often as they like; the daily limit has tests of its own. A poll sees a change
    # made just before it: the watch of polled rooms, which lets it lag by up to half a second, has tests of
    # its own with a clock they move (tests/app/routes/pages/test_room_watch.py), and the browser tests run
    # servers with it on.
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=db_url,
        secret_key=TEST_SECRET,
        max_publications_per_day=100,
        room_watch_seconds=0,
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the latest revision by the migrations themselves, once per run."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgresql_schema_script() -> str:
    """The DDL of the declared tables for PostgreSQL, with Alembic's record of the latest revision: one
    script, run in a single round trip. test_migrations proves the migrations build exactly these tables."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    statements = []
    for table in SQLModel.metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)))
        statements.extend(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)
    statements.append(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
        " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    statements.append(f"INSERT INTO alembic_version (version_num) VALUES ('{head_revision()}')")
    return ";\n".join(statements)


@pytest.fixture
def migrated(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Settings whose database is at the latest revision.

    Migrating costs a few tenths of a second, so it is done once per run and each test gets a copy: on
    SQLite a copy of a file the migrations built; on PostgreSQL the same tables, made by one script.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        shutil.copyfile(request.getfixturevalue("sqlite_template"), url.database)
        return settings
    engine = create_db_engine(settings)
    with engine.begin() as connection:
        connection.exec_driver_sql(request.getfixturevalue("postgresql_schema_script"))
    engine.dispose()
    return settings


@pytest.fixture
def client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(build_app(migrated)) as test_client:
        yield test_client


@pytest.fixture
def world_https(migrated: Settings) -> Iterator[tuple[TestClient, World]]:
    """A client that talks to the app over https, with the world made."""
    with TestClient(build_app(migrated), base_url="https://testserver") as test_client:
        yield test_client, make_world(app_state(test_client).engine)


@pytest.fixture
def world(client: TestClient) -> World:
    """Trusts A and B with a round each, and a person in every role (see tests/factories.py)."""
    return make_world(app_state(client).engine)
