"""The room screen follows the facilitator across app processes: two ``rainbow serve`` processes share one
PostgreSQL database; the facilitator's browser talks to one, the projected screen's to the other. The state
(revealed, which statement is on screen, the agreed rating) is in the database, so the screen follows within
two seconds all the same.

Runs when RAINBOW_TEST_DATABASE_URL names a PostgreSQL server (a new schema, dropped afterwards).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, make_url, text

from app.db.engine import database_url
from tests.browser import flows
from tests.browser.conftest import (
    DEFAULT_TIMEOUT_MS,
    DEVICES,
    _free_port,
    _rainbow,
    _server_env,
    _wait_until_healthy,
)
from tests.browser.test_room import FOLLOW_SECONDS, answer_from_own_device, screen_follows, shot

pytestmark = pytest.mark.browser
POSTGRES_URL = os.environ.get("RAINBOW_TEST_DATABASE_URL", "")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two `rainbow serve` processes on one PostgreSQL schema with the demo loaded: their base URLs."""
    if not POSTGRES_URL:
        pytest.skip("RAINBOW_TEST_DATABASE_URL is not set: no PostgreSQL to share between two processes")
    schema = f"room_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    directory = tmp_path_factory.mktemp("two-processes")
    scoped = make_url(database_url(POSTGRES_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    env = {**_server_env(directory), "RAINBOW_DATABASE_URL": scoped.render_as_string(hide_password=False)}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in (["migrate"], ["demo"]):
            subprocess.run([_rainbow(), *command], env=env, cwd=directory, check=True, capture_output=True)
        urls = []
        for name in ("a", "b"):
            port, log = _free_port(), directory / f"server-{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [_rainbow(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    cwd=directory,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            _wait_until_healthy(process, f"http://127.0.0.1:{port}", log)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _page(browser: Browser, base_url: str) -> Page:
    context = browser.new_context(base_url=base_url, **DEVICES["tablet"])
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def test_the_screen_on_one_process_follows_the_facilitator_on_another(
    browser: Browser, two_servers: tuple[str, str]
) -> None:
    one, other = two_servers
    facilitator, screen = _page(browser, one), _page(browser, other)
    try:
        flows.take_late_answers(_page(browser, one))
        flows.sign_in(facilitator, flows.FACILITATOR)
        room = flows.create_session(facilitator, viewpoint="child", arcs=["orange"], title="Two processes")
        flows.sign_in(screen, flows.FACILITATOR)
        screen.goto(f"{room.path}/screen")
        for number in range(5):  # each child's device talks to either process
            answer_from_own_device((one, other)[number % 2], room.code, {"orange.child.1": number % 5 + 1})
        expect(screen.locator(".screen-joined")).to_have_text("5 joined \u00b7 5 finished", timeout=3_000)

        facilitator.goto(room.path)
        facilitator.get_by_role("button", name="Reveal the room's answers").click()
        texts = facilitator.locator("#statements article .muted").filter(has_text="Children read")
        first = texts.nth(0).inner_text().split("\u201c", 1)[1].rstrip("\u201d")
        second = texts.nth(1).inner_text().split("\u201c", 1)[1].rstrip("\u201d")
        timings = [screen_follows(screen, first)]
        expect(screen.locator(".screen-chart figcaption")).to_have_text("What the room said: 5 answers")
        facilitator.locator("#onscreen").get_by_role("button", name="Next").click()
        timings.append(screen_follows(screen, second))
        facilitator.locator("#onscreen").get_by_role("button", name="Previous").click()
        timings.append(screen_follows(screen, first))
        statement = facilitator.locator("#item-orange-child-1")
        statement.get_by_label("The group's agreed rating").select_option("3")
        statement.get_by_role("button", name="Save").click()
        started = time.monotonic()
        expect(screen.locator(".screen-agreed")).to_have_text(
            "The group agreed: 3 \u2013 Sometimes", timeout=FOLLOW_SECONDS * 1000
        )
        timings.append(time.monotonic() - started)
        shot(screen, "8-two-processes-screen-on-the-other-process")
        assert max(timings) < FOLLOW_SECONDS, timings
    finally:
        for page in (facilitator, screen):
            page.context.close()
