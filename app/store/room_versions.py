"""What a room's polls are keyed on (`app.web.fragments`): one small read that tells whether anything the
room screen or the room page's progress could show has changed, without working out what it shows.

A screen polls every second, so the read is one statement, built once as Core on the tables: the session's
row with, beside it, who joined and submitted and a signature of the room's answers, of the figures it saw
last and of its agreed ratings. A signature is a count with the latest write: every write of an answer or an
agreed rating sets its ``updated_at`` to the time of the write, so a new, changed or removed row changes one
of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from app.db.columns import utcnow
from app.db.core import table
from app.db.disclosure_tables import Disclosure
from app.db.tables import Answer, Consensus, FocusSession, Participant
from app.errors import NotFound
from app.identity import Staff
from app.schemas.responses import Progress
from app.store.disclosures import REVEAL
from app.store.focus_sessions import PolledSession, check_runs, polled_from_row
from app.store.participants import PROGRESS_COLUMNS, progress_of

_SESSIONS, _PARTICIPANTS, _ANSWERS = table(FocusSession), table(Participant), table(Answer)
_CONSENSUS, _DISCLOSURES = table(Consensus), table(Disclosure)

_OF_SESSION = _PARTICIPANTS.c.session_id == _SESSIONS.c.id
_ROOM_ANSWERS = _ANSWERS.join(_PARTICIPANTS, _PARTICIPANTS.c.id == _ANSWERS.c.participant_id)
_SCREEN_STATE = select(
    _SESSIONS,
    select(func.count()).where(_OF_SESSION).scalar_subquery().label("joined"),
    select(func.count(_PARTICIPANTS.c.submitted_at)).where(_OF_SESSION).scalar_subquery().label("submitted"),
    select(func.count()).select_from(_ROOM_ANSWERS).where(_OF_SESSION).scalar_subquery().label("answers"),
    select(func.max(_ANSWERS.c.updated_at))
    .select_from(_ROOM_ANSWERS)
    .where(_OF_SESSION)
    .scalar_subquery()
    .label("answered_at"),
    select(func.max(_DISCLOSURES.c.id))
    .where(_DISCLOSURES.c.session_id == _SESSIONS.c.id, _DISCLOSURES.c.kind == REVEAL)
    .scalar_subquery()
    .label("last_reveal"),
    select(func.count()).where(_CONSENSUS.c.session_id == _SESSIONS.c.id).scalar_subquery().label("agreed"),
    select(func.max(_CONSENSUS.c.updated_at))
    .where(_CONSENSUS.c.session_id == _SESSIONS.c.id)
    .scalar_subquery()
    .label("agreed_at"),
).where(_SESSIONS.c.id == bindparam("id"))


@dataclass(frozen=True)
class ScreenState:
    """The session as its screen's poll reads it, and what decides the screen's figures."""

    session: PolledSession
    joined: int
    submitted: int
    room: tuple[object, ...]  # the signatures of the answers, the last figures seen and the agreed ratings


def screen_state(db: Session, *, staff: Staff, session_id: int) -> ScreenState:
    """The session (as `focus_sessions.polled_session`) with who joined and submitted, and the signatures of
    its answers, of the last figures it saw (the ledger's last reveal) and of its agreed ratings.

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    row = db.connection().execute(_SCREEN_STATE, {"id": session_id}).one_or_none()
    if row is None:
        raise NotFound("There is no session with that id.")
    check_runs(staff, trust_id=row.trust_id, facilitator_id=row.facilitator_id)
    room = (row.answers, row.answered_at, row.last_reveal, row.agreed, row.agreed_at)
    return ScreenState(polled_from_row(row), int(row.joined), int(row.submitted), room)


_PROGRESS_STATE = (
    select(_SESSIONS.c.trust_id, _SESSIONS.c.facilitator_id, *PROGRESS_COLUMNS)
    .select_from(_SESSIONS.outerjoin(_PARTICIPANTS, _OF_SESSION))
    .where(_SESSIONS.c.id == bindparam("session_id"))
    .group_by(_SESSIONS.c.id, _SESSIONS.c.trust_id, _SESSIONS.c.facilitator_id)
)


def progress_state(db: Session, *, staff: Staff, session_id: int, active_within: timedelta) -> Progress:
    """The session's progress (`participants.progress`), read with the check that `staff` may run it.

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    since = utcnow() - active_within
    row = db.connection().execute(_PROGRESS_STATE, {"session_id": session_id, "since": since}).one_or_none()
    if row is None:
        raise NotFound("There is no session with that id.")
    check_runs(staff, trust_id=row.trust_id, facilitator_id=row.facilitator_id)
    return progress_of(row[2:])
