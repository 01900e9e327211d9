"""The room's record of a focus group: the group's agreed rating of each statement with the evidence
discussed, the distribution of the room's own answers, and questionnaires answered on paper.

The distribution is hidden until the facilitator reveals it (``results_revealed``), so that no one follows
the crowd: `distributions` refuses while it is hidden, and nothing else returns counts per rating.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import upsert
from app.db.tables import Answer, Consensus, FocusSession, Participant
from app.errors import Conflict, Invalid
from app.identity import Staff, secret_hash
from app.schemas.sessions import ConsensusIn, Distribution, PaperRating
from app.store import audit
from app.store.rollups import AnswerValue, write_answers
from surveys import Item

NOT_REVEALED = (
    "The room's answers are hidden until you reveal them, so that no one follows the crowd. "
    "Reveal them first."
)


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


def distributions(
    db: Session, *, focus: FocusSession, items: Sequence[Item], min_group_size: int
) -> list[Distribution]:
    """The room's answers to each statement, in the session's order, counted by the database; a statement
    fewer than `min_group_size` people answered is suppressed, so no one's answer can be picked out.

    :raises Conflict: while the results are hidden (the decision is made here, not in a template).
    """
    if not focus.results_revealed:
        raise Conflict(NOT_REVEALED)
    rows = db.execute(
        select(col(Answer.item_code), col(Answer.kind), col(Answer.rating), func.count())
        .join(Participant, col(Participant.id) == Answer.participant_id)
        .where(col(Participant.session_id) == focus.id)
        .group_by(col(Answer.item_code), col(Answer.kind), col(Answer.rating))
    ).all()
    tallies: dict[str, Counter[str]] = {item.code: Counter() for item in items}  # '1' to '5', dk, na, n
    for code, kind, rating, count in rows:
        tally = tallies.get(code)
        if tally is None:
            continue  # an answer to a statement no longer in the questionnaire
        if kind == "rating" and rating is not None:
            tally[str(rating)] += int(count)
        elif kind in ("dk", "na"):
            tally[kind] += int(count)
        tally["n"] += int(count)
    found = [
        Distribution(
            item=code,
            counts={str(v): tally[str(v)] for v in range(1, 6)},
            dk=tally["dk"],
            na=tally["na"],
            n=tally["n"],
        )
        for code, tally in tallies.items()
    ]
    return [entry if (entry.n or 0) >= min_group_size else entry.suppressed_copy() for entry in found]


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
