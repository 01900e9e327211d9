"""What a room's polls are keyed on (`app.web.fragments`): one small read that tells whether anything the
room screen or the room page's progress could show has changed, without working out what it shows.

A screen polls every second, so the read is one statement, built once as Core on the tables, for one room or
for every room a process watches (`app.web.room_watch`): each session's row with, beside it, who joined and
submitted and a signature of the room's answers, of the figures it saw last and of its agreed ratings. A
signature is a count with the latest write: every write of an answer or an agreed rating sets its
``updated_at`` to the time of the write, so a new, changed or removed row changes one of the two.
"""

from __future__ import annotations

from collections.abc import Collection
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
from app.store.participants import progress_columns, progress_of

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
).where(_SESSIONS.c.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class Runs:
    """Whose a session is: what decides who may run it (`focus_sessions.check_runs`)."""

    trust_id: int
    facilitator_id: int | None

    def check(self, staff: Staff) -> None:
        """:raises NotFound: in another trust, or another facilitator's; :raises Forbidden: viewers."""
        check_runs(staff, trust_id=self.trust_id, facilitator_id=self.facilitator_id)


@dataclass(frozen=True)
class ScreenState:
    """The session as its screen's poll reads it, and what decides the screen's figures."""

    runs: Runs
    session: PolledSession
    joined: int
    submitted: int
    room: tuple[object, ...]  # the signatures of the answers, the last figures seen and the agreed ratings


def screen_state(db: Session, *, staff: Staff, session_id: int) -> ScreenState:
    """The session's `PolledSession` with who joined and submitted, and the signatures of its answers, of the
    last figures it saw (the ledger's last reveal) and of its agreed ratings.

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    found = screen_states(db, session_ids=[session_id]).get(session_id)
    if found is None:
        raise NotFound("There is no session with that id.")
    found.runs.check(staff)
    return found


def screen_states(db: Session, *, session_ids: Collection[int]) -> dict[int, ScreenState]:
    """`screen_state` of many sessions in one statement, by id (unknown ones left out), **unchecked**: the
    caller checks each one's `ScreenState.runs` against who asks."""
    found = {}
    for row in db.connection().execute(_SCREEN_STATE, {"ids": list(session_ids)}):
        room = (row.answers, row.answered_at, row.last_reveal, row.agreed, row.agreed_at)
        runs = Runs(row.trust_id, row.facilitator_id)
        found[row.id] = ScreenState(runs, polled_from_row(row), int(row.joined), int(row.submitted), room)
    return found


_PROGRESS_STATE = (
    select(
        _SESSIONS.c.id, _SESSIONS.c.trust_id, _SESSIONS.c.facilitator_id, *progress_columns(_SESSIONS.c.id)
    )
    .select_from(_SESSIONS.outerjoin(_PARTICIPANTS, _OF_SESSION))
    .where(_SESSIONS.c.id.in_(bindparam("ids", expanding=True)))
    .group_by(_SESSIONS.c.id, _SESSIONS.c.trust_id, _SESSIONS.c.facilitator_id)
)


def progress_state(db: Session, *, staff: Staff, session_id: int, active_within: timedelta) -> Progress:
    """The session's progress (`participants.progress`), read with the check that `staff` may run it.

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    found = progress_states(db, session_ids=[session_id], active_within=active_within).get(session_id)
    if found is None:
        raise NotFound("There is no session with that id.")
    runs, progress = found
    runs.check(staff)
    return progress


def progress_states(
    db: Session, *, session_ids: Collection[int], active_within: timedelta
) -> dict[int, tuple[Runs, Progress]]:
    """The progress of many sessions in one statement, by id (unknown ones left out), each with whose it is,
    **unchecked**: the caller checks `Runs` against who asks."""
    since = utcnow() - active_within
    rows = db.connection().execute(_PROGRESS_STATE, {"ids": list(session_ids), "since": since})
    return {row.id: (Runs(row.trust_id, row.facilitator_id), progress_of(row[3:])) for row in rows}
