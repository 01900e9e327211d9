"""Storing a checked import (`app.store.answer_import`) a batch at a time.

The import's focus groups, one per viewpoint, are made first and stay locked while the batches go in, so the
round cannot be published with part of a file in it (publishing waits for every group to close); the last
step closes them. A failure half-way is undone by `undo_import`: every answer taken back (moving the
rollups back with it), the participants and the groups removed.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.core import table
from app.db.tables import Answer, FocusSession, Participant, Round
from app.identity import Staff, secret_hash
from app.schemas.responses import ImportResult
from app.store import audit
from app.store.answer_import import ParsedImport, Respondent
from app.store.rollups import AnswerChanges, AnswerValue, write_answers
from framework.model import Framework
from surveys import arc_of_code

# Core on the table: one statement inserts a whole batch's participants and gives back their ids in order.
_PARTICIPANTS = table(Participant)
_INSERT_PARTICIPANTS = insert(_PARTICIPANTS).returning(_PARTICIPANTS.c.id, sort_by_parameter_order=True)


def batches(parsed: ParsedImport, *, max_answers: int) -> Iterator[list[Respondent]]:
    """The respondents in groups of about `max_answers` answers (a respondent is never split)."""
    start = 0
    while start < len(parsed.respondents):
        end = batch_end(parsed.respondents, start, max_answers=max_answers)
        yield parsed.respondents[start:end]
        start = end


def batch_end(people: Sequence[Respondent], start: int, *, max_answers: int) -> int:
    """Where a batch from `start` ends: once it has `max_answers` answers, or at the end (at least one)."""
    size, end = 0, start
    while end < len(people) and (end == start or size < max_answers):
        size += len(people[end].answers)
        end += 1
    return end


def open_import_sessions(
    db: Session, *, actor: Staff, db_round: Round, parsed: ParsedImport, framework: Framework
) -> dict[str, int]:
    """A locked focus group per viewpoint of the file, titled for the import: viewpoint -> session id."""
    assert db_round.id is not None  # a round read from the database
    arcs_used: dict[str, set[str]] = defaultdict(set)
    for person in parsed.respondents:
        arcs_used[person.viewpoint] |= {arc_of_code(code) for code in person.answers}
    now = utcnow()
    sessions: dict[str, int] = {}
    for viewpoint in framework.viewpoint_keys:
        if viewpoint not in arcs_used:
            continue
        focus = FocusSession(
            round_id=db_round.id,
            trust_id=db_round.trust_id,
            facilitator_id=actor.user_id,
            viewpoint=viewpoint,
            arcs=",".join(arc for arc in framework.arc_keys if arc in arcs_used[viewpoint]),
            title=f"Imported answers, {framework.viewpoint(viewpoint).label.lower()}, {now:%-d %B %Y}",
            state=SessionState.LOCKED,
        )
        db.add(focus)
        db.flush()
        assert focus.id is not None
        sessions[viewpoint] = focus.id
    return sessions


def write_import_batch(
    db: Session, *, actor: Staff, round_id: int, sessions: dict[str, int], people: Sequence[Respondent]
) -> None:
    """One batch of respondents: their participants (in one statement) and answers, rollups moved."""
    now = utcnow()
    rows = [
        {
            "session_id": sessions[person.viewpoint],
            "token_hash": secret_hash(secrets.token_urlsafe(32)),  # never given out: no one answers as them
            "joined_at": now,
            "last_seen_at": now,
            "submitted_at": now,
            "sector": person.sector,
            "role_level": person.role_level,
            "source": "import",
            "entered_by_id": actor.user_id,
        }
        for person in people
    ]
    ids: list[int] = list(db.execute(_INSERT_PARTICIPANTS, rows).scalars())
    changes: dict[str, dict[int, dict[str, AnswerValue | None]]] = defaultdict(dict)
    for participant_id, person in zip(ids, people, strict=True):
        changes[person.viewpoint][participant_id] = {
            code: AnswerValue(kind=kind, rating=rating, comment=comment, at=now)
            for code, (rating, kind, comment) in person.answers.items()
        }
    for viewpoint, viewpoint_changes in changes.items():
        write_answers(
            db, round_id=round_id, viewpoint=viewpoint, changes=viewpoint_changes, new_participants=True
        )


def close_import(
    db: Session, *, actor: Staff, db_round: Round, sessions: dict[str, int], parsed: ParsedImport
) -> ImportResult:
    """Close the import's groups (the round may now be published with them) and audit the import."""
    db.execute(
        update(FocusSession)
        .where(col(FocusSession.id).in_(sessions.values()))
        .values(state=SessionState.CLOSED)
    )
    audit.record(
        db,
        action="answers.import",
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=f"{parsed.rows} rows, {len(parsed.respondents)} respondents",
    )
    return ImportResult(
        rows=parsed.rows, participants=len(parsed.respondents), sessions=list(sessions.values())
    )


def undo_import(db: Session, *, round_id: int, sessions: dict[str, int]) -> None:
    """Take back everything an unfinished import stored: answers (and their rollups), participants, groups."""
    for viewpoint, session_id in sessions.items():
        answered = db.execute(
            select(col(Answer.participant_id), col(Answer.item_code))
            .join(Participant, col(Participant.id) == col(Answer.participant_id))
            .where(col(Participant.session_id) == session_id)
        ).all()
        changes: dict[int, dict[str, AnswerValue | None]] = defaultdict(dict)
        for participant_id, code in answered:
            changes[participant_id][code] = None
        taken_back: AnswerChanges = changes
        write_answers(db, round_id=round_id, viewpoint=viewpoint, changes=taken_back)
        db.execute(delete(Participant).where(col(Participant.session_id) == session_id))
        db.execute(delete(FocusSession).where(col(FocusSession.id) == session_id))
