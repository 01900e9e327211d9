"""The room's record of a focus group: the group's agreed rating of each statement with the evidence
discussed, and questionnaires answered on paper. What the room may see of its own answers is decided by
`app.services.disclosure.room`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import upsert
from app.db.tables import Consensus, FocusSession, Participant
from app.errors import Conflict, Invalid
from app.identity import Staff, secret_hash
from app.schemas.sessions import ConsensusIn, PaperRating
from app.store import audit
from app.store.rollups import AnswerValue, write_answers
from surveys import Item


def _check_item(items: Sequence[Item], code: str, field: str = "item") -> None:
    if code not in {item.code for item in items}:
        raise Invalid(field, f"'{code}' is not a statement of this session")


def record_consensus(
    db: Session, *, actor: Staff, focus: FocusSession, items: Sequence[Item], consensus_in: ConsensusIn
) -> Consensus:
    """Save the group's agreed rating and notes for one statement, replacing what was there.

    :raises Invalid: when the item is not one of the session's statements.
    """
    _check_item(items, consensus_in.item)
    values = {
        "session_id": focus.id,
        "item_code": consensus_in.item,
        "rating": consensus_in.rating,
        "notes": consensus_in.notes or None,
        "updated_by_id": actor.user_id,
        "updated_at": utcnow(),
    }
    upsert(
        db,
        Consensus,
        values=values,
        keys=["session_id", "item_code"],
        update=["rating", "notes", "updated_by_id", "updated_at"],
    )
    rating = "not agreed" if consensus_in.rating is None else str(consensus_in.rating)
    audit.record(
        db,
        action="session.consensus",
        actor=actor,
        trust_id=focus.trust_id,
        target=f"session {focus.id}",
        detail=f"{consensus_in.item}: {rating}",
    )
    saved = db.scalar(
        select(Consensus).where(
            col(Consensus.session_id) == focus.id, col(Consensus.item_code) == consensus_in.item
        )
    )
    assert saved is not None
    db.refresh(saved)
    return saved


def consensus_of(db: Session, *, session_id: int) -> dict[str, Consensus]:
    """The group's agreed ratings recorded so far, by statement code."""
    rows = db.scalars(select(Consensus).where(col(Consensus.session_id) == session_id)).all()
    return {row.item_code: row for row in rows}


def _paper_value(value: PaperRating, at: datetime) -> AnswerValue:
    match value:
        case "dk" | "na":
            return AnswerValue(kind=value, at=at)
        case _:
            return AnswerValue(kind="rating", rating=int(value), at=at)


def record_paper(
    db: Session,
    *,
    actor: Staff,
    focus: FocusSession,
    items: Sequence[Item],
    ratings: Mapping[str, PaperRating],
) -> Participant:
    """One paper questionnaire, typed in by the facilitator: an anonymous participant, already submitted,
    whose token no one knows (so it can never be used to answer), with its answers.

    :raises Invalid: for a statement not in the session, or a paper with no answer at all.
    """
    for code in ratings:
        _check_item(items, code, field=f"rating-{code}")
    if not ratings:
        raise Invalid("answers", "choose an answer for at least one statement, as written on the paper")
    if focus.state == SessionState.DRAFT:
        raise Conflict("This session has not run yet: open it before typing in its paper questionnaires.")
    if focus.state == SessionState.CLOSED:
        raise Conflict(
            "This session is closed: it takes no more answers, on paper or otherwise. Type paper "
            "questionnaires in while the session is open or locked."
        )
    assert focus.id is not None  # a session read from the database
    now = utcnow()
    participant = Participant(
        session_id=focus.id,
        token_hash=secret_hash(secrets.token_urlsafe(32)),
        source="paper",
        entered_by_id=actor.user_id,
        joined_at=now,
        last_seen_at=now,
        submitted_at=now,
    )
    db.add(participant)
    db.flush()
    assert participant.id is not None
    order = [item.code for item in items]
    write_answers(
        db,
        round_id=focus.round_id,
        viewpoint=focus.viewpoint,
        changes={
            participant.id: {
                code: _paper_value(ratings[code], now) for code in sorted(ratings, key=order.index)
            }
        },
        new_participants=True,
    )
    audit.record(
        db,
        action="session.paper",
        actor=actor,
        trust_id=focus.trust_id,
        target=f"session {focus.id}",
        detail=f"{len(ratings)} answers",
    )
    return participant
