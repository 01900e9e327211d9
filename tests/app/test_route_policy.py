"""Every route the app has, against every role, from one policy table.

The roles: anonymous, a site administrator, the lead, facilitator and viewer of trust A, and the lead of
trust B. Path ids always point at trust A's objects, so trust B's lead shows what another trust sees (404).
A route missing from the table fails `test_every_route_is_in_the_policy_table`: a new route is born with a
stated policy. Browsers (cookie and CSRF token) call the pages; API clients (personal token) call /api.

Trust A's rounds are published, so that a route giving figures answers 200 to whoever may read them (a 409
for a round never published would say nothing about rights); its first round then takes late answers, in
its focus group still open. The few routes that need another state of the round say so in `SETUP`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import SQLModel

from app.choices import RoundStatus, SessionState, SupportKind
from app.config import Settings
from app.db.engine import create_db_engine, write_session
from app.db.migrate import upgrade
from app.db.tables import Action, FocusSession, Round, SupportNeed, Target
from app.main import create_app
from app.services.disclosure.publication import PublicationRules, publish
from tests.conftest import ENGINES, TEST_SECRET, fresh_database
from tests.factories import PASSWORD, ROLES, World, add_round, app_state, browse_as, make_world

NEW_PASSWORD = "plum orchard under moonlight"
LOGIN = "login"  # 303 to /login?next=…: the sign-in page, for anonymous visitors to staff pages
PUBLIC = dict.fromkeys(ROLES, 200)


def only(statuses: dict[str, int | str], **others: int | str) -> dict[str, int | str]:
    return {**statuses, **others}


def staff_api(anonymous: int | str = 401, **by_role: int | str) -> dict[str, int | str]:
    return {"anonymous": anonymous, **by_role}


ADMIN_API = staff_api(admin=200, lead_a=403, facilitator_a=403, viewer_a=403, lead_b=403)
TRUST_A_READ_API = staff_api(admin=200, lead_a=200, facilitator_a=200, viewer_a=200, lead_b=404)
LEAD_A_API = staff_api(admin=200, lead_a=200, facilitator_a=403, viewer_a=403, lead_b=404)
LEAD_A_API_CREATE = only(LEAD_A_API, admin=201, lead_a=201)
LEAD_A_API_DELETE = only(LEAD_A_API, admin=204, lead_a=204)
RUN_SESSION_API = staff_api(admin=200, lead_a=200, facilitator_a=200, viewer_a=403, lead_b=404)
ADMIN_PAGE = {
    "anonymous": LOGIN,
    "admin": 200,
    "lead_a": 403,
    "facilitator_a": 403,
    "viewer_a": 403,
    "lead_b": 403,
}
TRUST_A_PAGE = {
    "anonymous": LOGIN,
    "admin": 200,
    "lead_a": 200,
    "facilitator_a": 200,
    "viewer_a": 200,
    "lead_b": 404,
}
LEAD_A_PAGE = {
    "anonymous": LOGIN,
    "admin": 200,
    "lead_a": 200,
    "facilitator_a": 403,
    "viewer_a": 403,
    "lead_b": 404,
}

RUN_SESSION_PAGE = {**LEAD_A_PAGE, "facilitator_a": 200}
RUNNERS = ("admin", "lead_a", "facilitator_a")


def admin_form(success: int | str) -> dict[str, int | str]:
    return {**ADMIN_PAGE, "admin": success}


POLICY: dict[tuple[str, str], dict[str, int | str]] = {
    # Public: the framework, its questionnaires and the walkthrough.
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/api/framework"): PUBLIC,
    ("GET", "/api/surveys/{arc}/{viewpoint}"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/arcs/{arc}"): PUBLIC,
    ("GET", "/framework.css"): PUBLIC,
    # Signing in and out.
    # Signed-in staff go on to where they start: a facilitator to Focus groups, everyone else to their trusts.
    ("GET", "/login"): {
        "anonymous": 200,
        **dict.fromkeys(ROLES[1:], "redirect:/trust"),
        "facilitator_a": "redirect:/facilitate",
    },
    ("POST", "/login"): dict.fromkeys(ROLES, 401),  # sent with a wrong password
    ("POST", "/logout"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], "redirect:/login?signed_out=1")},
    # One's own account: links from emails work for whoever holds them (a token never sent is 404), the
    # reset form is public (the same answer for every address), changing a password needs signing in.
    ("GET", "/invitations/{token}"): dict.fromkeys(ROLES, 404),
    ("POST", "/invitations/{token}"): dict.fromkeys(ROLES, 404),
    ("GET", "/password-reset"): PUBLIC,
    ("POST", "/password-reset"): PUBLIC,
    ("GET", "/password-reset/{token}"): dict.fromkeys(ROLES, 404),
    ("POST", "/password-reset/{token}"): dict.fromkeys(ROLES, 404),
    ("GET", "/account/password"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)},
    ("GET", "/account/security"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)},
    # A wrong code: the admin's second factor is set up already (409); others' is not (422).
    ("POST", "/account/security"): {"anonymous": LOGIN, "admin": 409, **dict.fromkeys(ROLES[2:], 422)},
    # Without a right password just before, there is no code to give: back to the sign-in page.
    ("GET", "/login/second-factor"): dict.fromkeys(ROLES, "redirect:/login"),
    # Single sign-on is not set up here: starting it is 503, and an answer without its cookie 401.
    ("GET", "/login/oidc"): dict.fromkeys(ROLES, 503),
    ("GET", "/login/oidc/callback"): dict.fromkeys(ROLES, 401),
    ("POST", "/login/second-factor"): dict.fromkeys(ROLES, "redirect:/login"),
    ("POST", "/account/password"): {
        "anonymous": LOGIN,
        **dict.fromkeys(ROLES[1:], "redirect:/account/password?saved=1"),
    },
    # Staff API.
    ("GET", "/api/me"): staff_api(admin=200, lead_a=200, facilitator_a=200, viewer_a=200, lead_b=200),
    ("POST", "/api/trusts"): only(ADMIN_API, admin=201),
    ("GET", "/api/trusts"): staff_api(admin=200, lead_a=200, facilitator_a=200, viewer_a=200, lead_b=200),
    ("GET", "/api/trusts/{trust_id}"): TRUST_A_READ_API,
    ("POST", "/api/users"): only(ADMIN_API, admin=201),
    ("PUT", "/api/trusts/{trust_id}/members/{user_id}"): ADMIN_API,
    ("DELETE", "/api/trusts/{trust_id}/members/{user_id}"): only(ADMIN_API, admin=204),
    ("POST", "/api/trusts/{trust_id}/rounds"): staff_api(
        admin=201, lead_a=201, facilitator_a=403, viewer_a=403, lead_b=404
    ),
    ("GET", "/api/trusts/{trust_id}/rounds"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}"): TRUST_A_READ_API,
    ("DELETE", "/api/rounds/{round_id}"): staff_api(
        admin=204, lead_a=204, facilitator_a=403, viewer_a=403, lead_b=404
    ),
    # Focus groups: sessions (session ids point at facilitator A's open session in trust A).
    ("POST", "/api/rounds/{round_id}/sessions"): staff_api(
        admin=201, lead_a=201, facilitator_a=201, viewer_a=403, lead_b=404
    ),
    ("GET", "/api/rounds/{round_id}/sessions"): RUN_SESSION_API,
    ("GET", "/api/sessions/{session_id}"): RUN_SESSION_API,
    ("POST", "/api/sessions/{session_id}/state"): RUN_SESSION_API,
    ("GET", "/api/sessions/{session_id}/progress"): RUN_SESSION_API,
    ("POST", "/api/sessions/{session_id}/consensus"): RUN_SESSION_API,
    ("GET", "/api/sessions/{session_id}/consensus"): RUN_SESSION_API,
    ("POST", "/api/sessions/{session_id}/reveal"): RUN_SESSION_API,
    # The room's answers stay hidden (409) until revealed; world.session_a is not revealed.
    ("GET", "/api/sessions/{session_id}/results"): staff_api(
        admin=409, lead_a=409, facilitator_a=409, viewer_a=403, lead_b=404
    ),
    # Respondents: anyone with the code joins; only a participant's token answers (staff tokens do not).
    ("POST", "/api/rounds/{round_id}/answers/import"): staff_api(
        admin=200, lead_a=200, facilitator_a=403, viewer_a=403, lead_b=404
    ),
    ("POST", "/api/join"): PUBLIC,
    # Scores, comparisons, charts and exports: members of the round's trust.
    ("GET", "/api/rounds/{round_id}/scores"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/compare/{baseline_id}"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/rainbow.png"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/rainbow.svg"): TRUST_A_READ_API,
    ("GET", "/api/trusts/{trust_id}/trend"): TRUST_A_READ_API,
    ("GET", "/api/trusts/{trust_id}/trend.png"): TRUST_A_READ_API,
    ("GET", "/api/trusts/{trust_id}/trend.svg"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/export.csv"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/export.xlsx"): TRUST_A_READ_API,
    ("GET", "/api/rounds/{round_id}/report.pdf"): TRUST_A_READ_API,
    # Targets, the action plan, support needs and coverage: leads change them, members read them.
    ("POST", "/api/rounds/{round_id}/targets"): LEAD_A_API_CREATE,
    ("GET", "/api/rounds/{round_id}/targets"): TRUST_A_READ_API,
    ("DELETE", "/api/rounds/{round_id}/targets/{target_id}"): LEAD_A_API_DELETE,
    ("POST", "/api/trusts/{trust_id}/actions"): LEAD_A_API_CREATE,
    ("GET", "/api/trusts/{trust_id}/actions"): TRUST_A_READ_API,
    ("PUT", "/api/trusts/{trust_id}/actions/{action_id}"): LEAD_A_API,
    ("DELETE", "/api/trusts/{trust_id}/actions/{action_id}"): LEAD_A_API_DELETE,
    ("POST", "/api/rounds/{round_id}/support-needs"): LEAD_A_API_CREATE,
    ("GET", "/api/rounds/{round_id}/support-needs"): TRUST_A_READ_API,
    ("DELETE", "/api/rounds/{round_id}/support-needs/{need_id}"): LEAD_A_API_DELETE,
    ("GET", "/api/rounds/{round_id}/coverage"): TRUST_A_READ_API,
    # Publication: leads publish a round (once its focus groups are closed) and reopen it for late answers.
    ("POST", "/api/rounds/{round_id}/publish"): LEAD_A_API,
    ("POST", "/api/rounds/{round_id}/reopen"): LEAD_A_API,
    ("PUT", "/api/responses"): dict.fromkeys(ROLES, 401),
    # Respondent pages: public; without a participant cookie every /respond page goes to /join.
    ("GET", "/join"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,  # the tablets' service worker and manifest (issue 15)
    ("GET", "/manifest.webmanifest"): PUBLIC,
    ("POST", "/join"): dict.fromkeys(ROLES, "redirect:/respond"),
    ("GET", "/respond"): dict.fromkeys(ROLES, "redirect:/join"),
    ("GET", "/respond/about-you"): dict.fromkeys(ROLES, "redirect:/join"),
    ("POST", "/respond/about-you"): dict.fromkeys(ROLES, "redirect:/join"),
    ("GET", "/respond/questions/{step}"): dict.fromkeys(ROLES, "redirect:/join"),
    ("POST", "/respond/questions/{step}"): dict.fromkeys(ROLES, "redirect:/join"),
    ("GET", "/respond/review"): dict.fromkeys(ROLES, "redirect:/join"),
    ("POST", "/respond/submit"): dict.fromkeys(ROLES, "redirect:/join"),
    ("GET", "/respond/thanks"): dict.fromkeys(ROLES, "redirect:/join"),
    ("POST", "/respond/finish"): dict.fromkeys(ROLES, "redirect:/join"),
    ("GET", "/respond/idle"): dict.fromkeys(ROLES, "redirect:/join"),
    # Trust pages.
    ("GET", "/trust"): {"anonymous": LOGIN, "admin": 200, **dict.fromkeys(ROLES[2:], "redirect:/trust/")},
    ("GET", "/trust/{trust_id}"): TRUST_A_PAGE,
    ("POST", "/trust/{trust_id}/rounds"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("GET", "/trust/rounds/{round_id}"): TRUST_A_PAGE,
    ("GET", "/trust/rounds/{round_id}/compare"): TRUST_A_PAGE,
    ("GET", "/trust/rounds/{round_id}/gaps"): TRUST_A_PAGE,
    ("GET", "/trust/rounds/{round_id}/arcs/{arc}"): TRUST_A_PAGE,
    ("GET", "/trust/rounds/{round_id}/targets"): TRUST_A_PAGE,
    ("POST", "/trust/rounds/{round_id}/targets"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("POST", "/trust/rounds/{round_id}/support-needs"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("POST", "/trust/rounds/{round_id}/support-needs/{need_id}/delete"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("GET", "/trust/rounds/{round_id}/coverage"): TRUST_A_PAGE,
    ("GET", "/trust/rounds/{round_id}/progress"): TRUST_A_PAGE,
    ("POST", "/trust/rounds/{round_id}/publish"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("POST", "/trust/rounds/{round_id}/reopen"): only(
        LEAD_A_PAGE, admin="redirect:/trust/rounds/", lead_a="redirect:/trust/rounds/"
    ),
    ("GET", "/trust/{trust_id}/actions"): TRUST_A_PAGE,
    ("GET", "/trust/{trust_id}/trend"): TRUST_A_PAGE,
    ("POST", "/trust/{trust_id}/actions"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    ("GET", "/trust/{trust_id}/actions/{action_id}/edit"): LEAD_A_PAGE,
    ("POST", "/trust/{trust_id}/actions/{action_id}/edit"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    ("POST", "/trust/{trust_id}/actions/{action_id}/delete"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    ("POST", "/trust/{trust_id}/actions/{action_id}/move"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    ("GET", "/trust/{trust_id}/invite"): LEAD_A_PAGE,
    ("POST", "/trust/{trust_id}/invite"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    ("GET", "/trust/rounds/{round_id}/delete"): LEAD_A_PAGE,
    ("POST", "/trust/rounds/{round_id}/delete"): only(
        LEAD_A_PAGE, admin="redirect:/trust/", lead_a="redirect:/trust/"
    ),
    # Running focus groups (pages): leads and facilitators anywhere; a session's own facilitator or leads.
    ("GET", "/facilitate"): only(RUN_SESSION_PAGE, lead_b=200),
    ("POST", "/facilitate/sessions"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    ("GET", "/facilitate/sessions/{session_id}"): RUN_SESSION_PAGE,
    ("POST", "/facilitate/sessions/{session_id}/state"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    ("GET", "/facilitate/sessions/{session_id}/close"): RUN_SESSION_PAGE,
    ("POST", "/facilitate/sessions/{session_id}/reveal"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    ("POST", "/facilitate/sessions/{session_id}/consensus"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    ("GET", "/facilitate/sessions/{session_id}/screen"): RUN_SESSION_PAGE,
    ("POST", "/facilitate/sessions/{session_id}/screen"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    ("GET", "/facilitate/sessions/{session_id}/paper"): RUN_SESSION_PAGE,
    ("POST", "/facilitate/sessions/{session_id}/paper"): only(
        RUN_SESSION_PAGE, **dict.fromkeys(RUNNERS, "redirect:/facilitate/sessions/")
    ),
    # Administration.
    ("GET", "/admin"): ADMIN_PAGE,
    ("POST", "/admin/trusts"): admin_form("redirect:/admin?added=trust"),
    ("POST", "/admin/users"): admin_form("redirect:/admin/users/"),
    ("GET", "/admin/users/{user_id}"): ADMIN_PAGE,
    ("POST", "/admin/users/{user_id}/memberships"): admin_form("redirect:/admin/users/"),
    ("POST", "/admin/users/{user_id}/memberships/{trust_id}/delete"): admin_form("redirect:/admin/users/"),
    ("POST", "/admin/users/{user_id}/active"): admin_form("redirect:/admin/users/"),
    # The viewer has chosen a password: a new invitation is a conflict (they can reset it instead).
    ("POST", "/admin/users/{user_id}/invitation"): admin_form(409),
    ("POST", "/admin/users/{user_id}/second-factor/reset"): admin_form("redirect:/admin/users/"),
    ("GET", "/admin/audit"): ADMIN_PAGE,
    ("GET", "/admin/audit.csv"): ADMIN_PAGE,
}


def request_body(method: str, path: str, world: World) -> dict[str, Any]:
    """A valid body for each route that takes one, so that only the caller's rights decide the answer."""
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/login"): {"data": {"email": "lead.a@example.org", "password": "not the password"}},
        ("POST", "/api/trusts"): {"json": {"name": "Trust C"}},
        ("POST", "/api/users"): {
            "json": {"email": "new.person@example.org", "password": "a long enough password"}
        },
        ("PUT", "/api/trusts/{trust_id}/members/{user_id}"): {"json": {"role": "lead"}},
        ("POST", "/api/trusts/{trust_id}/rounds"): {"json": {"name": "2010 re-assessment"}},
        ("POST", "/trust/{trust_id}/rounds"): {"data": {"name": "2010 re-assessment"}},
        ("POST", "/trust/rounds/{round_id}/delete"): {"data": {"confirm_name": world.round_a_name}},
        ("POST", "/admin/trusts"): {"data": {"name": "Trust C"}},
        ("POST", "/admin/users"): {
            "data": {"email": "new.person@example.org", "trust_id": str(world.trust_a), "role": "viewer"}
        },
        ("POST", "/account/security"): {"data": {"code": "000000"}},
        ("POST", "/login/second-factor"): {"data": {"code": "000000"}},
        ("POST", "/trust/{trust_id}/invite"): {"data": {"email": "new.person@example.org", "role": "viewer"}},
        ("POST", "/invitations/{token}"): {"data": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}},
        ("POST", "/password-reset/{token}"): {"data": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}},
        ("POST", "/password-reset"): {"data": {"email": "lead.a@example.org"}},
        ("POST", "/account/password"): {
            "data": {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        },
        ("POST", "/admin/users/{user_id}/memberships"): {
            "data": {"trust_id": str(world.trust_a), "role": "lead"}
        },
        ("POST", "/admin/users/{user_id}/active"): {"data": {"active": "false"}},
        ("POST", "/api/rounds/{round_id}/sessions"): {
            "json": {"viewpoint": "child", "arcs": ["orange"], "title": "Year 6"}
        },
        ("POST", "/api/sessions/{session_id}/state"): {"json": {"state": "locked"}},
        ("POST", "/api/join"): {"json": {"code": world.session_a_code}},
        ("POST", "/join"): {"data": {"code": world.session_a_code}},
        ("POST", "/respond/questions/{step}"): {"data": {"key": "policy-check", "rating": "4"}},
        ("POST", "/respond/submit"): {"data": {"key": "policy-check"}},
        ("POST", "/api/rounds/{round_id}/answers/import"): {
            "content": b"respondent,viewpoint,item,rating\nr1,team,orange.team.1,4\n",
            "headers": {"content-type": "text/csv"},
        },
        ("POST", "/api/sessions/{session_id}/consensus"): {
            "json": {"item": "orange.practitioner.1", "rating": 3, "notes": "Two agencies share a glossary."}
        },
        ("POST", "/api/sessions/{session_id}/reveal"): {"json": {"revealed": True}},
        ("POST", "/facilitate/sessions"): {
            "data": {
                "round_id": str(world.round_a),
                "viewpoint": "child",
                "arcs": "orange",
                "title": "Year 6",
            }
        },
        ("POST", "/facilitate/sessions/{session_id}/state"): {"data": {"state": "locked"}},
        ("POST", "/facilitate/sessions/{session_id}/reveal"): {"data": {"revealed": "true"}},
        ("POST", "/facilitate/sessions/{session_id}/screen"): {"data": {"to": "next"}},
        ("POST", "/facilitate/sessions/{session_id}/consensus"): {
            "data": {"item": "orange.practitioner.1", "rating": "3", "notes": "Shared glossary."}
        },
        ("POST", "/facilitate/sessions/{session_id}/paper"): {"data": {"rating-orange.practitioner.1": "4"}},
        ("POST", "/api/rounds/{round_id}/targets"): {"json": {"arc": "green", "level": 4}},
        ("POST", "/api/trusts/{trust_id}/actions"): {
            "json": {"title": "Shared glossary", "arcs": ["orange"]}
        },
        ("PUT", "/api/trusts/{trust_id}/actions/{action_id}"): {
            "json": {"title": "Shared glossary", "arcs": ["orange"], "status": "on_track"}
        },
        ("POST", "/api/rounds/{round_id}/support-needs"): {
            "json": {"arc": "orange", "kind": "training", "description": "Joint training for new staff"}
        },
        ("POST", "/trust/rounds/{round_id}/targets"): {"data": {"target-orange": "4"}},
        ("POST", "/trust/rounds/{round_id}/support-needs"): {
            "data": {"arc": "orange", "kind": "data", "description": "Local data on outcomes"}
        },
        ("POST", "/trust/{trust_id}/actions"): {"data": {"title": "Shared glossary", "arcs": ["orange"]}},
        ("POST", "/trust/{trust_id}/actions/{action_id}/edit"): {
            "data": {"title": "Shared glossary", "arcs": ["orange"], "status": "done"}
        },
        ("POST", "/trust/{trust_id}/actions/{action_id}/move"): {"data": {"direction": "up"}},
        ("PUT", "/api/responses"): {
            "json": {"answers": [{"item": "orange.practitioner.1", "rating": 4}]},
            "headers": {"Idempotency-Key": "policy-check"},
        },
    }
    return bodies.get((method, path), {})


def concrete_path(path: str, world: World) -> str:
    return path.format(
        trust_id=world.trust_a,
        round_id=world.round_a,
        baseline_id=world.round_a_next,  # set by PolicyApp.reset, with the plan items below
        target_id=world.extras.get("target", 0),
        action_id=world.extras.get("action", 0),
        need_id=world.extras.get("need", 0),
        user_id=world.users["viewer_a"],
        session_id=world.session_a,
        arc="orange",
        viewpoint="child",
        step=1,
        token="never-sent-by-email",
    )


def app_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers too; mounts (static files) aside."""
    found = set()
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if context.path is not None and context.methods:
            found.update((method, context.path) for method in context.methods if method != "HEAD")
    return found


def plan_items(engine: Engine, world: World) -> dict[str, int]:
    """A target and a support need in trust A's round and an action in its plan, for the routes on them."""
    with write_session(engine) as db:
        items = {
            "target": Target(round_id=world.round_a, arc="orange", level=4),
            "need": SupportNeed(
                round_id=world.round_a, arc="orange", kind=SupportKind.DATA, description="Data"
            ),
            "action": Action(trust_id=world.trust_a, title="Glossary", arcs="orange"),
        }
        db.add_all(items.values())
        db.flush()
        return {name: item.id for name, item in items.items()}  # type: ignore[misc]


#: Publishing as the demo does (no one's rights are checked); as often as the table needs.
RULES = PublicationRules(min_group_size=5, max_publications_per_day=1000)


def publish_rounds(engine: Engine, world: World) -> None:
    """Trust A's two rounds published; the first then takes late answers in its focus group, open again (as
    after a lead reopens it and a new group starts)."""
    with write_session(engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.CLOSED
        db.flush()
        for round_id in (world.round_a, world.round_a_next):
            db_round = db.get(Round, round_id)
            assert db_round is not None
            publish(db, actor=None, db_round=db_round, rules=RULES)
        first = db.get(Round, world.round_a)
        assert first is not None
        first.status = RoundStatus.OPEN
        focus.state = SessionState.OPEN


def session_a_closed(engine: Engine, world: World) -> None:
    """Every focus group of round A closed: a lead may publish it again."""
    with write_session(engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.CLOSED


def round_a_taking_no_answers(engine: Engine, world: World) -> None:
    """Round A published and not taking late answers, its focus group closed: a lead may reopen it."""
    session_a_closed(engine, world)
    with write_session(engine) as db:
        db_round = db.get(Round, world.round_a)
        assert db_round is not None
        db_round.status = RoundStatus.CLOSED


#: The routes that need round A in another state than the table's usual one.
SETUP: dict[tuple[str, str], Callable[[Engine, World], None]] = {
    ("POST", "/api/rounds/{round_id}/publish"): session_a_closed,
    ("POST", "/trust/rounds/{round_id}/publish"): session_a_closed,
    ("POST", "/api/rounds/{round_id}/reopen"): round_a_taking_no_answers,
    ("POST", "/trust/rounds/{round_id}/reopen"): round_a_taking_no_answers,
}


@dataclass
class PolicyApp:
    client: TestClient

    def reset(self, route: tuple[str, str] | None = None) -> World:
        """Empty every table and make the world afresh: each case starts from the same state (with what
        `route` needs of it, see `SETUP`)."""
        engine = app_state(self.client).engine
        with write_session(engine) as db:
            for table in reversed(SQLModel.metadata.sorted_tables):
                db.execute(delete(table))
        world = make_world(engine)
        world.round_a_next = add_round(engine, trust_id=world.trust_a, name="Spring 2010 review")
        world.extras.update(plan_items(engine, world))
        publish_rounds(engine, world)
        if route in SETUP:
            SETUP[route](engine, world)
        return world


@pytest.fixture(scope="module", params=ENGINES)
def policy_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PolicyApp]:
    # One app and database per engine for the whole table (building one per case would take minutes).
    directory: Path = tmp_path_factory.mktemp("policy")
    with fresh_database(request.param, directory) as url:
        settings = Settings(_env_file=None, database_url=url, secret_key=TEST_SECRET)  # type: ignore[call-arg]
        engine = create_db_engine(settings)
        upgrade(engine)
        engine.dispose()
        with TestClient(create_app(settings), follow_redirects=False) as client:
            yield PolicyApp(client)


CASES = [(method, path, role) for (method, path) in POLICY for role in ROLES]


@pytest.mark.parametrize(("method", "path", "role"), CASES, ids=[f"{m} {p} as {r}" for m, p, r in CASES])
def test_route_answers_each_role_as_the_policy_says(
    policy_app: PolicyApp, method: str, path: str, role: str
) -> None:
    world = policy_app.reset((method, path))
    client = policy_app.client
    user_id = None if role == "anonymous" else world.users[role]
    headers = browse_as(client, user_id)
    if path.startswith("/api/") and user_id is not None:
        client.cookies.clear()  # API clients use their personal token, and no cookies
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    body = request_body(method, path, world)
    headers = {**headers, **body.pop("headers", {})}
    response = client.request(method, concrete_path(path, world), headers=headers, **body)
    expected = POLICY[(method, path)][role]
    if expected == LOGIN:
        assert (response.status_code, response.headers.get("location", "")[:12]) == (303, "/login?next=")
    elif isinstance(expected, str):
        prefix = expected.removeprefix("redirect:")
        assert response.status_code == 303, response.text[:300]
        assert response.headers["location"].startswith(prefix)
    else:
        assert response.status_code == expected, response.text[:300]


def test_every_route_is_in_the_policy_table(policy_app: PolicyApp) -> None:
    missing = app_routes(policy_app.client) - set(POLICY)
    assert not missing, f"routes with no stated policy: {sorted(missing)}"


def test_the_policy_table_names_only_routes_that_exist(policy_app: PolicyApp) -> None:
    assert set(POLICY) <= app_routes(policy_app.client)


def test_every_policy_covers_every_role() -> None:
    for route, statuses in POLICY.items():
        assert set(statuses) == set(ROLES), route


#: The routes that give a round's figures: nothing but 409 for a round never published, to anyone who may
#: read it; another trust still gets 404 (a 409 would tell it the round exists).
FIGURE_ROUTES = [
    "/api/rounds/{round_id}/scores",
    "/api/rounds/{round_id}/compare/{baseline_id}",
    "/api/rounds/{round_id}/rainbow.png",
    "/api/rounds/{round_id}/rainbow.svg",
    "/api/rounds/{round_id}/export.csv",
    "/api/rounds/{round_id}/export.xlsx",
    "/api/rounds/{round_id}/report.pdf",
]


@pytest.mark.parametrize("path", FIGURE_ROUTES)
def test_a_round_never_published_gives_members_409_and_other_trusts_404(
    policy_app: PolicyApp, path: str
) -> None:
    world = policy_app.reset()
    engine = app_state(policy_app.client).engine
    unpublished = add_round(engine, trust_id=world.trust_a, name="2011 re-assessment")
    client = policy_app.client
    client.cookies.clear()
    concrete = path.format(round_id=unpublished, baseline_id=world.round_a_next)
    for role, expected in {"admin": 409, "lead_a": 409, "viewer_a": 409, "lead_b": 404}.items():
        response = client.get(concrete, headers={"Authorization": f"Bearer {world.tokens[role]}"})
        assert response.status_code == expected, (role, response.text[:300])
