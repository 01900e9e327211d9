"""Fixtures shared by the whole suite.

Every test that touches a database gets a fresh one: a new SQLite file, and, when the environment variable
RAINBOW_TEST_DATABASE_URL names a PostgreSQL server, the same test again in a new PostgreSQL schema that is
dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.config import Settings
from app.database import create_db_engine, database_url
from app.main import create_app
from app.migrate import upgrade

POSTGRES_URL = os.environ.get("RAINBOW_TEST_DATABASE_URL", "")
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No RAINBOW_* setting or .env file of the developer's leaks into a test."""
    for name in list(os.environ):
        if name.startswith("RAINBOW_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rainbow.db'}"
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


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(_env_file=None, database_url=db_url)  # type: ignore[call-arg]


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
