"""A Hypothesis state machine over the session life cycle, through the API.

Sessions are created, opened, locked, reopened and closed in any order; people join whatever the state; they
answer statements of their own session and of others. Invariants: a session takes people only while open,
takes answers only while open or locked and nothing once closed, and no answer ever lands outside its
participant's session.
"""

from __future__ import annotations

import itertools
from contextlib import closing

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from app.db.engine import read_session, write_session
from app.db.tables import Answer, Participant, ThrottleFailure
from tests.factories import World, app_state

STATES = ("open", "locked", "closed")
ARC_CHOICES = (["orange"], ["green"], ["red", "pink"])
VIEWPOINTS = ("practitioner", "child", "team")


def make_machine(client: TestClient, world: World) -> type[RuleBasedStateMachine]:
    lead = {"Authorization": f"Bearer {world.tokens['lead_a']}"}
    keys = itertools.count()

    class SessionLifecycle(RuleBasedStateMachine):
        sessions = Bundle("sessions")
        participants = Bundle("participants")

        def __init__(self) -> None:
            super().__init__()
            self.state: dict[int, str] = {}
            self.codes: dict[int, str] = {}
            self.items: dict[int, list[str]] = {}
            self.session_of: dict[str, int] = {}
            # Each example starts with no wrong codes counted: the world, and so the throttle's
            # per-network count, outlives examples, and joining closed sessions counts as wrong codes.
            with write_session(app_state(client).engine) as db:
                db.execute(delete(ThrottleFailure))

        @rule(target=sessions, arcs=st.sampled_from(ARC_CHOICES), viewpoint=st.sampled_from(VIEWPOINTS))
        def create(self, arcs: list[str], viewpoint: str) -> int:
            body = {"viewpoint": viewpoint, "arcs": arcs, "title": "Machine group"}
            created = client.post(f"/api/rounds/{world.round_a}/sessions", json=body, headers=lead).json()
            self.state[created["id"]] = "draft"
            self.codes[created["id"]] = created["join_code"]
            surveys = app_state(client).surveys
            self.items[created["id"]] = [item.code for arc in arcs for item in surveys.items(arc, viewpoint)]
            return int(created["id"])

        @rule(session=sessions, target_state=st.sampled_from(STATES))
        def change_state(self, session: int, target_state: str) -> None:
            response = client.post(
                f"/api/sessions/{session}/state", json={"state": target_state}, headers=lead
            )
            allowed = {
                "draft": {"open", "closed"},
                "open": {"locked", "closed"},
                "locked": {"open", "closed"},
                "closed": set(),
            }[self.state[session]]
            if target_state == self.state[session] or target_state in allowed:
                assert response.status_code == 200, response.text
                self.state[session] = target_state
            else:
                assert response.status_code == 409

        @rule(target=participants, session=sessions)
        def join(self, session: int) -> str:
            with closing(TestClient(client.app)) as device:  # type: ignore[arg-type]
                response = device.post("/api/join", json={"code": self.codes[session]})
            if self.state[session] == "open":
                assert response.status_code == 200, response.text
                token = str(response.json()["token"])
                self.session_of[token] = session
                return token
            assert response.status_code in (404, 409)  # a closed session's code is gone; others refuse
            return ""

        @rule(
            token=participants,
            session=sessions,
            pick=st.integers(0, 20),
            rating=st.sampled_from([1, 3, 5, "dk"]),
        )
        def answer(self, token: str, session: int, pick: int, rating: int | str) -> None:
            if not token:
                return
            code = self.items[session][pick % len(self.items[session])]
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"k{next(keys)}"}
            with closing(TestClient(client.app)) as device:  # type: ignore[arg-type]
                response = device.put(
                    "/api/responses", json={"answers": [{"item": code, "rating": rating}]}, headers=headers
                )
            own = self.session_of[token]
            if self.state[own] == "closed":
                assert response.status_code == 401
            elif code not in self.items[own]:
                assert response.status_code == 422
            else:
                assert response.status_code == 200, response.text

        @invariant()
        def answers_stay_in_their_session(self) -> None:
            with read_session(app_state(client).engine) as db:
                rows = db.execute(
                    select(Answer.item_code, Participant.session_id).join(
                        Participant,
                        Participant.id == Answer.participant_id,  # type: ignore[arg-type]
                    )
                ).all()
            for item_code, session_id in rows:
                if session_id in self.items:
                    assert item_code in self.items[session_id]

    return SessionLifecycle


def test_the_session_life_cycle_holds_its_rules(client: TestClient, world: World) -> None:
    machine = make_machine(client, world)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
