"""Fixtures shared by the whole suite.

Every test that touches a database gets a fresh one: a new SQLite file, and, when the environment variable
RAINBOW_TEST_DATABASE_URL names a PostgreSQL server, the same test again in a new PostgreSQL schema that is
dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.config import Settings
from app.database import create_db_engine, database_url
from app.main import create_app
from app.migrate import upgrade
from tests.factories import World, app_state, make_world

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
    return Settings(_env_file=None, database_url=db_url, secret_key=TEST_SECRET)  # type: ignore[call-arg]


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    """Settings whose database has been migrated to the latest revision."""
    engine = create_db_engine(settings)
    upgrade(engine)
    engine.dispose()
    return settings


@pytest.fixture
def client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


@pytest.fixture
def world_https(migrated: Settings) -> Iterator[tuple[TestClient, World]]:
    """A client that talks to the app over https, with the world made."""
    with TestClient(create_app(migrated), base_url="https://testserver") as test_client:
        yield test_client, make_world(app_state(test_client).engine)


@pytest.fixture
def world(client: TestClient) -> World:
    """Trusts A and B with a round each, and a person in every role (see tests/factories.py)."""
    return make_world(app_state(client).engine)
