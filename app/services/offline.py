"""Tablets that keep working offline (issue 15): the join pass, people who join while the Wi-Fi is down, and
what each tablet says it still holds.

**The join pass.** A tablet that joins a session online (``POST /api/join``) also gets a *join pass*: the
session's id, when the pass expires (`offline_pass_hours` after joining) and a random nonce, signed with the
service's secret key. The tablet keeps it with the session's questionnaire.

**Joining offline.** When the next person on a tablet starts while it is offline, the tablet makes their
participant token itself: 256 random bits from the browser's cryptographic generator, exactly like the tokens
the server makes. Their answers queue under that token. When the tablet reconnects, it sends them with the
token and the pass (header ``Join-Pass``). A token the server does not know is admitted as a new participant
of the pass's session, once, only if:

- the pass's signature is right: only the server can make one, and only for a session a tablet joined while
  it was open (joining needs the code and an open session);
- the pass has not expired, and the session is still open or locked (a locked session is how a facilitator
  waits for tablets: it takes no one new in the room, but people a tablet took in offline are let in);
  never a draft, never a closed session (410: the tablet drops the answers and says so);
- the pass has brought in fewer than `offline_pass_participants` people, so a leaked pass cannot flood a room.

Why a token cannot be replayed into another session: the pass names its session and is signed, so it cannot
be edited to name another; a token, once admitted, belongs to the session it was admitted into (its hash is
unique), and every later request with it, whatever pass comes with it, acts in that session only. A pass
copied to another device lets that device add people only to the same session, only within its life and cap,
which is what the join code on the room's screen already allows anyone in the room.

**Waiting on tablets.** Every request from the outbox says how many other answers the tablet still holds
(header ``Outbox-Waiting``); the last report of each pass is kept (`TabletOutbox`, written in the answers'
own transaction) and the room adds them up.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import write_session
from app.db.tables import FocusSession, Participant
from app.errors import Conflict, NotAuthenticated, SessionClosed
from app.identity import secret_hash
from app.schemas.responses import ResponsesOut
from app.services.runtime import Runtime
from app.services.submissions import SubmissionWriter
from app.store.responses import Submission
from app.store.tablet_outboxes import OutboxReport

PASS_HEADER = "Join-Pass"
WAITING_HEADER = "Outbox-Waiting"
_PREFIX = "p1"
#: A token a tablet makes: at least 128 bits as URL-safe base64 (the server's own have 256).
_CLIENT_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,200}")
_MAX_WAITING = 100_000


@dataclass(frozen=True)
class JoinPass:
    """A verified pass: its session, when it expires, and its hash (what the database keeps of it)."""

    session_id: int
    expires_at: datetime
    digest: str


@dataclass(frozen=True)
class IssuedPass:
    value: str
    expires_at: datetime


def issue_pass(runtime: Runtime, *, session_id: int) -> IssuedPass:
    """A new join pass for a tablet that has just joined `session_id`."""
    expires_at = utcnow() + timedelta(hours=runtime.settings.offline_pass_hours)
    body = f"{_PREFIX}.{session_id}.{int(expires_at.timestamp())}.{secrets.token_urlsafe(16)}"
    return IssuedPass(value=f"{body}.{_signature(runtime.secret_key, body)}", expires_at=expires_at)


def read_pass(runtime: Runtime, value: str | None) -> JoinPass | None:
    """The pass `value` stands for, or None for no pass, a forged or edited one, or one that has expired."""
    if not value or len(value) > 300:
        return None
    body, _, signature = value.rpartition(".")
    parts = body.split(".")
    if len(parts) != 4 or parts[0] != _PREFIX or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if not hmac.compare_digest(signature, _signature(runtime.secret_key, body)):
        return None
    expires_at = datetime.fromtimestamp(int(parts[2]), tz=UTC)
    if expires_at <= utcnow():
        return None
    return JoinPass(session_id=int(parts[1]), expires_at=expires_at, digest=secret_hash(value))


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, f"offline-join-pass|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def waiting_report(join_pass: JoinPass | None, header: str | None) -> OutboxReport | None:
    """What a tablet said it still holds, when it sent a valid pass and a count."""
    if join_pass is None or header is None or not header.strip().isdigit():
        return None
    return OutboxReport(
        join_pass=join_pass.digest,
        session_id=join_pass.session_id,
        waiting=min(int(header.strip()), _MAX_WAITING),
    )


async def save_from_tablet(
    writer: SubmissionWriter, runtime: Runtime, submission: Submission, join_pass: JoinPass | None
) -> ResponsesOut:
    """Save a submission; a token the server does not know yet is first admitted with its pass (see the
    module docstring), then the submission is saved as any other.

    :raises SessionClosed: the session has closed (drop the answers); :raises NotAuthenticated: no valid
    token and no pass that admits it; :raises Conflict: the pass has brought in as many people as it may.
    """
    try:
        return await writer.save(submission)
    except SessionClosed:
        raise
    except NotAuthenticated:
        if join_pass is None or not submission.token:
            raise
    await anyio.to_thread.run_sync(
        functools.partial(admit, runtime, token=submission.token, join_pass=join_pass)
    )
    return await writer.save(submission)


def admit(runtime: Runtime, *, token: str, join_pass: JoinPass) -> None:
    """Make `token` a participant of the pass's session, unless it already is one (of any session)."""
    if not _CLIENT_TOKEN.fullmatch(token):
        raise NotAuthenticated("A participant token made offline must be at least 128 random bits.")
    token_hash = secret_hash(token)
    try:
        with write_session(runtime.engine) as db:
            if db.scalar(select(col(Participant.id)).where(col(Participant.token_hash) == token_hash)):
                return  # already admitted (a retry, or another request got there first)
            _check_may_admit(db, runtime, join_pass)
            now = utcnow()
            db.add(
                Participant(
                    session_id=join_pass.session_id,
                    token_hash=token_hash,
                    joined_at=now,
                    last_seen_at=now,
                    join_pass=join_pass.digest,
                )
            )
    except IntegrityError:
        return  # a request with the same token admitted it at the same moment


def _check_may_admit(db: Session, runtime: Runtime, join_pass: JoinPass) -> None:
    focus = db.get(FocusSession, join_pass.session_id)
    if focus is None or focus.state == SessionState.DRAFT:
        raise NotAuthenticated("That join pass is not valid. Join the session again with its code.")
    if focus.state == SessionState.CLOSED:
        raise SessionClosed("This session is closed: it takes no more answers.")
    brought = db.scalar(
        select(func.count()).select_from(Participant).where(col(Participant.join_pass) == join_pass.digest)
    )
    if int(brought or 0) >= runtime.settings.offline_pass_participants:
        raise Conflict(
            "This tablet has already brought in as many people as one join pass may. Join again with the "
            "session's code while online."
        )
