"""A fresh app and database for each round the attacker plays (Hypothesis runs many in one test), and the
attacker's numbers at the end of the run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from app.config import Settings
from app.db.engine import create_db_engine
from tests.apps import build_app
from tests.conftest import ENGINES, TEST_SECRET, fresh_database
from tests.disclosure.attacker import Stats
from tests.factories import World, app_state, make_world

FreshApp = Callable[..., AbstractContextManager[tuple[TestClient, World]]]


@pytest.fixture(params=ENGINES)
def fresh_app(request: pytest.FixtureRequest) -> FreshApp:
    """Call it for a new app on a new, migrated database, with trusts A and B and a person in every role."""
    engine_name = request.param

    @contextmanager
    def make(max_publications_per_day: int = 100) -> Iterator[tuple[TestClient, World]]:
        with tempfile.TemporaryDirectory() as directory, fresh_database(engine_name, Path(directory)) as url:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=url,
                secret_key=TEST_SECRET,
                max_publications_per_day=max_publications_per_day,
            )
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                assert parsed.database is not None
                shutil.copyfile(request.getfixturevalue("sqlite_template"), parsed.database)
            else:
                engine = create_db_engine(settings)
                with engine.begin() as connection:
                    connection.exec_driver_sql(request.getfixturevalue("postgresql_schema_script"))
                engine.dispose()
            with TestClient(build_app(settings)) as client:
                yield client, make_world(app_state(client).engine)

    return make


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tally = Stats.tally
    if not tally.rounds:
        return
    terminalreporter.section("disclosure attacker")
    terminalreporter.write_line(
        f"rounds tried: {tally.rounds}; figures recorded: {tally.figures}; "
        f"equations checked: {tally.equations}; small groups and single respondents checked: "
        f"{tally.groups_checked} ({tally.quantities_checked} sums and counts), of which determined: "
        f"{tally.determined}; publications: {tally.publications}; room reveals: {tally.reveals}; "
        f"entries and publications refused: {tally.refused}"
    )
