"""Fixtures for the browser tests: a real server process, Debian's Chromium driven by Playwright, axe-core.

The server is ``rainbow serve`` on a free port, with a fresh SQLite database that ``rainbow migrate`` and
``rainbow demo`` have prepared, so the pages are exercised exactly as a facilitator, a child or a trust lead
would meet them. Without Chromium (or axe-core from npm) the tests skip on a developer's machine and fail in
CI (where the environment variable CI or BROWSER_TESTS_REQUIRED is set; .ci/run sets the latter), so a CI
run can never pass by skipping them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser import flows

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SECRET_KEY = "browser-tests-secret-key-that-is-long-enough"
SERVER_START_SECONDS = 30
DEFAULT_TIMEOUT_MS = 15_000

# The two devices respondents and staff use: a tablet handed round a focus group, and a phone.
DEVICES: dict[str, dict[str, Any]] = {
    "tablet": {"viewport": {"width": 810, "height": 1080}, "has_touch": True, "is_mobile": True},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


def require(ready: bool, message: str) -> None:
    """Skip when something the browser tests need is missing; in CI, fail instead."""
    if ready:
        return
    required = os.environ.get("CI", "") or os.environ.get("BROWSER_TESTS_REQUIRED", "")
    if required.lower() not in ("", "0", "false"):
        pytest.fail(f"{message} (CI is set, so the browser tests may not skip)", pytrace=False)
    pytest.skip(message)


# --- the server --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rainbow() -> str:
    """The ``rainbow`` command installed next to this interpreter."""
    command = shutil.which("rainbow", path=str(Path(sys.executable).parent))
    assert command is not None, "the rainbow command is missing: pip install -e '.[dev]'"
    return command


def _server_env(directory: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("RAINBOW_")}
    env.update(
        RAINBOW_DATABASE_URL=f"sqlite:///{directory / 'rainbow.db'}",
        RAINBOW_SECRET_KEY=SECRET_KEY,
        RAINBOW_SECRET_KEY_FILE=str(directory / "secret_key"),
        RAINBOW_LOG_LEVEL="warning",
    )
    return env


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rainbow serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"rainbow serve did not answer {url}/healthz in {SERVER_START_SECONDS} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of ``rainbow serve`` with the demo trust loaded, for the whole session."""
    directory = tmp_path_factory.mktemp("server")
    env = _server_env(directory)
    for command in (["migrate"], ["demo"]):
        subprocess.run([_rainbow(), *command], env=env, cwd=directory, check=True, capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [_rainbow(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing: install Debian's chromium: apt-get install -y chromium",
    )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


class Contexts:
    """Separate browser contexts (each a person with their own cookies) against the test server."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list[BrowserContext] = []

    def page(self, device: str = "tablet", *, javascript: bool = True) -> Page:
        """A new page in a new context, as a person picking up a `device` ("tablet" or "phone")."""
        context = self.browser.new_context(
            base_url=self.base_url, java_script_enabled=javascript, accept_downloads=True, **DEVICES[device]
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.opened.append(context)
        return context.new_page()

    def screenshot(self, name: str) -> list[Path]:
        """A full-page screenshot of every open page into test-artifacts/, for a failed test."""
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
        saved: list[Path] = []
        for number, page in enumerate(p for context in self.opened for p in context.pages):
            path = ARTIFACTS / f"{stem}-{number}.png"
            try:
                page.screenshot(path=path, full_page=True)
            except Exception:  # a crashed page: keep what the others show
                continue
            saved.append(path)
        return saved

    def close(self) -> None:
        for context in self.opened:
            context.close()
        self.opened.clear()


@pytest.fixture(scope="session")
def late_answers(browser: Browser, server: str) -> None:
    """The demo's 2010 round, published by the demo, reopened by its lead once for the whole session, so
    that the flows can start new focus groups in it."""
    context = browser.new_context(base_url=server)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        flows.take_late_answers(context.new_page())
    finally:
        context.close()


@pytest.fixture
def contexts(browser: Browser, server: str, late_answers: None) -> Iterator[Contexts]:
    opened = Contexts(browser, server)
    yield opened
    opened.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep a screenshot of every page a failed browser test had open (the contexts are still open here)."""
    report: pytest.TestReport = yield
    opened = getattr(item, "funcargs", {}).get("contexts")
    if report.when == "call" and report.failed and isinstance(opened, Contexts):
        saved = opened.screenshot(item.nodeid.split("::", 1)[-1])
        if saved:
            report.sections.append(("screenshots", "\n".join(str(path) for path in saved)))
    return report  # type: ignore[return-value]


# --- accessibility -----------------------------------------------------------------------------------------


# Violations we know of and accept for now, by axe rule and the pages where they are accepted, with why.
ACCEPTED: dict[str, tuple[str, ...]] = {
    # Rules accepted on some pages, each with its reason. None at present: the respondent pages' idle return
    # now warns a minute before and offers more time (respond.js); only without JavaScript is it a refresh.
}


@dataclass
class Axe:
    """axe-core run on pages; serious and critical violations are kept, by page, for one assertion."""

    source: str
    found: dict[str, list[str]] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page) -> None:
        # page.evaluate runs through the DevTools protocol, which the page's CSP does not govern, whereas
        # add_script_tag would add an inline <script> that the CSP (rightly) refuses.
        page.evaluate(self.source)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        where = flows.url_path(page)
        self.checked.append(where)
        serious = [
            v
            for v in violations
            if v.get("impact") in ("serious", "critical") and not _accepted(v["id"], where)
        ]
        if serious:
            self.found.setdefault(where, []).extend(_describe(v) for v in serious)

    def report(self) -> str:
        lines = [f"{len(self.found)} of {len(self.checked)} pages have serious or critical violations:"]
        for where, violations in self.found.items():
            lines.append(f"{where}:")
            lines.extend(f"  {v}" for v in violations)
        return "\n".join(lines)


def _accepted(rule: str, where: str) -> bool:
    return any(where.startswith(prefix) for prefix in ACCEPTED.get(rule, ()))


def _describe(violation: dict[str, Any]) -> str:
    nodes = [
        {
            "target": node.get("target"),
            "html": node.get("html", "")[:200],
            "summary": node.get("failureSummary"),
        }
        for node in violation.get("nodes", [])[:5]
    ]
    return f"[{violation['impact']}] {violation['id']}: {violation['help']}\n    " + json.dumps(
        nodes, indent=1
    )


@pytest.fixture(scope="session")
def axe_source() -> str:
    require(AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci` (make test does)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Axe:
    return Axe(source=axe_source)


# --- focus groups ready to join ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenSessions:
    """A children's session and a practitioners' session of the demo trust's 2010 round, open to join."""

    child_code: str
    staff_code: str


@pytest.fixture(scope="session")
def open_sessions(browser: Browser, server: str, late_answers: None) -> OpenSessions:
    context = browser.new_context(base_url=server)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        flows.sign_in(page, flows.FACILITATOR)
        child = flows.create_session(
            page, viewpoint="child", arcs=["orange"], title="Browser tests: children"
        )
        staff = flows.create_session(
            page, viewpoint="practitioner", arcs=["orange", "green"], title="Browser tests: practitioners"
        )
        return OpenSessions(child_code=child.code, staff_code=staff.code)
    finally:
        context.close()
