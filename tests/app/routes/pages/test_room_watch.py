"""The watch of polled rooms in a running app: polls answered from it read nothing, and what they answer is
never older than RAINBOW_ROOM_WATCH_SECONDS, measured on a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, event, update

from app.config import Settings
from app.db.columns import utcnow
from app.db.engine import write_session
from app.db.tables import FocusSession, StaffSession
from app.web.auth import SESSION_COOKIE
from tests.app.routes.pages.focus_groups import answer_by_device, room
from tests.apps import build_app
from tests.factories import World, app_state, browse_as, csrf_headers, make_world
from tests.pages import parse

pytestmark = pytest.mark.database

HX = {"HX-Request": "true"}
EVERY = 0.5


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def move(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watched(migrated: Settings, clock: Clock) -> Iterator[tuple[TestClient, World]]:
    """A client of an app whose room polls are watched, as in production, on `clock`; the world made."""
    with TestClient(build_app(migrated.model_copy(update={"room_watch_seconds": EVERY}))) as client:
        app_state(client).room_watch.clock = clock
        yield client, make_world(app_state(client).engine)


class Statements:
    """Counts the statements that reach the database through any of the app's engines (but SQLite's
    ``BEGIN``, which opens a transaction rather than reading)."""

    def __init__(self, *engines: Engine | None) -> None:
        self.count = 0
        self._engines = [engine for engine in engines if engine is not None]
        for engine in self._engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += not statement.lstrip().upper().startswith("BEGIN")

    def close(self) -> None:
        for engine in self._engines:
            event.remove(engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(watched: tuple[TestClient, World]) -> Iterator[Statements]:
    state = app_state(watched[0])
    counter = Statements(state.engine, state.loop_reader)
    yield counter
    counter.close()


def _version(response: Response) -> str:
    field = parse(response).select_one("input[name=v]")
    assert field is not None, response.text
    return str(field["value"])


def _facilitator_polled(watched: tuple[TestClient, World], path: str) -> tuple[TestClient, World, str]:
    """Facilitator A signed in, having polled their room's fragment (`path` after the room's) once: the
    client, the world and the version that poll showed."""
    client, world = watched
    browse_as(client, world.users["facilitator_a"])
    return client, world, _version(_poll(client, f"{room(world)}{path}"))


def _poll(client: TestClient, path: str, version: str | None = None, **kwargs: Any) -> Response:
    params = {"v": version} if version else {}
    return client.get(path, params=params, headers=HX, follow_redirects=False, **kwargs)


@pytest.mark.parametrize("path", ["/screen", ""])
def test_a_watched_poll_that_finds_nothing_changed_reads_nothing(
    watched: tuple[TestClient, World], statements: Statements, path: str
) -> None:
    client, world = watched
    browse_as(client, world.users["facilitator_a"])
    version = _version(_poll(client, f"{room(world)}{path}"))
    statements.count = 0

    answers = [_poll(client, f"{room(world)}{path}", version) for _ in range(5)]

    assert [response.status_code for response in answers] == [204] * 5
    assert statements.count == 0


@pytest.mark.parametrize("path", ["/screen", ""])
def test_a_change_reaches_the_poll_once_the_watch_is_as_old_as_the_setting(
    watched: tuple[TestClient, World], clock: Clock, path: str
) -> None:
    client, world = watched
    browse_as(client, world.users["facilitator_a"])
    before = _version(_poll(client, f"{room(world)}{path}"))
    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 4}])

    clock.move(EVERY)  # as old as an answer may be: still the last read
    lagging = _poll(client, f"{room(world)}{path}", before)
    clock.move(0.01)
    followed = _poll(client, f"{room(world)}{path}", before)

    assert lagging.status_code == 204
    assert followed.status_code == 200 and _version(followed) != before


def test_one_read_brings_every_watched_poll_up_to_date(
    watched: tuple[TestClient, World], clock: Clock, statements: Statements
) -> None:
    client, world = watched
    browse_as(client, world.users["facilitator_a"])
    screen = _version(_poll(client, f"{room(world)}/screen"))
    progress = _version(_poll(client, room(world)))
    clock.move(EVERY + 0.01)
    statements.count = 0

    first = _poll(client, f"{room(world)}/screen", screen)  # reads every poller again: who, screens, progress
    read_for_both = statements.count
    second = _poll(client, room(world), progress)

    assert (first.status_code, second.status_code) == (204, 204)
    assert read_for_both == 3 and statements.count == 3


def test_signing_out_stops_the_polls_at_once(watched: tuple[TestClient, World]) -> None:
    client, world, version = _facilitator_polled(watched, "/screen")
    cookie = client.cookies.get(SESSION_COOKIE)

    signed_out = client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, str(cookie))  # a copy of the cookie kept, as a stolen one would be
    after = _poll(client, f"{room(world)}/screen", version)

    assert signed_out.status_code == 303
    assert after.status_code == 401


def test_a_session_ended_in_another_process_stops_its_polls_within_the_setting(
    watched: tuple[TestClient, World], clock: Clock
) -> None:
    client, world, version = _facilitator_polled(watched, "/screen")
    with write_session(app_state(client).engine) as db:  # what signing out elsewhere does
        db.execute(StaffSession.__table__.delete())  # type: ignore[attr-defined]

    clock.move(EVERY + 0.01)
    after = _poll(client, f"{room(world)}/screen", version)

    assert after.status_code == 401


def test_a_room_given_to_another_facilitator_stops_being_answered_within_the_setting(
    watched: tuple[TestClient, World], clock: Clock
) -> None:
    client, world, version = _facilitator_polled(watched, "")
    with write_session(app_state(client).engine) as db:
        db.execute(
            update(FocusSession)
            .where(FocusSession.id == world.session_a)  # type: ignore[arg-type]
            .values(facilitator_id=world.users["lead_a"])
        )

    clock.move(EVERY + 0.01)
    after = _poll(client, room(world), version)

    assert after.status_code == 404


def test_a_session_due_to_be_marked_seen_is_left_to_the_route_which_marks_it(
    watched: tuple[TestClient, World], clock: Clock
) -> None:
    client, world, version = _facilitator_polled(watched, "/screen")
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    state = app_state(client)
    with write_session(state.engine) as db:
        db.execute(update(StaffSession).values(last_seen_at=two_minutes_ago))

    clock.move(EVERY + 0.01)
    after = _poll(client, f"{room(world)}/screen", version)

    assert after.status_code == 204
    with write_session(state.engine) as db:
        (seen,) = db.execute(StaffSession.__table__.select()).all()  # type: ignore[attr-defined]
    assert seen.last_seen_at.replace(tzinfo=None) > two_minutes_ago.replace(tzinfo=None)


def test_the_watch_is_off_at_zero(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    _poll(client, f"{room(world)}/screen")

    watch = app_state(client).room_watch
    assert not watch.enabled and len(watch) == 0
