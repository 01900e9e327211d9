"""Answers written straight into the database, as tablets, paper questionnaires or an import leave them: for
tests that need a round's people exactly so (who rated what, who typed it in) without driving every form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import count

from sqlalchemy import Engine

from app.choices import SessionState
from app.db.engine import write_session
from app.db.tables import FocusSession, Participant, Round
from app.store.rollups import AnswerValue, write_answers
from surveys import arc_of_code

#: One answer: a rating 1 to 5, "dk" or "na", or either with a comment.
Given = int | str | tuple[int | str, str]
#: One person's answers, by statement code.
Person = Mapping[str, Given]
_TOKENS = count(1)


def value_of(given: Given) -> AnswerValue:
    answer, comment = given if isinstance(given, tuple) else (given, None)
    if isinstance(answer, int):
        return AnswerValue("rating", answer, comment)
    assert answer in ("dk", "na"), answer
    return AnswerValue(answer, None, comment)  # type: ignore[arg-type]


def rating_everything(codes: Sequence[str], rating: Given, people: int) -> list[Person]:
    """`people` people, each giving `rating` to every statement of `codes`."""
    return [dict.fromkeys(codes, rating) for _ in range(people)]


def focus_group(
    engine: Engine,
    round_id: int,
    viewpoint: str,
    people: Sequence[Person],
    *,
    state: SessionState = SessionState.CLOSED,
    entered_by: int | None = None,
    title: str = "A focus group",
) -> int:
    """A new focus group of the round, in `state`, with `people` (typed in by `entered_by` when given, as
    paper questionnaires are); its id."""
    arcs = sorted({arc_of_code(code) for person in people for code in person}) or ["orange"]
    with write_session(engine) as db:
        db_round = db.get(Round, round_id)
        assert db_round is not None
        focus = FocusSession(
            round_id=round_id,
            trust_id=db_round.trust_id,
            viewpoint=viewpoint,
            arcs=",".join(arcs),
            title=title,
            state=state,
        )
        db.add(focus)
        db.flush()
        assert focus.id is not None
        session_id = focus.id
    add_people(engine, session_id, people, entered_by=entered_by)
    return session_id


def add_people(
    engine: Engine, session_id: int, people: Sequence[Person], *, entered_by: int | None = None
) -> list[int]:
    """`people` join the focus group and give their answers (typed in by `entered_by` when given); their
    participant ids."""
    with write_session(engine) as db:
        focus = db.get(FocusSession, session_id)
        assert focus is not None
        changes: dict[int, dict[str, AnswerValue | None]] = {}
        for person in people:
            participant = Participant(
                session_id=session_id,
                token_hash=f"test-token-{next(_TOKENS)}",
                source="tablet" if entered_by is None else "paper",
                entered_by_id=entered_by,
            )
            db.add(participant)
            db.flush()
            assert participant.id is not None
            changes[participant.id] = {code: value_of(given) for code, given in person.items()}
        write_answers(
            db, round_id=focus.round_id, viewpoint=focus.viewpoint, changes=changes, new_participants=True
        )
        return list(changes)


def set_state(engine: Engine, session_id: int, state: SessionState) -> None:
    with write_session(engine) as db:
        focus = db.get(FocusSession, session_id)
        assert focus is not None
        focus.state = state
