"""Fuzz every operation of the JSON API with schemathesis, from the app's own OpenAPI document.

Each operation gets schema-valid and schema-invalid requests, sent as a site administrator with a personal API
token (so they get past authentication; bearer requests need no CSRF token), and every response must pass
schemathesis' checks: no 5xx, documented status codes, content types and headers, bodies that match the
documented schemas, schema-valid input accepted and schema-invalid input rejected. An exception the app does
not handle reaches the test as itself (Starlette re-raises it after answering 500), with a curl command that
reproduces the request.

The schema is loaded eagerly, at import time, from an app that is never asked for anything but its OpenAPI
document (it has no database). Each test then builds its own app on a fresh, migrated database from the
usual fixtures, so this runs on SQLite and, with RAINBOW_TEST_DATABASE_URL, on PostgreSQL, and every request
is sent to that app (``app=``). A lazy schema (``schemathesis.pytest.from_fixture``) would be the natural way
to get a per-test app, but schemathesis 4.32.5's lazy schema reads and writes ``request.node._nodeid``, which
pytest 9.2 no longer has (every lazy test fails with AttributeError before it sends a request).

Examples per operation: 100 when the environment variable CI is set, 25 otherwise. Generation is
derandomized, so a run is the same every time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from app.config import Settings
from app.main import create_app
from tests.factories import make_world

MAX_EXAMPLES = 100 if os.environ.get("CI") else 25

# Asked only for /api/openapi.json, which needs no database: its in-memory SQLite database is never opened.
_DOCUMENT_SETTINGS = Settings(_env_file=None, database_url="sqlite://", secret_key="x" * 32)  # type: ignore[call-arg]
schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(_DOCUMENT_SETTINGS))


@pytest.fixture
def fuzz_app(migrated: Settings) -> Iterator[FastAPI]:
    """The app, on a fresh migrated database."""
    app = create_app(migrated)
    yield app
    app.state.rainbow.engine.dispose()


@pytest.fixture
def admin_headers(fuzz_app: FastAPI) -> dict[str, str]:
    """Trusts A and B with a round each and staff in every role; the headers of the site administrator."""
    world = make_world(fuzz_app.state.rainbow.engine)
    return {"Authorization": f"Bearer {world.tokens['admin']}"}


def _period_out_of_order(case: schemathesis.Case) -> bool:
    """Whether the request gives a round a period that ends before it starts."""
    body = case.body if isinstance(case.body, dict) else {}
    try:
        return date.fromisoformat(body["period_end"]) < date.fromisoformat(body["period_start"])
    except (KeyError, TypeError, ValueError):
        return False


def _statement_of_another_session(case: schemathesis.Case) -> bool:
    """Whether the request records a consensus for a well-formed statement code: which codes a session has
    depends on its arcs and viewpoint, which JSON Schema cannot say, so a schema-valid code may get 422."""
    return case.operation.label == "POST /api/sessions/{session_id}/consensus"


@pytest.mark.database
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # One app and database per operation, shared by all its examples, is what this test wants: the data
    # the examples create only adds to what later ones meet.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@schema.parametrize()
def test_api_fuzz(case: schemathesis.Case, fuzz_app: FastAPI, admin_headers: dict[str, str]) -> None:
    excluded: list[schemathesis.CheckFunction] = []
    if _period_out_of_order(case):
        # JSON Schema cannot say that period_end must not be before period_start, so such a request can be
        # schema-valid, and the 422 it gets is right: positive_data_acceptance would call it a bug.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if _statement_of_another_session(case):
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if case.operation.path.endswith("/answers/import"):
        # The body is CSV: its rules (a header, known statements, ratings) are not JSON Schema, so any text
        # is "schema-valid" and most of it is rightly refused with 422 naming the line.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if _round_as_its_own_baseline(case):
        # A round compared with itself is schema-valid (two ids) but meaningless: 422 naming baseline_id.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    if case.operation.method.upper() == "POST" and case.operation.path == "/api/users":
        # A common or breached password (zxcvbn's lists) is schema-valid and rightly refused with 422 naming
        # the password: no JSON Schema can list them.
        excluded.append(schemathesis.checks.positive_data_acceptance)
    case.call_and_validate(app=fuzz_app, headers=admin_headers, excluded_checks=excluded)


def _round_as_its_own_baseline(case: schemathesis.Case) -> bool:
    parameters = case.path_parameters or {}
    baseline = parameters.get("baseline_id", (case.query or {}).get("baseline"))
    return baseline is not None and str(baseline) == str(parameters.get("round_id"))
