"""Group commit: submissions written together, each with the outcome it would have had alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import is_sqlite, read_session, write_session
from app.db.tables import Answer, IdempotentRequest, Participant
from app.errors import Invalid, NotAuthenticated
from app.schemas.responses import ResponsesIn, ResponsesOut
from app.services import submissions as submissions_module
from app.services.submissions import SubmissionWriter
from app.store.responses import Submission, save_submissions
from app.web.state import AppState
from tests.factories import World, app_state

pytestmark = pytest.mark.database

ITEMS = ("orange.practitioner.1", "orange.practitioner.2", "orange.practitioner.3")


@dataclass(frozen=True)
class Room:
    state: AppState
    tokens: list[str]


@pytest.fixture
def room(client: TestClient, world: World) -> Room:
    """An open practitioners' session on the orange arc with three people joined."""
    lead = {"Authorization": f"Bearer {world.tokens['lead_a']}"}
    body = {"viewpoint": "practitioner", "arcs": ["orange"], "title": "Group commit"}
    session = client.post(f"/api/rounds/{world.round_a}/sessions", json=body, headers=lead).json()
    client.post(f"/api/sessions/{session['id']}/state", json={"state": "open"}, headers=lead)
    tokens = []
    for _ in range(3):
        client.cookies.clear()  # each person on a tablet of their own
        tokens.append(client.post("/api/join", json={"code": session["join_code"]}).json()["token"])
    return Room(app_state(client), tokens)


def submission(token: str, key: str, *answers: tuple[str, int | str], submit: bool = False) -> Submission:
    body = ResponsesIn.model_validate(
        {"answers": [{"item": item, "rating": rating} for item, rating in answers], "submit": submit}
    )
    return Submission(token=token, key=key, body=body)


def one_each(room: Room) -> list[Submission]:
    return [submission(token, f"k{n}", (ITEMS[n], 3)) for n, token in enumerate(room.tokens)]


def save_together(room: Room, batch: Sequence[Submission]) -> list[ResponsesOut | Exception]:
    with write_session(room.state.engine) as db:
        return list(
            save_submissions(
                db, submissions=batch, framework=room.state.framework, surveys=room.state.surveys
            )
        )


def stored(room: Room) -> dict[str, int]:
    with read_session(room.state.engine) as db:
        return {
            "answers": int(db.scalar(select(func.count()).select_from(Answer)) or 0),
            "replies": int(db.scalar(select(func.count()).select_from(IdempotentRequest)) or 0),
            "submitted": int(
                db.scalar(select(func.count()).where(Participant.submitted_at.is_not(None))) or 0  # type: ignore[union-attr]
            ),
        }


def test_each_submission_in_a_batch_gets_its_own_outcome_in_order(room: Room) -> None:
    first, second, _ = room.tokens
    outcomes = save_together(
        room,
        [
            submission(first, "a", (ITEMS[0], 4), (ITEMS[1], "dk")),
            submission(second, "b", ("red.practitioner.1", 2)),
            submission("not-a-token", "c", (ITEMS[0], 3)),
            submission(second, "d", (ITEMS[2], 5), submit=True),
        ],
    )
    assert outcomes[0] == ResponsesOut(saved=2, answered=2, total=5, submitted=False)
    assert isinstance(outcomes[1], Invalid) and outcomes[1].field == "answers[0].item"
    assert isinstance(outcomes[2], NotAuthenticated)
    assert outcomes[3] == ResponsesOut(saved=1, answered=1, total=5, submitted=True)
    assert stored(room) == {"answers": 3, "replies": 2, "submitted": 1}


def test_a_participant_s_second_submission_in_a_batch_is_applied_after_the_first(room: Room) -> None:
    person = room.tokens[0]
    outcomes = save_together(
        room,
        [submission(person, "a", (ITEMS[0], 2)), submission(person, "b", (ITEMS[0], 5), (ITEMS[1], 3))],
    )
    assert [outcome.answered for outcome in outcomes if isinstance(outcome, ResponsesOut)] == [1, 2]
    with read_session(room.state.engine) as db:
        assert db.scalar(select(Answer.rating).where(Answer.item_code == ITEMS[0])) == 5


def test_a_double_tap_in_one_batch_is_stored_once_and_replayed(room: Room) -> None:
    tap = submission(room.tokens[0], "same", (ITEMS[0], 4))
    first, again = save_together(room, [tap, tap])
    assert first == again
    assert stored(room)["replies"] == 1


def test_a_key_used_with_another_body_in_the_same_batch_is_refused(room: Room) -> None:
    person = room.tokens[0]
    _, refused = save_together(
        room, [submission(person, "k", (ITEMS[0], 4)), submission(person, "k", (ITEMS[0], 1))]
    )
    assert isinstance(refused, Invalid) and refused.field == "Idempotency-Key"


def test_submissions_arriving_together_share_one_transaction(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = SubmissionWriter(room.state.engine, room.state.framework, room.state.surveys)
    batches: list[int] = []
    real = submissions_module.save_submissions

    def counting(db, *, submissions, framework, surveys):  # type: ignore[no-untyped-def]
        batches.append(len(submissions))
        return real(db, submissions=submissions, framework=framework, surveys=surveys)

    monkeypatch.setattr(submissions_module, "save_submissions", counting)

    async def everyone() -> list[ResponsesOut]:
        saves = (
            writer.save(submission(token, f"k{n}", (ITEMS[n], 3))) for n, token in enumerate(room.tokens)
        )
        return await asyncio.gather(*saves)

    replies = asyncio.run(everyone())
    assert batches == [3]
    assert [reply.answered for reply in replies] == [1, 1, 1]
    assert stored(room)["answers"] == 3


def test_a_batch_that_fails_is_written_one_by_one_so_the_others_still_land(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = SubmissionWriter(room.state.engine, room.state.framework, room.state.surveys)
    real = submissions_module.save_submissions

    def failing_together(db, *, submissions, framework, surveys):  # type: ignore[no-untyped-def]
        if len(submissions) > 1:
            raise RuntimeError("the database refused the batch")
        return real(db, submissions=submissions, framework=framework, surveys=surveys)

    monkeypatch.setattr(submissions_module, "save_submissions", failing_together)

    async def everyone() -> list[ResponsesOut | BaseException]:
        saves = (
            writer.save(submission(token, f"k{n}", (ITEMS[n], 4))) for n, token in enumerate(room.tokens)
        )
        return await asyncio.gather(*saves, return_exceptions=True)

    replies = asyncio.run(everyone())
    assert all(isinstance(reply, ResponsesOut) for reply in replies)
    assert stored(room)["answers"] == 3


def test_a_submission_s_own_error_reaches_its_caller(room: Room) -> None:
    writer = SubmissionWriter(room.state.engine, room.state.framework, room.state.surveys)
    with pytest.raises(NotAuthenticated):
        asyncio.run(writer.save(submission("unknown", "k", (ITEMS[0], 4))))
    assert stored(room)["answers"] == 0


def test_once_submitted_a_later_save_in_the_same_batch_says_so(room: Room) -> None:
    person = room.tokens[0]
    outcomes = save_together(
        room, [submission(person, "a", (ITEMS[0], 2), submit=True), submission(person, "b", (ITEMS[1], 4))]
    )
    assert [outcome.submitted for outcome in outcomes if isinstance(outcome, ResponsesOut)] == [True, True]


def test_a_batch_finds_its_rows_by_key_on_postgresql(room: Room) -> None:
    if is_sqlite(room.state.engine):
        pytest.skip("PostgreSQL's planner setting; SQLite has none")
    with write_session(room.state.engine) as db:
        save_submissions(
            db, submissions=one_each(room), framework=room.state.framework, surveys=room.state.surveys
        )
        assert db.connection().exec_driver_sql("SHOW enable_seqscan").scalar() == "off"
