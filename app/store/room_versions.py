"""What a room's polls are keyed on (`app.web.fragments`): small reads that tell whether anything its room
screen could show has changed, without working out what it shows.

Each statement is built once, as Core on the tables: a room screen polls these every second or two.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from app.db.core import table
from app.db.disclosure_tables import Disclosure
from app.db.tables import Answer, Consensus, Participant
from app.store.disclosures import REVEAL

_PARTICIPANTS, _ANSWERS = table(Participant), table(Answer)
_CONSENSUS, _DISCLOSURES = table(Consensus), table(Disclosure)

_JOINED = select(func.count(), func.count(_PARTICIPANTS.c.submitted_at)).where(
    _PARTICIPANTS.c.session_id == bindparam("session_id")
)
# Every answer of the room with who gave it and whether staff typed it in: what the room's figures and the
# rules of disclosure are worked out from (`app.services.disclosure.room`).
_ANSWERS_OF_ROOM = (
    select(
        _ANSWERS.c.participant_id,
        _ANSWERS.c.item_code,
        _ANSWERS.c.kind,
        _ANSWERS.c.rating,
        _PARTICIPANTS.c.entered_by_id,
    )
    .select_from(_ANSWERS.join(_PARTICIPANTS, _PARTICIPANTS.c.id == _ANSWERS.c.participant_id))
    .where(_PARTICIPANTS.c.session_id == bindparam("session_id"))
    .order_by(_ANSWERS.c.participant_id, _ANSWERS.c.item_code)
)
_LAST_REVEAL = select(func.max(_DISCLOSURES.c.id)).where(
    _DISCLOSURES.c.session_id == bindparam("session_id"), _DISCLOSURES.c.kind == REVEAL
)
_AGREED = (
    select(_CONSENSUS.c.item_code, _CONSENSUS.c.rating)
    .where(_CONSENSUS.c.session_id == bindparam("session_id"))
    .order_by(_CONSENSUS.c.item_code)
)


def joined_and_submitted(db: Session, *, session_id: int) -> tuple[int, int]:
    """How many people joined the session, and how many of them submitted."""
    joined, submitted = db.connection().execute(_JOINED, {"session_id": session_id}).one()
    return int(joined), int(submitted)


def revealed_room(db: Session, *, session_id: int) -> tuple[tuple[object, ...], ...]:
    """What the room's revealed figures are decided from, as rows: every answer (with who gave it and who
    typed it in), the last figures recorded in the ledger for the room, and the agreed ratings. When these are
    the same, so is everything the room screen may show of its statements."""
    connection = db.connection()
    params = {"session_id": session_id}
    answers = tuple(tuple(row) for row in connection.execute(_ANSWERS_OF_ROOM, params))
    last_reveal = connection.execute(_LAST_REVEAL, params).scalar_one()
    agreed = tuple(tuple(row) for row in connection.execute(_AGREED, params))
    return answers, ((last_reveal,),), agreed
