"""A real OpenID provider for the tests: tests/oidc/provider.mjs (the `oidc-provider` package from npm, a
devDependency) run by Node on a free local port, and a person signing in at it as a browser would."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.mailbox import free_port

SCRIPT = Path(__file__).parent / "oidc" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "rainbow", "client-secret-for-tests-only"
OTHER_CLIENT_ID = "another-service"
CALLBACK = "http://testserver/login/oidc/callback"
ACCOUNTS = {
    "alice": {"email": "alice@council.example", "email_verified": True},  # invited
    "bob": {"email": "bob@council.example", "email_verified": False},  # invited, email not verified
    "carol": {"email": "carol@council.example", "email_verified": True},  # never invited
    "dave": {"email": "dave@elsewhere.example", "email_verified": True},  # invited, another domain
}


@dataclass(frozen=True)
class OpenIdProvider:
    issuer: str

    def sign_in(self, authorization_url: str, login: str) -> str:
        """Sign in at the provider as `login` and consent; the callback's path and query it sends back."""
        with httpx.Client(timeout=10) as browser:
            url = authorization_url
            for _ in range(12):
                if url.startswith(CALLBACK):
                    return url.removeprefix("http://testserver")
                response = browser.get(url) if not url.endswith(("/login", "/confirm")) else None
                assert response is not None
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    continue
                url = self._submit_interaction(browser, url, response.text, login)
            raise AssertionError("the provider never sent the browser back")

    @staticmethod
    def _submit_interaction(browser: httpx.Client, url: str, page: str, login: str) -> str:
        form = BeautifulSoup(page, "html.parser").find("form")
        assert form is not None, page[:500]
        data = {str(i["name"]): str(i.get("value", "")) for i in form.find_all("input") if i.get("name")}
        if "login" in data:
            data.update(login=login, password="any password")
        answer = browser.post(urljoin(url, str(form["action"])), data=data)
        assert answer.is_redirect, answer.text[:500]
        return urljoin(url, answer.headers["location"])


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[OpenIdProvider]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to run the OpenID provider the single sign-on tests use")
    port = free_port()
    config = {
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]},
            {"client_id": OTHER_CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]},
        ],
        "accounts": ACCOUNTS,
    }
    process = subprocess.Popen(
        [node, str(SCRIPT), str(port), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", "the OpenID provider did not start"
        yield OpenIdProvider(issuer=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
