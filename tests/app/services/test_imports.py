"""Imports in batches: each batch its own transaction, the import's groups locked until the last one is in,
a failure half-way taken back; the tablets' side is measured by benchmarks/import_stall.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from app.choices import Role
from app.db.engine import read_session
from app.db.tables import Answer, FocusSession, Participant
from app.identity import Staff
from app.services import imports
from app.services.runtime import Runtime
from app.store import import_writes
from app.store.answer_import import Respondent
from app.store.rollups import round_tallies, statement_tallies
from tests.factories import World, app_state

pytestmark = pytest.mark.database

RESPONDENTS = 10
CSV = (
    "respondent,viewpoint,item,rating\n"
    + "".join(
        f"p{n},practitioner,orange.practitioner.{i},{1 + n % 5}\n" for n in range(RESPONDENTS) for i in (1, 2)
    )
).encode()


def lead(world: World) -> Staff:
    return Staff(
        user_id=world.users["lead_a"],
        email=world.emails["lead_a"],
        is_admin=False,
        roles={world.trust_a: Role.LEAD},
    )


def run_import(client: TestClient, world: World, *, batch_answers: int) -> object:
    state = app_state(client)
    return imports.import_answers(
        state.runtime,
        actor=lead(world),
        round_id=world.round_a,
        content=CSV,
        framework=state.framework,
        surveys=state.surveys,
        batch_answers=batch_answers,
    )


def each_batch(monkeypatch: pytest.MonkeyPatch, before: Callable[[int], None]) -> None:
    """Call `before(n)` ahead of the n-th batch (from 1)."""
    write = import_writes.write_import_batch
    calls = 0

    def counted(db: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        before(calls)
        write(db, **kwargs)

    monkeypatch.setattr(import_writes, "write_import_batch", counted)


def counts(runtime: Runtime) -> tuple[int, int, int]:
    with read_session(runtime.engine) as db:
        return (
            int(db.scalar(select(func.count()).select_from(Participant)) or 0),
            int(db.scalar(select(func.count()).select_from(Answer)) or 0),
            int(db.scalar(select(func.count()).select_from(FocusSession)) or 0),
        )


def test_an_import_commits_a_transaction_per_batch(client: TestClient, world: World) -> None:
    runtime = app_state(client).runtime
    commits: list[int] = []
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(runtime.engine, "commit", listener)
    try:
        result = run_import(client, world, batch_answers=4)  # two respondents, four answers, a batch
    finally:
        event.remove(runtime.engine, "commit", listener)
    assert result.participants == RESPONDENTS  # type: ignore[attr-defined]
    # the groups opened, five batches, the groups closed
    assert len(commits) == 1 + RESPONDENTS // 2 + 1
    assert counts(runtime) == (RESPONDENTS, 2 * RESPONDENTS, 2)


def test_batches_never_split_a_respondent() -> None:
    people = [
        Respondent(viewpoint="team", answers={f"orange.team.{i}": (3, "rating", None) for i in range(1, 4)})
    ]
    parsed = imports.answer_import.ParsedImport(people * 5, rows=15)
    sizes = [sum(len(p.answers) for p in batch) for batch in import_writes.batches(parsed, max_answers=4)]
    assert sizes == [6, 6, 3]


def test_the_import_s_groups_stay_locked_and_the_round_unpublishable_until_the_last_batch(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = app_state(client).runtime
    seen: list[set[str]] = []
    publishes: list[int] = []
    headers = {"Authorization": f"Bearer {world.tokens['lead_a']}"}

    def look(_seconds: float) -> None:  # in the pause after each batch, when the import holds nothing
        seen.append(import_states(runtime, world))
        publishes.append(client.post(f"/api/rounds/{world.round_a}/publish", headers=headers).status_code)

    monkeypatch.setattr(imports, "time", SimpleNamespace(perf_counter=time.perf_counter, sleep=look))
    closed = client.post(f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=headers)
    assert closed.status_code == 200
    run_import(client, world, batch_answers=6)
    assert len(seen) == 4 and all(states == {"locked"} for states in seen)
    assert set(publishes) == {409}
    assert import_states(runtime, world) == {"closed"}


def import_states(runtime: Runtime, world: World) -> set[str]:
    """The states of the import's groups (every group but the world's own)."""
    with read_session(runtime.engine) as db:
        query = select(FocusSession.state).where(FocusSession.id != world.session_a)
        return {str(state) for state in db.scalars(query)}


def test_a_failure_half_way_takes_back_everything_it_stored(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = app_state(client).runtime

    def fail_third(batch: int) -> None:
        if batch == 3:
            raise RuntimeError("the disk is full")

    each_batch(monkeypatch, fail_third)
    with pytest.raises(RuntimeError, match="the disk is full"):
        run_import(client, world, batch_answers=4)
    assert counts(runtime) == (0, 0, 1)  # world's own session only
    with read_session(runtime.engine) as db:
        assert round_tallies(db, round_id=world.round_a) == {}
        assert not any(any(row) for row in statement_tallies(db, round_id=world.round_a).values())


class Clock:
    """`imports.time` for a test: each batch seems to hold the writer `held` seconds; pauses take none."""

    def __init__(self, held: float) -> None:
        self.now, self.held, self.calls = 0.0, held, 0

    def perf_counter(self) -> float:
        self.calls += 1
        if self.calls % 2 == 0:  # the second reading of a batch: after its commit
            self.now += self.held
        return self.now

    def sleep(self, _seconds: float) -> None:
        pass


@pytest.mark.parametrize(("held", "expected"), [(0.2, [200, 100, 50, 50]), (0.01, [200, 200, 200, 200])])
def test_batches_shrink_while_they_hold_the_writer_too_long(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch, held: float, expected: list[int]
) -> None:
    sizes: list[int] = []
    write = import_writes.write_import_batch

    def measured(db: Any, **kwargs: Any) -> None:
        sizes.append(sum(len(person.answers) for person in kwargs["people"]))
        write(db, **kwargs)

    monkeypatch.setattr(import_writes, "write_import_batch", measured)
    monkeypatch.setattr(imports, "time", Clock(held))
    lines = [f"p{n},practitioner,orange.practitioner.{i},3" for n in range(400) for i in (1, 2)]
    state = app_state(client)
    imports.import_answers(
        state.runtime,
        actor=lead(world),
        round_id=world.round_a,
        content="\n".join(["respondent,viewpoint,item,rating", *lines]).encode(),
        framework=state.framework,
        surveys=state.surveys,
        batch_answers=200,
    )
    assert sizes[:4] == expected
    assert sum(sizes) == 800
