"""A database that stops answering: 503 with a clear message (JSON for the API, a page for people), and the
service recovers by itself once the database is back, without a restart.

The in-process tests pin the mapping of database errors to 503; the others run `rainbow serve` and take its
database away for real: on SQLite the folder holding the file is moved away (root ignores file modes, so
chmod cannot do it), on PostgreSQL the network between them is cut by a proxy, or the server ends the app's
connections itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError

from app.config import Settings
from app.db.engine import sqlite_file_answers, write_session
from app.db.tables import FocusSession
from app.main import create_app
from app.store import participants
from app.web.auth import PARTICIPANT_COOKIE
from tests.faults.conftest import SECRET, Room, Server, TcpProxy, engine_for, make_room

UNAVAILABLE = "The database is not answering; try again in a minute."
GROUPS = [("practitioner", "orange,green")]
ANSWERS = {"answers": [{"item": "orange.practitioner.1", "rating": 4}], "submit": False}
HTML = {"Accept": "text/html,application/xhtml+xml"}


# --- the mapping, in process -------------------------------------------------------------------------------


@pytest.fixture
def raising_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app whose routes raise what a driver raises when the database is gone, and an integrity error."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    settings = Settings(_env_file=None, database_url=url, secret_key=SECRET)  # type: ignore[call-arg]
    app = create_app(settings)
    gone = OperationalError("SELECT 1", {}, Exception("connection refused: secret-host:5432"))

    @app.get("/api/gone")
    @app.get("/gone")
    def database_gone() -> None:
        raise gone

    @app.get("/api/clash")
    def clash() -> None:
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: secret_table"))

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_api_answers_503_with_json_when_the_database_is_gone(raising_client: TestClient) -> None:
    response = raising_client.get("/api/gone")
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE}
    assert response.headers["retry-after"] == "60"
    assert "secret" not in response.text


def test_page_answers_503_with_a_friendly_page_when_the_database_is_gone(raising_client: TestClient) -> None:
    response = raising_client.get("/gone", headers=HTML)
    assert_friendly_503(response)


def test_an_integrity_error_is_still_our_fault_not_the_databases(raising_client: TestClient) -> None:
    response = raising_client.get("/api/clash")
    assert response.status_code == 500
    assert "secret" not in response.text


def test_sqlite_probe_fails_for_a_missing_file_and_creates_nothing(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'missing.db'}")
    try:
        assert not sqlite_file_answers(engine)
    finally:
        engine.dispose()
    assert not (tmp_path / "missing.db").exists()


def assert_friendly_503(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "The service is not available just now" in response.text
    assert UNAVAILABLE.replace("'", "&#39;") in response.text
    for internal in ("Traceback", "secret", "OperationalError", "sqlite3", "psycopg"):
        assert internal not in response.text


# --- a real server ------------------------------------------------------------------------------------------


def join_in_process(database_url: str, room: Room) -> str:
    """A participant token, made without the server (so it holds no connection to the database yet)."""
    engine = engine_for(database_url)
    try:
        with write_session(engine) as db:
            focus = db.get(FocusSession, room.sessions[0].id)
            assert focus is not None
            return participants.join(db, focus=focus).token
    finally:
        engine.dispose()


def assert_unavailable(server: Server, token: str) -> None:
    health = httpx.get(f"{server.base_url}/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "detail": "the database is not answering"}
    api = put_answers(server, token, key="k1")
    assert api.status_code == 503
    assert api.json() == {"detail": UNAVAILABLE}
    assert_friendly_503(respondent_page(server, token))


def assert_available(server: Server, token: str, *, key: str) -> None:
    assert httpx.get(f"{server.base_url}/healthz", timeout=10).json() == {"status": "ok"}
    api = put_answers(server, token, key=key)
    assert api.status_code == 200, api.text
    assert respondent_page(server, token).status_code == 200


def put_answers(server: Server, token: str, *, key: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return httpx.put(f"{server.base_url}/api/responses", json=ANSWERS, headers=headers, timeout=10)


def respondent_page(server: Server, token: str) -> httpx.Response:
    """The first page a respondent sees after joining, as a browser asks for it."""
    headers = {**HTML, "Cookie": f"{PARTICIPANT_COOKIE}={token}"}
    return httpx.get(f"{server.base_url}/respond", headers=headers, timeout=10)


def test_sqlite_folder_gone_gives_503_and_recovery_needs_no_restart(
    tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'rainbow.db'}"
    room = make_room(url, groups=GROUPS)
    token = join_in_process(url, room)
    server = Server(database_url=url, directory=tmp_path)
    servers_to_stop.append(server)
    server.start()
    server.wait_ready("/api/framework")  # not /healthz: the server must not hold the file open yet
    away = tmp_path / "data-away"

    def take_away() -> None:
        folder.rename(away)
        folder.touch()  # a file where the folder was: nothing can quietly make a new, empty database there

    def bring_back() -> None:
        folder.unlink()
        away.rename(folder)

    take_away()
    assert_unavailable(server, token)
    bring_back()
    assert_available(server, token, key="k1")
    # Now a pooled connection holds the old file open and still works; /healthz must see past it.
    take_away()
    assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 503
    bring_back()
    assert_available(server, token, key="k2")
    assert server.running and server.starts == 1


@pytest.fixture
def proxied(postgres_url: str) -> Iterator[tuple[str, TcpProxy]]:
    """The test schema's URL as the app sees it, through a proxy to PostgreSQL that a test may cut."""
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    proxy.mend()
    try:
        yield direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    finally:
        proxy.cut()


def join_over_http(server: Server, room: Room) -> str:
    joined = httpx.post(f"{server.base_url}/api/join", json={"code": room.sessions[0].code}, timeout=10)
    assert joined.status_code == 200, joined.text
    token: str = joined.json()["token"]
    return token


def test_postgresql_cut_off_gives_503_and_recovery_needs_no_restart(
    postgres_url: str, proxied: tuple[str, TcpProxy], tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    app_url, proxy = proxied
    room = make_room(postgres_url, groups=GROUPS)
    server = Server(database_url=app_url, directory=tmp_path)
    servers_to_stop.append(server)
    server.start()
    server.wait_ready()
    token = join_over_http(server, room)
    assert_available(server, token, key="k0")
    proxy.cut()
    assert_unavailable(server, token)
    proxy.mend()
    assert_available(server, token, key="k1")
    assert server.running and server.starts == 1


def test_postgresql_connections_ended_by_the_server_are_replaced_on_the_next_request(
    postgres_url: str, tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    name = f"rainbow-faults-{tmp_path.name}"[:60]
    app_url = make_url(postgres_url).update_query_dict({"application_name": name})
    room = make_room(postgres_url, groups=GROUPS)
    server = Server(database_url=app_url.render_as_string(hide_password=False), directory=tmp_path)
    servers_to_stop.append(server)
    server.start()
    server.wait_ready()
    token = join_over_http(server, room)
    assert_available(server, token, key="k0")
    assert terminate_backends(postgres_url, application_name=name) >= 1
    assert_available(server, token, key="k1")  # the very next request: pool_pre_ping replaced the connection
    progress = httpx.get(
        f"{server.base_url}/api/sessions/{room.sessions[0].id}/progress",
        headers={"Authorization": f"Bearer {room.lead_token}"},
        timeout=10,
    )
    assert progress.json()["answers"] == 1
    assert server.running and server.starts == 1


def terminate_backends(database_url: str, *, application_name: str) -> int:
    engine = engine_for(database_url)
    try:
        with engine.begin() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(*) FROM ("
                    " SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
                    ") AS ended"
                ),
                {"name": application_name},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(ended)
