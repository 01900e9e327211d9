"""A real SMTP server for the tests (aiosmtpd), and the emails it received, read back as messages.

`mailbox` starts a server on a free local port for one test; `mailbox.settings(settings)` points the app's
settings at it.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from app.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Mailbox:
    """What the SMTP server received: each message, with the envelope's recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.port = 0
        self._arrived = threading.Condition()

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:  # aiosmtpd calls it by this name
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def settings(self, settings: Settings, **changes: Any) -> Settings:
        """`settings` sending through this server (plain SMTP: the test server has no certificate)."""
        smtp = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_starttls": False,
            "smtp_timeout_seconds": 5,
        }
        return settings.model_copy(update={**smtp, **changes})

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """The first `count` messages, once they have arrived."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} emails arrived"
        return self.messages[:count]

    @staticmethod
    def link_in(message: EmailMessage, path: str) -> str:
        """The path (from `path` on) of the link the email carries."""
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]*)", body.get_content())
        assert found, body.get_content()
        return found.group(1)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
