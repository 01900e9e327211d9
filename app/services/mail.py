"""Sending the service's emails (invitations, password resets) without ever making a request wait.

`Mailer.send` hands the message to one background thread and returns at once. The thread talks to the SMTP
server of `RAINBOW_SMTP_*`; when no server is configured it writes the link to the log instead, marked as for
development only. Either way the outcome is recorded on the link the email carries (`AccountLink.delivery`),
so a failure is shown to administrators beside the invitation, and it is logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import EmailMessage
from threading import Lock

from sqlalchemy import Engine

from app.config import Settings
from app.db.engine import write_session
from app.store import account_links

log = logging.getLogger("rainbow.mail")

SENT, LOGGED = "sent", "logged"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    link: str  # the one link the email carries: what the development log shows
    link_id: int | None = None  # the AccountLink whose delivery this is


class Mailer:
    """Sends emails on a background thread, one at a time, recording each outcome on its link."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rainbow-mail")
        self._pending: set[Future[str]] = set()
        self._lock = Lock()

    def send(self, email: Email) -> Future[str]:
        """Queue `email`; the future gives the delivery outcome ("sent", "logged" or "failed: …")."""
        future = self._executor.submit(self._deliver, email)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def wait_idle(self, timeout: float = 30) -> None:
        """Wait until every queued email has been dealt with (for tests and for shutting down)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _forget(self, future: Future[str]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _deliver(self, email: Email) -> str:
        outcome = deliver(self._settings, email)
        if email.link_id is not None:
            try:
                with write_session(self._engine) as db:
                    account_links.record_delivery(db, link_id=email.link_id, outcome=outcome)
            except Exception:  # the database is away: the log still says what happened
                log.exception("could not record the delivery of link %s", email.link_id)
        return outcome


def deliver(settings: Settings, email: Email) -> str:
    """Send `email` now (on the calling thread) and say how it went; never raises."""
    if not settings.smtp_host:
        log.warning(
            "DEVELOPMENT ONLY: no SMTP server is configured (RAINBOW_SMTP_HOST), so this email to %s was not "
            "sent. %s: %s",
            email.to,
            email.subject,
            email.link,
        )
        return LOGGED
    try:
        _send_smtp(settings, email)
    except (OSError, smtplib.SMTPException) as error:
        reason = _reason(error)
        log.error("email to %s not sent: %s", email.to, reason)
        return f"failed: {reason}"[:300]
    log.info("email to %s sent: %s", email.to, email.subject)
    return SENT


def _send_smtp(settings: Settings, email: Email) -> None:
    assert settings.smtp_host is not None
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(message)


def _reason(error: Exception) -> str:
    """A sentence an administrator can act on."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return "the SMTP server does not offer STARTTLS (check RAINBOW_SMTP_STARTTLS and the port)"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "the SMTP server refused the user name and password (RAINBOW_SMTP_USER, RAINBOW_SMTP_PASSWORD)"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the SMTP server did not answer, or closed the connection ({error})"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the SMTP server refused the recipient's address"
    if isinstance(error, smtplib.SMTPException):
        return f"the SMTP server answered with an error ({error})"
    return f"could not reach the SMTP server ({error.__class__.__name__}: {error})"
