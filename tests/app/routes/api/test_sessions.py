"""Focus-group sessions over the JSON API: creating, running, joining, answering, idempotency, throttling."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.choices import Role
from app.db.engine import read_session
from app.db.tables import Answer, Participant
from app.store.focus_sessions import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH
from tests.factories import PASSWORD, World, app_state, csrf_headers, make_user


def bearer(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def new_session(
    client: TestClient,
    world: World,
    *,
    viewpoint: str = "practitioner",
    arcs: list[str] | None = None,
    role: str = "lead_a",
    state: str | None = "open",
) -> dict[str, object]:
    body = {"viewpoint": viewpoint, "arcs": arcs or ["orange"], "title": "Test group"}
    created = client.post(f"/api/rounds/{world.round_a}/sessions", json=body, headers=bearer(world, role))
    assert created.status_code == 201, created.text
    session = created.json()
    if state:
        client.post(
            f"/api/sessions/{session['id']}/state", json={"state": state}, headers=bearer(world, role)
        )
    return session


def join(client: TestClient, code: str) -> dict[str, object]:
    response = client.post(
        "/api/join", json={"code": code}, headers=csrf_headers(client) if client.cookies else {}
    )
    assert response.status_code == 200, response.text
    return response.json()


def put(client: TestClient, token: str, body: dict[str, object], key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.put("/api/responses", json=body, headers=headers)


def answers_stored(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(Answer)) or 0)


# --- creating and running sessions ------------------------------------------------------------------------


def test_a_new_session_is_a_draft_with_an_unambiguous_join_code(client: TestClient, world: World) -> None:
    session = new_session(client, world, state=None)
    assert session["state"] == "draft"
    code = str(session["join_code"])
    assert len(code) == JOIN_CODE_LENGTH and set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set(code) & set("01OIL")


def test_join_codes_carry_at_least_thirty_bits() -> None:
    assert len(JOIN_CODE_ALPHABET) ** JOIN_CODE_LENGTH >= 2**30


def test_sessions_list_their_arcs_in_framework_order(client: TestClient, world: World) -> None:
    session = new_session(client, world, arcs=["pink", "red", "green"], state=None)
    assert session["arcs"] == ["red", "green", "pink"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"viewpoint": "parent", "arcs": ["orange"], "title": "x"}, "viewpoint"),
        ({"viewpoint": "team", "arcs": ["turquoise"], "title": "x"}, "arcs"),
        ({"viewpoint": "team", "arcs": [], "title": "x"}, "body.arcs"),
        ({"viewpoint": "team", "arcs": ["red", "red"], "title": "x"}, "body.arcs"),
        ({"viewpoint": "team", "arcs": ["red"], "title": ""}, "body.title"),
    ],
)
def test_a_bad_session_is_422_naming_the_field(
    client: TestClient, world: World, body: dict, field: str
) -> None:
    response = client.post(
        f"/api/rounds/{world.round_a}/sessions", json=body, headers=bearer(world, "lead_a")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_a_facilitator_sees_only_their_own_sessions_and_a_lead_sees_all(
    client: TestClient, world: World
) -> None:
    other = make_user(
        app_state(client).engine,
        "other.facilitator@example.org",
        trust_id=world.trust_a,
        role=Role.FACILITATOR,
    )
    mine = new_session(client, world, role="facilitator_a", state=None)
    assert other
    with closing(TestClient(client.app)) as other_client:  # type: ignore[arg-type]
        other_client.get("/login")
        other_client.post(
            "/login",
            data={"email": "other.facilitator@example.org", "password": PASSWORD},
            headers=csrf_headers(other_client),
        )
        assert (
            other_client.get(f"/api/sessions/{mine['id']}", headers=csrf_headers(other_client)).status_code
            == 404
        )
        listed = other_client.get(f"/api/rounds/{world.round_a}/sessions").json()
        assert listed == []
    lead_list = client.get(f"/api/rounds/{world.round_a}/sessions", headers=bearer(world, "lead_a")).json()
    assert {s["id"] for s in lead_list} == {mine["id"], world.session_a}


def test_the_life_cycle_runs_draft_open_locked_open_closed(client: TestClient, world: World) -> None:
    session = new_session(client, world, state=None)
    states = []
    for target in ("open", "locked", "open", "closed"):
        response = client.post(
            f"/api/sessions/{session['id']}/state", json={"state": target}, headers=bearer(world, "lead_a")
        )
        assert response.status_code == 200
        states.append(response.json()["state"])
    assert states == ["open", "locked", "open", "closed"]
    assert response.json()["join_code"] is None


def test_a_closed_session_cannot_be_reopened(client: TestClient, world: World) -> None:
    session = new_session(client, world, state="closed")
    response = client.post(
        f"/api/sessions/{session['id']}/state", json={"state": "open"}, headers=bearer(world, "lead_a")
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "A session that is closed cannot become open."


# --- joining ----------------------------------------------------------------------------------------------


def test_joining_gives_a_long_token_the_session_and_its_items(client: TestClient, world: World) -> None:
    joined = join(client, world.session_a_code)
    assert len(str(joined["token"])) >= 43  # 32 random bytes, base64url
    assert joined["session"] == {
        "id": world.session_a,
        "viewpoint": "practitioner",
        "arcs": ["orange", "green"],
    }
    codes = [item["code"] for item in joined["items"]]  # type: ignore[union-attr]
    assert codes[0] == "orange.practitioner.1" and codes[-1].startswith("green.practitioner.")


def test_a_code_is_accepted_in_lower_case_and_with_spaces(client: TestClient, world: World) -> None:
    assert join(client, " abc defg ")["session"]["id"] == world.session_a  # type: ignore[index]


def test_joining_sets_an_httponly_participant_cookie(client: TestClient, world: World) -> None:
    response = client.post("/api/join", json={"code": world.session_a_code})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rainbow_participant=") and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_locked_session_refuses_new_people_with_a_clear_409(client: TestClient, world: World) -> None:
    client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "locked"}, headers=bearer(world, "lead_a")
    )
    response = client.post("/api/join", json={"code": world.session_a_code})
    assert response.status_code == 409
    assert "not taking anyone new" in response.json()["detail"]


def test_a_draft_session_refuses_people_until_it_opens(client: TestClient, world: World) -> None:
    session = new_session(client, world, state=None)
    response = client.post("/api/join", json={"code": session["join_code"]})
    assert response.status_code == 409
    assert "has not started yet" in response.json()["detail"]


def test_a_closed_sessions_code_joins_no_one_and_says_the_session_has_finished(
    client: TestClient, world: World
) -> None:
    session = new_session(client, world, state="closed")
    code = session["join_code"]
    response = client.post("/api/join", json={"code": code})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("This session has finished.")


def test_a_flood_of_wrong_codes_is_answered_429(client: TestClient, world: World) -> None:
    statuses = [client.post("/api/join", json={"code": f"WRONG{n:02d}"}).status_code for n in range(12)]
    assert statuses[:9] == [404] * 9
    assert statuses[-1] == 429


def test_one_device_s_wrong_codes_do_not_block_other_tablets_at_the_same_address(
    client: TestClient, world: World
) -> None:
    with closing(TestClient(client.app)) as mistyping:  # type: ignore[arg-type]
        mistyping.cookies.set("rainbow_csrf", "tablet-1")
        headers = csrf_headers(mistyping)
        for n in range(12):
            mistyping.post("/api/join", json={"code": f"WRONG{n:02d}"}, headers=headers)
        assert (
            mistyping.post("/api/join", json={"code": world.session_a_code}, headers=headers).status_code
            == 429
        )
    for tablet in range(35):
        with closing(TestClient(client.app)) as other:  # type: ignore[arg-type]
            other.cookies.set("rainbow_csrf", f"tablet-{tablet + 2}")
            assert join(other, world.session_a_code)["session"]["id"] == world.session_a  # type: ignore[index]


def test_wrong_codes_do_not_count_against_sign_in(client: TestClient, world: World) -> None:
    for n in range(12):
        client.post("/api/join", json={"code": f"WRONG{n:02d}"})
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": world.emails["lead_a"], "password": PASSWORD},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert response.status_code == 303


# --- answering --------------------------------------------------------------------------------------------


def test_answers_are_saved_and_replayed_by_key_without_storing_twice(
    client: TestClient, world: World
) -> None:
    token = str(join(client, world.session_a_code)["token"])
    body = {
        "answers": [
            {"item": "orange.practitioner.1", "rating": 4},
            {"item": "green.practitioner.2", "rating": "dk"},
        ]
    }
    first = put(client, token, body, "key-1")
    assert first.status_code == 200
    assert first.json() == {"saved": 2, "answered": 2, "total": 10, "submitted": False}
    assert put(client, token, body, "key-1").json() == first.json()
    assert answers_stored(client) == 2


def test_a_changed_body_under_a_used_key_is_422(client: TestClient, world: World) -> None:
    token = str(join(client, world.session_a_code)["token"])
    put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": 4}]}, "key-1")
    response = put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": 5}]}, "key-1")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"


def test_a_submission_without_a_key_is_400(client: TestClient, world: World) -> None:
    token = str(join(client, world.session_a_code)["token"])
    assert put(client, token, {"answers": []}).status_code == 400


def test_a_bad_token_is_401(client: TestClient, world: World) -> None:
    assert put(client, "not-a-token", {"answers": []}, "k").status_code == 401


def test_a_closed_session_s_token_is_410_telling_the_tablet_to_drop_the_answers(
    client: TestClient, world: World
) -> None:
    token = str(join(client, world.session_a_code)["token"])
    client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=bearer(world, "lead_a")
    )
    response = put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": 3}]}, "k")
    assert response.status_code == 410
    assert response.headers["Outbox-Action"] == "drop"


def test_a_locked_session_still_takes_answers(client: TestClient, world: World) -> None:
    token = str(join(client, world.session_a_code)["token"])
    client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "locked"}, headers=bearer(world, "lead_a")
    )
    assert (
        put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": 3}]}, "k").status_code
        == 200
    )


def test_an_item_not_in_the_session_is_422_naming_it(client: TestClient, world: World) -> None:
    token = str(join(client, world.session_a_code)["token"])
    response = put(client, token, {"answers": [{"item": "red.practitioner.1", "rating": 3}]}, "k")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "answers[0].item", "message": "'red.practitioner.1' is not a statement of this session"}
    ]
    assert answers_stored(client) == 0


def test_a_new_answer_replaces_the_old_one(client: TestClient, world: World) -> None:
    token = str(join(client, world.session_a_code)["token"])
    put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": 2}]}, "k1")
    put(client, token, {"answers": [{"item": "orange.practitioner.1", "rating": "na"}]}, "k2")
    with read_session(app_state(client).engine) as db:
        [answer] = db.scalars(select(Answer)).all()
    assert (answer.rating, answer.kind) == (None, "na")


def test_children_give_no_comments_unless_the_facilitator_allows_them(
    client: TestClient, world: World
) -> None:
    session = new_session(client, world, viewpoint="child")
    token = str(join(client, str(session["join_code"]))["token"])
    body = {"answers": [{"item": "orange.child.1", "rating": 5, "comment": "My name is Sam"}]}
    response = put(client, token, body, "k")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "answers[0].comment"


def test_children_are_asked_only_an_age_band_and_whether_helped(client: TestClient, world: World) -> None:
    session = new_session(client, world, viewpoint="child")
    token = str(join(client, str(session["join_code"]))["token"])
    assert put(client, token, {"profile": {"age_band": "8-10", "assisted": True}}, "k1").status_code == 200
    response = put(client, token, {"profile": {"sector": "health"}}, "k2")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "profile.sector"


# --- the room: thirty tablets at once ---------------------------------------------------------------------


def test_thirty_participants_join_at_once_submit_and_replays_change_nothing(
    client: TestClient, world: World
) -> None:
    app = client.app

    def one_tablet(n: int) -> tuple[str, str, dict[str, object], dict[str, object]]:
        with closing(TestClient(app)) as tablet:  # no lifespan: the app's own is running  # type: ignore[arg-type]
            tablet.cookies.set("rainbow_csrf", f"tablet-{n}")
            token = str(join(tablet, world.session_a_code)["token"])
            tablet.cookies.clear()
            body = {
                "answers": [
                    {"item": f"orange.practitioner.{i}", "rating": 1 + (n + i) % 5} for i in range(1, 6)
                ],
                "profile": {"sector": "health", "role_level": "frontline"},
                "submit": True,
            }
            key = str(uuid.uuid4())
            reply = put(tablet, token, body, key)
            assert reply.status_code == 200, reply.text
            return token, key, body, reply.json()

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(one_tablet, range(30)))
    progress = client.get(f"/api/sessions/{world.session_a}/progress", headers=bearer(world, "lead_a")).json()
    assert (progress["joined"], progress["submitted"], progress["answers"]) == (30, 30, 150)

    def replay(result: tuple[str, str, dict[str, object], dict[str, object]]) -> dict[str, object]:
        token, key, body, _ = result
        with closing(TestClient(app)) as tablet:  # no lifespan: the app's own is running  # type: ignore[arg-type]
            return put(tablet, token, body, key).json()

    with ThreadPoolExecutor(max_workers=30) as pool:
        replays = list(pool.map(replay, results))
    assert replays == [result[3] for result in results]
    assert (
        client.get(f"/api/sessions/{world.session_a}/progress", headers=bearer(world, "lead_a")).json()
        == progress
    )


def test_fifty_participants_answering_at_once_all_get_stored(client: TestClient, world: World) -> None:
    app = client.app

    def one_tablet(n: int) -> int:
        with closing(TestClient(app)) as tablet:  # no lifespan: the app's own is running  # type: ignore[arg-type]
            tablet.cookies.set("rainbow_csrf", f"tablet-{n}")
            token = str(join(tablet, world.session_a_code)["token"])
            tablet.cookies.clear()
            codes = [f"orange.practitioner.{i}" for i in range(1, 6)] + [
                f"green.practitioner.{i}" for i in range(1, 4)
            ]
            for index, code in enumerate(codes):
                reply = put(
                    tablet,
                    token,
                    {"answers": [{"item": code, "rating": 1 + (n + index) % 5}]},
                    f"{n}-{index}",
                )
                assert reply.status_code == 200, reply.text
            return len(codes)

    with ThreadPoolExecutor(max_workers=50) as pool:
        sent = sum(pool.map(one_tablet, range(50)))
    assert answers_stored(client) == sent == 400


# --- import -----------------------------------------------------------------------------------------------


def post_csv(client: TestClient, world: World, text: str):  # type: ignore[no-untyped-def]
    headers = {**bearer(world, "lead_a"), "content-type": "text/csv"}
    return client.post(f"/api/rounds/{world.round_a}/answers/import", content=text.encode(), headers=headers)


def test_an_import_creates_one_participant_per_respondent(client: TestClient, world: World) -> None:
    csv_text = (
        "respondent,viewpoint,item,rating,sector,role_level,comment\n"
        "r1,practitioner,orange.practitioner.1,4,health,frontline,Good training\n"
        "r1,practitioner,orange.practitioner.2,dk,health,frontline,\n"
        "r2,practitioner,orange.practitioner.1,2,,,\n"
        "c1,child,orange.child.1,na,,,\n"
    )
    response = post_csv(client, world, csv_text)
    assert response.status_code == 200
    assert response.json()["rows"] == 4 and response.json()["participants"] == 3
    with read_session(app_state(client).engine) as db:
        kinds = sorted((a.item_code, a.rating, a.kind) for a in db.scalars(select(Answer)))
        sources = {p.source for p in db.scalars(select(Participant))}
    assert kinds == [
        ("orange.child.1", None, "na"),
        ("orange.practitioner.1", 2, "rating"),
        ("orange.practitioner.1", 4, "rating"),
        ("orange.practitioner.2", None, "dk"),
    ]
    assert sources == {"import"}


def test_a_bad_import_reports_every_bad_row_by_line_and_stores_nothing(
    client: TestClient, world: World
) -> None:
    csv_text = (
        "respondent,viewpoint,item,rating\n"
        "r1,practitioner,orange.practitioner.1,4\n"
        "r2,practitioner,orange.practitioner.1,9\n"
        "r3,child,orange.team.1,3\n"
        "r4,parent,orange.child.1,3\n"
    )
    response = post_csv(client, world, csv_text)
    assert response.status_code == 422
    fields = [problem["field"] for problem in response.json()["detail"]]
    assert fields == ["line 3", "line 4", "line 5"]
    assert answers_stored(client) == 0


def test_an_import_with_a_wrong_header_is_refused(client: TestClient, world: World) -> None:
    response = post_csv(client, world, "who,what\nx,y\n")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "line 1"


def test_an_import_that_is_not_utf8_is_refused(client: TestClient, world: World) -> None:
    headers = {**bearer(world, "lead_a"), "content-type": "text/csv"}
    response = client.post(
        f"/api/rounds/{world.round_a}/answers/import", content=b"\xff\xfe\x00", headers=headers
    )
    assert response.status_code == 422
    assert re.search("UTF-8", response.json()["detail"][0]["message"])


def test_an_import_with_a_field_too_long_for_csv_is_422_naming_its_line(
    client: TestClient, world: World
) -> None:
    csv_text = (
        f"respondent,viewpoint,item,rating,comment\nr1,practitioner,orange.practitioner.1,4,{'x' * 131_073}\n"
    )
    response = post_csv(client, world, csv_text)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": "line 2",
            "message": "has a value longer than 131,072 characters; nothing here is that long",
        }
    ]
    assert answers_stored(client) == 0


@pytest.mark.parametrize("column", ["respondent", "comment"])
def test_an_import_with_a_nul_is_422_and_stores_nothing(
    client: TestClient, world: World, column: str
) -> None:
    respondent, comment = ("r\x001", "fine") if column == "respondent" else ("r1", "fi\x00ne")
    csv_text = (
        "respondent,viewpoint,item,rating,comment\n"
        f"{respondent},practitioner,orange.practitioner.1,4,{comment}\n"
    )
    response = post_csv(client, world, csv_text)
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "field": "line 2",
        "message": "has a NUL character (code 0), which cannot be kept; take it out",
    }
    assert answers_stored(client) == 0


def stored_comments(client: TestClient) -> list[str | None]:
    with read_session(app_state(client).engine) as db:
        return [answer.comment for answer in db.scalars(select(Answer))]


def test_an_import_strips_bidirectional_controls_from_comments(client: TestClient, world: World) -> None:
    csv_text = (
        "respondent,viewpoint,item,rating,comment\n"
        "r1,practitioner,orange.practitioner.1,4,ok \u202egnorw\u202c\n"
    )
    assert post_csv(client, world, csv_text).status_code == 200
    assert stored_comments(client) == ["ok gnorw"]


def test_a_comment_with_a_nul_is_422_and_nothing_is_saved(client: TestClient, world: World) -> None:
    token = str(join(client, str(new_session(client, world)["join_code"]))["token"])
    body = {"answers": [{"item": "orange.practitioner.1", "rating": 3, "comment": "a\x00b"}]}
    response = put(client, token, body, key=str(uuid.uuid4()))
    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["detail"]] == ["body.answers.0.comment"]
    assert answers_stored(client) == 0


def test_a_comment_loses_its_bidirectional_controls(client: TestClient, world: World) -> None:
    token = str(join(client, str(new_session(client, world)["join_code"]))["token"])
    comment = "\u2067evil\u2069 \u202eliart\u202c \u200fmark\u061c"
    body = {"answers": [{"item": "orange.practitioner.1", "rating": 3, "comment": comment}]}
    assert put(client, token, body, key=str(uuid.uuid4())).status_code == 200
    assert stored_comments(client) == ["evil liart mark"]


def test_a_code_with_a_nul_is_a_wrong_code_on_every_engine(client: TestClient, world: World) -> None:
    response = client.post("/api/join", json={"code": "ABC\x00DEFG"})
    assert response.status_code == 404
