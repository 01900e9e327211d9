"""What the fault tests share: real `rainbow serve` processes, a room of open focus groups, PostgreSQL
schemas.

These tests run the service as it runs in production, in processes of its own on loopback ports, so a test can
kill one with SIGKILL, start it again, or cut it off from its database, and then look at what reached the
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from app.choices import Role, SessionState
from app.config import Settings
from app.db.engine import create_db_engine, write_session
from app.db.migrate import upgrade
from app.db.tables import FocusSession, Membership, Round, Trust, User
from app.store.focus_sessions import new_join_code
from app.store.staff_sessions import create_api_token
from tests.conftest import POSTGRES_URL, fresh_database

RAINBOW = str(Path(sys.executable).with_name("rainbow"))
SECRET = "faults-secret-key-long-enough-for-every-process"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One `rainbow serve` process on a fixed loopback port, which a test may kill and start again.

    Every start appends to the same log file, so a failure can show what each life of the process said.
    """

    def __init__(self, *, database_url: str, directory: Path, name: str = "server") -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"{name}.log"
        self.directory = directory
        self.env = {
            **os.environ,
            "RAINBOW_DATABASE_URL": database_url,
            "RAINBOW_SECRET_KEY": SECRET,
            "RAINBOW_LOG_LEVEL": "warning",  # no access log: thousands of lines would slow the server
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None, "already running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [RAINBOW, "serve", "--port", str(self.port)],
                env=self.env,
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing, no goodbye; as when the machine loses power mid-request."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, path: str = "/healthz") -> None:
        """Wait until the process answers 200 at `path` (/api/framework answers without the database)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{self.base_url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            self._check_alive(deadline)
            time.sleep(0.05)

    async def wait_ready_async(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if (await http.get(f"{self.base_url}/healthz", timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            self._check_alive(deadline)
            await asyncio.sleep(0.05)

    def _check_alive(self, deadline: float) -> None:
        if not self.running:
            raise AssertionError(f"the server exited while starting:\n{self.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer in {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass(frozen=True)
class RoomSession:
    id: int
    code: str
    viewpoint: str


@dataclass(frozen=True)
class Room:
    """A trust with one round and open focus groups in it, and a lead's API token."""

    trust_id: int
    round_id: int
    lead_token: str
    sessions: tuple[RoomSession, ...]


def make_room(database_url: str, *, groups: list[tuple[str, str]]) -> Room:
    """Migrate the database, then add a trust, a round, a lead with a token and one open session per
    (viewpoint, comma-separated arcs) in `groups`."""
    settings = Settings(_env_file=None, database_url=database_url, secret_key=SECRET)  # type: ignore[call-arg]
    engine = create_db_engine(settings)
    try:
        upgrade(engine)
        with write_session(engine) as db:
            trust = Trust(name="Faultshire Children's Trust")
            db.add(trust)
            db.flush()
            assert trust.id is not None
            db_round = Round(trust_id=trust.id, name="2010 re-assessment", framework_version="2009.1")
            lead = User(email="lead@faultshire.example.org", password_hash="!token-only")
            db.add_all([db_round, lead])
            db.flush()
            assert db_round.id is not None and lead.id is not None
            db.add(Membership(user_id=lead.id, trust_id=trust.id, role=Role.LEAD))
            token = create_api_token(db, user_id=lead.id)
            sessions = []
            for number, (viewpoint, arcs) in enumerate(groups, start=1):
                focus = FocusSession(
                    round_id=db_round.id,
                    trust_id=trust.id,
                    facilitator_id=lead.id,
                    viewpoint=viewpoint,
                    arcs=arcs,
                    title=f"Group {number}",
                    state=SessionState.OPEN,
                    join_code=new_join_code(db),
                )
                db.add(focus)
                db.flush()  # so the next new_join_code sees this code
                assert focus.id is not None and focus.join_code is not None
                sessions.append(RoomSession(id=focus.id, code=focus.join_code, viewpoint=viewpoint))
            return Room(trust.id, db_round.id, token, tuple(sessions))
    finally:
        engine.dispose()


def engine_for(database_url: str) -> Engine:
    """An engine on the test's database, configured as the service configures its own."""
    settings = Settings(_env_file=None, database_url=database_url, secret_key=SECRET)  # type: ignore[call-arg]
    return create_db_engine(settings)


@pytest.fixture
def servers_to_stop() -> Iterator[list[Server]]:
    """Servers a test started; each is killed at the end, whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema (its URL sets the search_path); skipped without a test server."""
    if not POSTGRES_URL:
        pytest.skip("RAINBOW_TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    with fresh_database("postgresql", tmp_path) as url:
        yield url


class TcpProxy:
    """A loopback TCP forwarder to the database, standing in for the network between app and database.

    `cut` closes the listening socket and every forwarded connection, as when the database host goes away:
    connections in use break and new ones are refused. `mend` listens on the same port again.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def mend(self) -> None:
        assert self._listener is None
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._spawn(self._accept, self._listener)

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            open_sockets, self._sockets = list(self._sockets), set()
        for sock in open_sockets:
            _close(sock)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = [thread for thread in self._threads if thread.is_alive()]

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    _close(client)
                    _close(upstream)
                    return
                self._sockets.update((client, upstream))
            self._spawn(_pump, client, upstream)
            self._spawn(_pump, upstream, client)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
