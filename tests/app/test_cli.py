"""The rainbow command: check-framework, migrate and serve, as a user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.cli.running import forwarding
from app.config import Settings
from app.db.migrate import head_revision
from framework.model import DEFAULT_FRAMEWORK_FILE
from tests.apps import build_app
from tests.factories import PASSWORD

RAINBOW = str(Path(sys.executable).with_name("rainbow"))


def broken_copy(tmp_path: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))
    del raw["arcs"][3]["success"]["team"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_check_framework_passes_the_shipped_data_with_a_summary() -> None:
    result = CliRunner().invoke(cli, ["check-framework"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "ok: ocw.yaml version 2009.1: 8 arcs, 5 viewpoints, 5-point scale; "
        "40 questionnaires with 200 statements"
    )


def test_check_framework_names_the_file_and_the_missing_viewpoint(tmp_path: Path) -> None:
    completed = subprocess.run(
        [RAINBOW, "check-framework", "--framework", str(broken_copy(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert "broken.yaml: arcs[3].success: missing viewpoint 'team'" in completed.stderr
    assert "broken.yaml is not valid: 1 problem" in completed.stderr


def test_check_framework_reports_questionnaire_problems(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "red.yaml").write_text("arc: red\nitems: {}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-framework", "--surveys", str(surveys)])
    assert result.exit_code == 1
    assert "red.yaml: items.team: no statements for viewpoint 'team'" in result.stderr
    assert "surveys: no questionnaire for arc 'pink' (expected pink.yaml)" in result.stderr


def test_migrate_creates_the_database_at_the_latest_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAINBOW_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'rainbow.db'}")
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"database at revision {head_revision()}" in result.stdout
    assert (tmp_path / "var" / "rainbow.db").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(tmp_path: Path, **settings: str) -> Iterator[str]:
    """`rainbow serve` on a free port of a migrated database, with these environment variables; its URL."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "RAINBOW_DATABASE_URL": f"sqlite:///{tmp_path / 'rainbow.db'}",
        **settings,
    }
    subprocess.run([RAINBOW, "migrate"], env=env, check=True, capture_output=True)
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([RAINBOW, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_serve_answers_on_the_port_it_is_given(tmp_path: Path) -> None:
    with served(tmp_path) as url:
        assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
        assert httpx.get(f"{url}/", timeout=5).status_code == 200


def wrong_codes_from_rotating_addresses(url: str) -> list[int]:
    return [
        httpx.post(
            f"{url}/api/join",
            json={"code": "ZZZZZZZ"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
            timeout=10,
        ).status_code
        for n in range(4)
    ]


LOW_JOIN_LIMITS = {"RAINBOW_JOIN_FAILURE_LIMIT": "3", "RAINBOW_JOIN_NETWORK_FAILURE_LIMIT": "3"}


def test_serve_ignores_forwarded_addresses_by_default(tmp_path: Path) -> None:
    with served(tmp_path, **LOW_JOIN_LIMITS) as url:
        statuses = wrong_codes_from_rotating_addresses(url)
    assert statuses == [404, 404, 429, 429]  # every try counted against 127.0.0.1, whatever the header said


def test_serve_believes_forwarded_addresses_from_the_configured_proxies(tmp_path: Path) -> None:
    with served(tmp_path, RAINBOW_FORWARDED_ALLOW_IPS="127.0.0.1", **LOW_JOIN_LIMITS) as url:
        statuses = wrong_codes_from_rotating_addresses(url)
    assert statuses == [404, 404, 404, 404]  # each forwarded address is a client of its own


def test_forwarded_headers_are_off_unless_proxies_are_named() -> None:
    assert forwarding(Settings()) == {"proxy_headers": False}
    named = Settings(forwarded_allow_ips=" 10.0.0.5,10.1.0.0/16 ")
    assert forwarding(named) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.1.0.0/16"}


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'rainbow.db'}"
    monkeypatch.setenv("RAINBOW_DATABASE_URL", url)
    assert CliRunner().invoke(cli, ["migrate"]).exit_code == 0
    return url


def test_create_user_makes_an_admin_who_can_get_a_token(cli_database: str) -> None:
    created = CliRunner().invoke(cli, ["create-user", "Boss@Example.org", "--password", PASSWORD, "--admin"])
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "created boss@example.org (site administrator)"
    result = CliRunner().invoke(cli, ["create-token", "boss@example.org"])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("rbw_") and len(token) > 40
    with TestClient(build_app()) as client:
        response = client.post(
            "/api/trusts", json={"name": "Oxfordshire"}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201


def test_create_user_with_a_trust_and_role(cli_database: str) -> None:
    CliRunner().invoke(cli, ["create-user", "admin@example.org", "--password", PASSWORD, "--admin"])
    token = CliRunner().invoke(cli, ["create-token", "admin@example.org"]).stdout.strip().splitlines()[-1]
    with TestClient(build_app()) as client:
        trust = client.post(
            "/api/trusts", json={"name": "Brighton"}, headers={"Authorization": f"Bearer {token}"}
        )
    result = CliRunner().invoke(
        cli,
        [
            "create-user",
            "lead@example.org",
            "--password",
            PASSWORD,
            "--trust",
            str(trust.json()["id"]),
            "--role",
            "lead",
        ],
    )
    assert result.exit_code == 0, result.output
    lead_token = CliRunner().invoke(cli, ["create-token", "lead@example.org"]).stdout.strip().splitlines()[-1]
    with TestClient(build_app()) as client:
        me = client.get("/api/me", headers={"Authorization": f"Bearer {lead_token}"}).json()
    assert me["memberships"] == [{"user_id": me["id"], "trust_id": trust.json()["id"], "role": "lead"}]


def test_create_user_refuses_a_weak_password_and_creates_nothing(cli_database: str) -> None:
    result = CliRunner().invoke(cli, ["create-user", "a@example.org", "--password", "short"])
    assert result.exit_code == 2
    assert "password" in result.stderr and "12 characters" in result.stderr
    assert CliRunner().invoke(cli, ["create-token", "a@example.org"]).exit_code == 2


def test_create_user_refuses_an_unknown_role(cli_database: str) -> None:
    result = CliRunner().invoke(
        cli, ["create-user", "a@example.org", "--password", PASSWORD, "--trust", "1", "--role", "boss"]
    )
    assert result.exit_code == 2
    assert "--role must be one of lead, facilitator, viewer" in result.stderr


def test_create_user_refuses_an_unknown_trust_and_creates_nothing(cli_database: str) -> None:
    result = CliRunner().invoke(
        cli, ["create-user", "a@example.org", "--password", PASSWORD, "--trust", "99", "--role", "lead"]
    )
    assert result.exit_code == 2
    assert "There is no trust with that id." in result.stderr
    assert CliRunner().invoke(cli, ["create-token", "a@example.org"]).exit_code == 2


def test_create_token_for_an_unknown_account_fails(cli_database: str) -> None:
    result = CliRunner().invoke(cli, ["create-token", "nobody@example.org"])
    assert result.exit_code == 2
    assert "no active account for nobody@example.org" in result.stderr
