"""Focus-group sessions: creating them, who may run them, their states and join codes.

States go ``draft → open → locked → closed``: open takes new people and answers, locked takes answers but
no one new (a locked room's code is useless), closed takes nothing. A locked room may be opened again for a
latecomer; a closed one stays closed. Facilitators see only their own sessions; leads see all of their
trust's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.choices import Role, RoundStatus, SessionState
from app.db.tables import FocusSession, Round
from app.errors import Conflict, Invalid, NotFound
from app.identity import Staff
from app.permissions import LEADS_AND_FACILITATORS, check_trust_access
from app.schemas.sessions import SessionCreate
from app.store import audit
from framework.model import Framework

# No 0/O, 1/I/L: children copy the code from a screen across a hall.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 7  # 31**7 is about 2**34.7 codes

TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.DRAFT: frozenset({SessionState.OPEN, SessionState.CLOSED}),
    SessionState.OPEN: frozenset({SessionState.LOCKED, SessionState.CLOSED}),
    SessionState.LOCKED: frozenset({SessionState.OPEN, SessionState.CLOSED}),
    SessionState.CLOSED: frozenset(),
}


def normalise_code(code: str) -> str:
    """What a person typed, as a code: capitals, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def new_join_code(db: Session) -> str:
    """A code no live session has."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.scalar(select(col(FocusSession.id)).where(col(FocusSession.join_code) == code)) is None:
            return code


def create_session(
    db: Session, *, actor: Staff, db_round: Round, session_in: SessionCreate, framework: Framework
) -> FocusSession:
    """A draft session in `db_round`, with a join code, run by `actor`.

    :raises Invalid: for an unknown viewpoint or arc; :raises Conflict: when the round is closed.
    """
    if session_in.viewpoint not in framework.viewpoint_keys:
        known = ", ".join(framework.viewpoint_keys)
        raise Invalid("viewpoint", f"'{session_in.viewpoint}' is not a viewpoint; choose one of {known}")
    unknown = [arc for arc in session_in.arcs if arc not in framework.arc_keys]
    if unknown:
        raise Invalid("arcs", f"'{unknown[0]}' is not an arc; choose from {', '.join(framework.arc_keys)}")
    if db_round.status == RoundStatus.CLOSED:
        raise Conflict("This round is closed: it takes no new sessions.")
    assert db_round.id is not None
    ordered = [arc for arc in framework.arc_keys if arc in session_in.arcs]
    focus = FocusSession(
        round_id=db_round.id,
        trust_id=db_round.trust_id,
        facilitator_id=actor.user_id,
        viewpoint=session_in.viewpoint,
        arcs=",".join(ordered),
        title=session_in.title,
        place=session_in.place,
        starts_at=session_in.starts_at,
        join_code=new_join_code(db),
        children_comments=session_in.children_comments,
    )
    db.add(focus)
    db.flush()
    audit.record(
        db, action="session.create", actor=actor, trust_id=db_round.trust_id, target=f"session {focus.id}"
    )
    return focus


def get_session_for_staff(db: Session, *, staff: Staff, session_id: int) -> FocusSession:
    """A session its facilitator, a lead of its trust or a site administrator may run.

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    focus = db.get(FocusSession, session_id)
    if focus is None:
        raise NotFound("There is no session with that id.")
    check_runs(staff, trust_id=focus.trust_id, facilitator_id=focus.facilitator_id)
    return focus


@dataclass(frozen=True)
class PolledSession:
    """What a poll of a session's room reads of it."""

    id: int
    state: SessionState
    title: str
    join_code: str | None
    viewpoint: str
    arcs: str
    results_revealed: bool
    screen_position: int


def polled_from_row(row: Any) -> PolledSession:
    """A `PolledSession` of a row read with every column of the sessions' table."""
    return PolledSession(
        id=row.id,
        state=SessionState(row.state),
        title=row.title,
        join_code=row.join_code,
        viewpoint=row.viewpoint,
        arcs=row.arcs,
        results_revealed=bool(row.results_revealed),
        screen_position=int(row.screen_position),
    )


def check_runs(staff: Staff, *, trust_id: int, facilitator_id: int | None) -> None:
    """That `staff` may run a session of this trust and facilitator.

    :raises NotFound: in another trust, or another facilitator's; :raises Forbidden: viewers."""
    check_trust_access(staff, trust_id, roles=LEADS_AND_FACILITATORS, what="session")
    if staff.role_in(trust_id) == Role.FACILITATOR and facilitator_id != staff.user_id:
        raise NotFound("There is no session with that id.")


def sessions_for_staff(db: Session, *, staff: Staff, round_id: int | None = None) -> Sequence[FocusSession]:
    """The sessions `staff` may run (a facilitator's own, all of a lead's trust's), newest first."""
    query = select(FocusSession).order_by(col(FocusSession.created_at).desc(), col(FocusSession.id).desc())
    if round_id is not None:
        query = query.where(col(FocusSession.round_id) == round_id)
    if not staff.is_admin:
        lead_of = [trust for trust, role in staff.roles.items() if role == Role.LEAD]
        facilitating = [trust for trust, role in staff.roles.items() if role == Role.FACILITATOR]
        query = query.where(
            col(FocusSession.trust_id).in_(lead_of)
            | (
                col(FocusSession.trust_id).in_(facilitating)
                & (col(FocusSession.facilitator_id) == staff.user_id)
            )
        )
    return db.scalars(query).all()


def change_state(db: Session, *, actor: Staff, focus: FocusSession, to: SessionState) -> FocusSession:
    """Move the session to `to`; closing it also retires its join code.

    :raises Conflict: for a move the life cycle does not allow (e.g. anything after closed).
    """
    if to == focus.state:
        return focus
    if to not in TRANSITIONS[focus.state]:
        raise Conflict(f"A session that is {focus.state.value} cannot become {to.value}.")
    before = focus.state
    focus.state = to
    if to == SessionState.CLOSED:
        focus.retired_code, focus.join_code = focus.join_code, None
    db.flush()
    audit.record(
        db,
        action="session.state",
        actor=actor,
        trust_id=focus.trust_id,
        target=f"session {focus.id}",
        detail=f"{before.value} -> {to.value}",
    )
    return focus


def set_revealed(db: Session, *, actor: Staff, focus: FocusSession, revealed: bool) -> None:
    """Show or hide the room's answers to each statement (hidden by default, so no one follows the crowd)."""
    focus.results_revealed = revealed
    db.flush()
    audit.record(
        db,
        action="session.reveal" if revealed else "session.hide",
        actor=actor,
        trust_id=focus.trust_id,
        target=f"session {focus.id}",
    )


def move_screen(db: Session, *, focus: FocusSession, to: int, statements: int) -> int:
    """Show statement `to` (0 = the first) on the room screen, kept within the session's `statements`; the
    position shown. The state is in the database, so every app process serves the same screen."""
    position = max(0, min(to, statements - 1))
    if position != focus.screen_position:
        focus.screen_position = position
        db.flush()
    return position
