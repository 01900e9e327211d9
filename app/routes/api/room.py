"""The focus-group room's JSON API: the group's agreed ratings, and revealing the room's answers."""

from __future__ import annotations

from fastapi import APIRouter

from app.db.engine import read_session, write_session
from app.db.tables import Consensus
from app.schemas.sessions import ConsensusIn, ConsensusOut, Distribution, RevealIn, RevealOut
from app.services.disclosure.room import room_results
from app.store import consensus, focus_sessions, participants
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import SessionId
from app.web.state import State

router = APIRouter(prefix="/api", tags=["focus groups"])


def _out(row: Consensus) -> ConsensusOut:
    return ConsensusOut(item=row.item_code, rating=row.rating, notes=row.notes or "")


@router.post(
    "/sessions/{session_id}/consensus",
    response_model=ConsensusOut,
    responses=error_responses(401, 403, 404),
)
def record_consensus(
    session_id: SessionId, consensus_in: ConsensusIn, staff: StaffUser, state: State
) -> ConsensusOut:
    """Its facilitator, and leads of its trust: the group's agreed rating of one statement (null when the
    group did not agree) and the evidence discussed. A statement not in the session is refused (422)."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = participants.session_items(state.framework, state.surveys, focus)
        row = consensus.record_consensus(db, actor=staff, focus=focus, items=items, consensus_in=consensus_in)
        return _out(row)


@router.get(
    "/sessions/{session_id}/consensus",
    response_model=list[ConsensusOut],
    responses=error_responses(401, 403, 404),
)
def list_consensus(session_id: SessionId, staff: StaffUser, state: State) -> list[ConsensusOut]:
    """Its facilitator, and leads of its trust: the agreed ratings recorded so far, in the session's order."""
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = participants.session_items(state.framework, state.surveys, focus)
        recorded = consensus.consensus_of(db, session_id=session_id)
        return [_out(recorded[item.code]) for item in items if item.code in recorded]


@router.post(
    "/sessions/{session_id}/reveal",
    response_model=RevealOut,
    responses=error_responses(401, 403, 404),
)
def reveal(session_id: SessionId, reveal_in: RevealIn, staff: StaffUser, state: State) -> RevealOut:
    """Its facilitator, and leads of its trust: show (true) or hide (false) the room's answers."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        focus_sessions.set_revealed(db, actor=staff, focus=focus, revealed=reveal_in.revealed)
        return RevealOut(revealed=focus.results_revealed)


@router.get(
    "/sessions/{session_id}/results",
    response_model=list[Distribution],
    responses=error_responses(401, 403, 404, 409),
)
def results(session_id: SessionId, staff: StaffUser, state: State) -> list[Distribution]:
    """Its facilitator, and leads of its trust: the room's answers to each statement (counts of 1 to 5,
    don't know, not applicable, and how many answered) as the room may see them: a statement only from k
    raters, and updated only when k or more have changed since the room last saw it; what is newly shown is
    recorded. 409 while the answers are hidden, and once the session is closed."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = participants.session_items(state.framework, state.surveys, focus)
        found = room_results(db, actor=staff, focus=focus, items=items, k=state.settings.min_group_size)
    return [
        Distribution(
            item=statement.item,
            suppressed=statement.suppressed,
            hidden_because=statement.hidden_because,
            more_needed=statement.more_needed,
            counts=statement.counts,
            dk=statement.dk,
            na=statement.na,
            n=statement.n,
            raters=statement.raters,
            as_revealed_at=statement.as_revealed_at,
        )
        for statement in found
    ]
