"""Participants: joining a session by its code, who a participant token belongs to, and a session's progress.

A participant is anonymous: joining gives a random token (256 bits) that their browser keeps in a cookie
(or an API client sends as ``Authorization: Bearer``); only its hash is stored. Nothing here says who they
are.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.core import table
from app.db.tables import Answer, FocusSession, Participant, TabletOutbox
from app.errors import Conflict, NotAuthenticated
from app.identity import secret_hash
from app.schemas.responses import Progress
from app.store.focus_sessions import normalise_code
from framework.model import Framework
from surveys import CHILD_VIEWPOINT, Item, SurveyBook


class AsksStatements(Protocol):
    """Anything that names a session's viewpoint and arcs."""

    @property
    def viewpoint(self) -> str: ...

    @property
    def arc_keys(self) -> list[str]: ...


@dataclass(frozen=True)
class LiveSession:
    """What joining needs of a session, read without loading it through the ORM (every join asks)."""

    id: int
    state: SessionState
    viewpoint: str
    arcs: str

    @property
    def arc_keys(self) -> list[str]:
        return self.arcs.split(",") if self.arcs else []


@dataclass(frozen=True)
class Joined:
    token: str
    focus: LiveSession | FocusSession
    participant_id: int


def session_items(framework: Framework, surveys: SurveyBook, focus: AsksStatements) -> list[Item]:
    """The statements of a session, arc by arc in framework order."""
    return [item for arc in focus.arc_keys for item in surveys.items(arc, focus.viewpoint)]


def find_live_session(db: Session, *, code: str) -> LiveSession | None:
    """The session with this join code, whatever its state; None for a wrong code (codes are retired when a
    session closes)."""
    normalised = normalise_code(code)
    if not normalised or "\x00" in normalised:  # no code has one, and PostgreSQL refuses it in a query
        return None
    row = db.connection().execute(_LIVE_SESSION, {"code": normalised}).first()
    return None if row is None else LiveSession(row.id, SessionState(row.state), row.viewpoint, row.arcs)


def code_was_retired(db: Session, *, code: str) -> bool:
    """Whether `code` belonged to a session that has since closed (so joining says it has finished)."""
    normalised = normalise_code(code)
    if not normalised or "\x00" in normalised:  # as in find_live_session: PostgreSQL refuses a NUL
        return False
    found = db.connection().execute(select(_SESSIONS.c.id).where(_SESSIONS.c.retired_code == normalised))
    return found.first() is not None


def join(db: Session, *, focus: LiveSession | FocusSession) -> Joined:
    """A new anonymous participant in an open session.

    :raises Conflict: when the session is not open (a draft, locked or closed room takes no one new).
    """
    if focus.state != SessionState.OPEN:
        raise Conflict(_not_open_message(focus.state, child=focus.viewpoint == CHILD_VIEWPOINT))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    added = db.connection().execute(
        _NEW_PARTICIPANT,
        {"session_id": focus.id, "token_hash": secret_hash(token), "joined_at": now, "last_seen_at": now},
    )
    participant_id: int = added.scalar_one()  # the id the insert returns
    return Joined(token=token, focus=focus, participant_id=participant_id)


def _not_open_message(state: SessionState, *, child: bool) -> str:
    """Why no one new may join, naming the one to ask as the group's own pages do."""
    who = "the grown-up running the group" if child else "the person running the group"
    if state == SessionState.DRAFT:
        return f"This session has not started yet. Ask {who} when it opens."
    if state == SessionState.LOCKED:
        return f"This session is not taking anyone new. Ask {who} if you should be in it."
    return SESSION_FINISHED


SESSION_FINISHED = "This session has finished. Thank you for taking part: no one can join it now."


def live_session(db: Session, *, session_id: int) -> FocusSession | None:
    """The session, while it is open or locked (it takes answers); None otherwise."""
    focus = db.get(FocusSession, session_id)
    if focus is None or focus.state in (SessionState.CLOSED, SessionState.DRAFT):
        return None
    return focus


def participant_for_token(db: Session, *, token: str | None) -> tuple[Participant, FocusSession]:
    """The participant and session a token belongs to, while the session still takes answers.

    :raises NotAuthenticated: for a missing or unknown token, or a closed session.
    """
    if not token:
        raise NotAuthenticated("Join a session with its code first.")
    row = db.execute(
        select(Participant, FocusSession)
        .join(FocusSession, col(FocusSession.id) == Participant.session_id)
        .where(col(Participant.token_hash) == secret_hash(token))
    ).first()
    if row is None:
        raise NotAuthenticated("That participant token is not valid. Join the session again with its code.")
    participant, focus = row
    if focus.state in (SessionState.CLOSED, SessionState.DRAFT):
        raise NotAuthenticated("This session is closed: it takes no more answers.")
    return participant, focus


# Core statements on the tables, built once: every join runs them.
_PARTICIPANTS, _SESSIONS = table(Participant), table(FocusSession)
_LIVE_SESSION = select(_SESSIONS.c.id, _SESSIONS.c.state, _SESSIONS.c.viewpoint, _SESSIONS.c.arcs).where(
    _SESSIONS.c.join_code == bindparam("code")
)
_NEW_PARTICIPANT = _PARTICIPANTS.insert().returning(_PARTICIPANTS.c.id)


def progress(
    db: Session, *, session_id: int, active_within: timedelta, now: datetime | None = None
) -> Progress:
    """A session's people in one read: joined, answering (not finished and seen within `active_within`),
    submitted, left without submitting, and quiet (the rest), with the answers so far."""
    since = (now or utcnow()) - active_within
    row = db.connection().execute(_PROGRESS, {"session_id": session_id, "since": since}).one()
    return progress_of(row)


def progress_of(row: Sequence[Any]) -> Progress:
    """The `Progress` of a row of `progress_columns` (with ``since`` bound)."""
    joined, submitted, left, answering, answers, waiting = (int(value or 0) for value in row)
    return Progress(
        joined=joined,
        answering=answering,
        submitted=submitted,
        answers=answers,
        left=left,
        quiet=joined - submitted - left - answering,
        waiting_on_tablets=waiting,
    )


_UNFINISHED = _PARTICIPANTS.c.submitted_at.is_(None)


def progress_columns(session_id: ColumnElement[int]) -> tuple[ColumnElement[Any], ...]:
    """One row of a session's progress (`progress_of`), in a statement over its participants, `session_id`
    naming the session (a parameter, or the column of an enclosing statement over the sessions)."""
    answered_by = _PARTICIPANTS.alias("answered_by")  # the subquery's own, never the enclosing statement's
    answers, outbox = table(Answer), table(TabletOutbox)
    answer_count = (
        select(func.count())
        .select_from(answers.join(answered_by, answered_by.c.id == answers.c.participant_id))
        .where(answered_by.c.session_id == session_id)
    )
    waiting = select(func.coalesce(func.sum(outbox.c.waiting), 0)).where(outbox.c.session_id == session_id)
    return (
        func.count(_PARTICIPANTS.c.id),
        func.count(_PARTICIPANTS.c.submitted_at),
        func.sum(case((_UNFINISHED & _PARTICIPANTS.c.left_at.is_not(None), 1), else_=0)),
        func.sum(
            case(
                (
                    _UNFINISHED
                    & _PARTICIPANTS.c.left_at.is_(None)
                    & (_PARTICIPANTS.c.last_seen_at >= bindparam("since")),
                    1,
                ),
                else_=0,
            )
        ),
        answer_count.scalar_subquery(),
        waiting.scalar_subquery(),
    )


# One statement for the whole of a session's progress: a room's page polls it every few seconds.
_PROGRESS = select(*progress_columns(bindparam("session_id"))).where(
    _PARTICIPANTS.c.session_id == bindparam("session_id")
)


def seen(db: Session, *, participant_id: int, at: datetime, every: timedelta = timedelta(seconds=15)) -> None:
    """Note that a participant is still there (a page of theirs was asked for), at most once per `every`."""
    db.connection().execute(
        _PARTICIPANTS.update()
        .where(_PARTICIPANTS.c.id == participant_id, _PARTICIPANTS.c.last_seen_at < at - every)
        .values(last_seen_at=at)
    )


def leave(db: Session, *, token: str | None, at: datetime) -> None:
    """The person with this token handed the tablet on (or it went idle): unless they had submitted, they
    left without submitting. Their saved answers stay."""
    if not token:
        return
    db.connection().execute(
        _PARTICIPANTS.update()
        .where(
            _PARTICIPANTS.c.token_hash == secret_hash(token),
            _PARTICIPANTS.c.submitted_at.is_(None),
            _PARTICIPANTS.c.left_at.is_(None),
        )
        .values(left_at=at)
    )


def still_here(db: Session, *, token: str | None, session_id: int) -> bool:
    """Whether this token is someone already in session `session_id` who has not handed on: joining again
    with it is the same person, not a new one."""
    if not token:
        return False
    found = db.connection().execute(
        select(_PARTICIPANTS.c.id).where(
            _PARTICIPANTS.c.token_hash == secret_hash(token),
            _PARTICIPANTS.c.session_id == session_id,
            _PARTICIPANTS.c.left_at.is_(None),
        )
    )
    return found.first() is not None


def saved_count(db: Session, *, token: str | None) -> int:
    """How many answers the person with this token has saved (to tell them what was kept)."""
    if not token:
        return 0
    answers = table(Answer)
    count = db.connection().execute(
        select(func.count())
        .select_from(answers.join(_PARTICIPANTS, _PARTICIPANTS.c.id == answers.c.participant_id))
        .where(_PARTICIPANTS.c.token_hash == secret_hash(token))
    )
    return int(count.scalar_one() or 0)


def answers_of(db: Session, *, participant_id: int) -> dict[str, Answer]:
    """A participant's saved answers by statement code, to show them again (a revisit, the review page)."""
    found = db.scalars(select(Answer).where(col(Answer.participant_id) == participant_id))
    return {answer.item_code: answer for answer in found}


def session_of_token(db: Session, *, token: str | None) -> FocusSession | None:
    """The session a participant token belongs to, whatever its state; None for a missing or unknown token
    (so a respondent page can tell "this session has finished" from "join first")."""
    if not token:
        return None
    return db.scalar(
        select(FocusSession)
        .join(Participant, col(Participant.session_id) == FocusSession.id)
        .where(col(Participant.token_hash) == secret_hash(token))
    )
