"""Emails go out through a real SMTP server, in the background; without one the link is logged for
development; a broken server is reported, never raised."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from app.config import Settings
from app.services.mail import LOGGED, SENT, Email, Mailer, deliver
from tests.mailbox import Mailbox, free_port

EMAIL = Email(
    to="new.person@example.org",
    subject="You are invited to OCW Rainbow",
    body="Choose your password here:\n\nhttp://rainbow.test/invitations/abc\n",
    link="http://rainbow.test/invitations/abc",
)


@pytest.fixture
def plain_settings() -> Settings:
    return Settings(_env_file=None, secret_key="x" * 40)  # type: ignore[call-arg]


def test_an_email_reaches_the_smtp_server_with_its_recipient_subject_and_link(
    mailbox: Mailbox, plain_settings: Settings
) -> None:
    assert deliver(mailbox.settings(plain_settings), EMAIL) == SENT
    (message,) = mailbox.wait_for(1)
    assert mailbox.recipients == [["new.person@example.org"]]
    assert (message["To"], message["Subject"]) == ("new.person@example.org", "You are invited to OCW Rainbow")
    assert mailbox.link_in(message, "/invitations/") == "/invitations/abc"


def test_the_sender_is_the_configured_from_address(mailbox: Mailbox, plain_settings: Settings) -> None:
    deliver(mailbox.settings(plain_settings, smtp_from="Rainbow <noreply@council.example>"), EMAIL)
    (message,) = mailbox.wait_for(1)
    assert message["From"] == "Rainbow <noreply@council.example>"


def test_without_an_smtp_server_the_link_is_logged_as_development_only(
    plain_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="rainbow.mail"):
        assert deliver(plain_settings, EMAIL) == LOGGED
    (record,) = caplog.records
    assert "DEVELOPMENT ONLY" in record.getMessage()
    assert "http://rainbow.test/invitations/abc" in record.getMessage()


def test_an_unreachable_smtp_server_is_reported_and_logged(
    plain_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = plain_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    with caplog.at_level(logging.ERROR, logger="rainbow.mail"):
        outcome = deliver(settings, EMAIL)
    assert outcome.startswith("failed: could not reach the SMTP server")
    assert any("not sent" in record.getMessage() for record in caplog.records)


def test_a_server_without_starttls_is_reported_when_starttls_is_asked_for(
    mailbox: Mailbox, plain_settings: Settings
) -> None:
    outcome = deliver(mailbox.settings(plain_settings, smtp_starttls=True), EMAIL)
    assert outcome.startswith("failed: the SMTP server does not offer STARTTLS")
    assert mailbox.messages == []


def test_sending_returns_at_once_while_a_silent_server_keeps_the_email_waiting(
    plain_settings: Settings,
) -> None:
    with socket.socket() as silent:  # takes the connection, never greets: an SMTP server that hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        update = {"smtp_host": "127.0.0.1", "smtp_port": silent.getsockname()[1], "smtp_timeout_seconds": 1}
        mailer = Mailer(plain_settings.model_copy(update=update), engine=None)  # type: ignore[arg-type]
        started = time.perf_counter()
        future = mailer.send(EMAIL)
        queued_in = time.perf_counter() - started
        outcome = future.result(timeout=10)
        mailer.close()
    assert queued_in < 0.1
    assert outcome.startswith("failed: the SMTP server did not answer")
