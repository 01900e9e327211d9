"""Publishing a round (app.services.disclosure.publication): what each figure of a publication becomes,
checked against everything shown before (earlier publications, rooms' reveals, answers staff typed in), and
how often a trust may publish."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import RoundStatus, SessionState
from app.db.engine import read_session, write_session
from app.db.tables import AuditEvent, Round
from app.errors import TooManyRequests
from app.services.disclosure.publication import PublicationRules, publish
from app.services.disclosure.published import PublishedRound, published_round
from framework.disclosure import Hidden
from framework.scoring import Cell
from tests.answers import add_people, focus_group, rating_everything, set_state
from tests.api import bearer, reopen
from tests.api import publish as publish_by_api
from tests.factories import World, add_round, app_state

pytestmark = pytest.mark.database
TOO_FEW = Hidden.TOO_FEW.words
DIFFERENCE = Hidden.DIFFERENCE.words
ORANGE_TEAM = [f"orange.team.{n}" for n in range(1, 6)]


def published(client: TestClient, round_id: int) -> PublishedRound:
    state = app_state(client)
    with read_session(state.engine) as db:
        return published_round(db, round_id=round_id, framework=state.framework, min_group_size=5)


def cell(client: TestClient, round_id: int, arc: str = "orange", viewpoint: str = "team") -> Cell:
    return next(
        c for c in published(client, round_id).scores.cells if (c.arc, c.viewpoint) == (arc, viewpoint)
    )


def statement_reasons(client: TestClient, round_id: int, viewpoint: str = "team") -> dict[str, str | None]:
    return {
        item: figures.hidden_because
        for (seen_from, item), figures in published(client, round_id).statements.items()
        if seen_from == viewpoint
    }


def team_group(client: TestClient, world: World, people: int, rating: int = 3, **kw: object) -> int:
    """`people` team members rating every orange team statement, in a closed group of round A."""
    return focus_group(
        app_state(client).engine,
        world.round_a,
        "team",
        rating_everything(ORANGE_TEAM, rating, people),
        **kw,  # type: ignore[arg-type]
    )


# --- across publications ---------------------------------------------------------------------------------


def test_a_cell_grown_by_fewer_than_k_raters_shows_the_earlier_publication_again(
    client: TestClient, world: World
) -> None:
    team_group(client, world, 6, rating=2)
    publish_by_api(client, world, world.round_a)
    reopen(client, world, world.round_a)
    team_group(client, world, 4, rating=5)
    publish_by_api(client, world, world.round_a)
    again = cell(client, world.round_a)
    assert (again.suppressed, again.n, again.mean, again.as_published) == (False, 6, 2.0, 1)
    body = client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).json()
    shown = next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == ("orange", "team"))
    assert (body["publication"], shown["n"], shown["as_published"]) == (2, 6, 1)
    statements = published(client, world.round_a).statements
    assert {statements[("team", code)].as_published for code in ORANGE_TEAM} == {1}
    assert {statements[("team", code)].raters for code in ORANGE_TEAM} == {6}


def test_a_cell_grown_by_k_raters_or_more_shows_the_new_figure(client: TestClient, world: World) -> None:
    team_group(client, world, 6, rating=2)
    publish_by_api(client, world, world.round_a)
    reopen(client, world, world.round_a)
    team_group(client, world, 5, rating=5)
    publish_by_api(client, world, world.round_a)
    now = cell(client, world.round_a)
    assert (now.n, now.as_published) == (11, None)
    assert now.mean == pytest.approx((6 * 2 + 5 * 5) / 11)


def test_the_earlier_figure_is_shown_again_until_k_have_come_since_it(
    client: TestClient, world: World
) -> None:
    """Growth is counted from the figure last shown, not from the last publication: two late answers, then
    three more, make five since publication 1, which publication 3 may show."""
    team_group(client, world, 6)
    publish_by_api(client, world, world.round_a)
    for late in (2, 3):
        reopen(client, world, world.round_a)
        team_group(client, world, late, rating=5)
        publish_by_api(client, world, world.round_a)
    third = cell(client, world.round_a)
    assert (third.n, third.as_published) == (11, None)


# --- the ledger of rooms' reveals ---------------------------------------------------------------------------


def reveal_in_room(client: TestClient, world: World, people: int) -> None:
    """`people` practitioners of world.session_a rate orange.practitioner.1, and the room sees it."""
    engine = app_state(client).engine
    add_people(engine, world.session_a, rating_everything(["orange.practitioner.1"], 4, people))
    headers = bearer(world, "facilitator_a")
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)
    results = client.get(f"/api/sessions/{world.session_a}/results", headers=headers).json()
    assert next(r for r in results if r["item"] == "orange.practitioner.1")["raters"] == people


def test_a_round_figure_within_a_few_raters_of_a_rooms_reveal_is_hidden(
    client: TestClient, world: World
) -> None:
    reveal_in_room(client, world, 5)
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "practitioner", rating_everything(["orange.practitioner.1"], 1, 2))
    publish_by_api(client, world, world.round_a)  # the round's statement minus the room's: the other two
    assert cell(client, world.round_a, viewpoint="practitioner").hidden_because == DIFFERENCE
    assert statement_reasons(client, world.round_a, "practitioner") == {"orange.practitioner.1": DIFFERENCE}


def test_a_round_figure_k_raters_beyond_a_rooms_reveal_is_shown(client: TestClient, world: World) -> None:
    reveal_in_room(client, world, 5)
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "practitioner", rating_everything(["orange.practitioner.1"], 1, 5))
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a, viewpoint="practitioner").n == 10
    assert statement_reasons(client, world.round_a, "practitioner") == {"orange.practitioner.1": None}


def seven_in_the_room_four_rated_the_third(client: TestClient, world: World) -> None:
    """Seven practitioners of world.session_a rate orange.practitioner.1 and .2, four of them .3 as well; the
    room sees .1 and .2 (seven raters each), not .3 (four)."""
    both = {"orange.practitioner.1": 4, "orange.practitioner.2": 4}
    people = [{**both, "orange.practitioner.3": 1} for _ in range(4)] + [both for _ in range(3)]
    add_people(app_state(client).engine, world.session_a, people)
    headers = bearer(world, "facilitator_a")
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)
    results = client.get(f"/api/sessions/{world.session_a}/results", headers=headers).json()
    shown = {r["item"] for r in results if r.get("raters")}
    assert shown == {"orange.practitioner.1", "orange.practitioner.2"}


def test_a_cell_whose_counts_less_the_rooms_reveals_leave_a_few_raters_is_hidden(
    client: TestClient, world: World
) -> None:
    """The cell's counts minus the two statements the room saw are the four ratings of the third."""
    seven_in_the_room_four_rated_the_third(client, world)
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a, viewpoint="practitioner").hidden_because == DIFFERENCE


def test_a_cell_whose_counts_less_the_rooms_reveals_leave_k_raters_is_shown(
    client: TestClient, world: World
) -> None:
    seven_in_the_room_four_rated_the_third(client, world)
    engine = app_state(client).engine
    focus_group(engine, world.round_a, "practitioner", rating_everything(["orange.practitioner.3"], 2, 5))
    publish_by_api(client, world, world.round_a)  # the remainder: the room's four and the other group's five
    assert cell(client, world.round_a, viewpoint="practitioner").n == 12


# --- padding ---------------------------------------------------------------------------------------------


def test_answers_typed_in_by_one_member_of_staff_keep_a_cell_of_a_few_others_hidden(
    client: TestClient, world: World
) -> None:
    """Three children plus two questionnaires someone typed in make five, but whoever typed them in could
    subtract theirs and read the three children's answers."""
    session = team_group(client, world, 3, rating=4)
    add_people(
        app_state(client).engine,
        session,
        rating_everything(ORANGE_TEAM, 1, 2),
        entered_by=world.users["facilitator_a"],
    )
    publish_by_api(client, world, world.round_a)
    padded = cell(client, world.round_a)
    assert (padded.suppressed, padded.hidden_because, padded.n) == (True, DIFFERENCE, None)
    assert set(statement_reasons(client, world.round_a).values()) == {DIFFERENCE}


def test_a_cell_all_typed_in_by_one_member_of_staff_is_shown(client: TestClient, world: World) -> None:
    team_group(client, world, 5, rating=4, entered_by=world.users["facilitator_a"])
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a).n == 5


def test_answers_typed_in_beside_k_others_leave_the_cell_shown(client: TestClient, world: World) -> None:
    session = team_group(client, world, 5, rating=4)
    add_people(
        app_state(client).engine,
        session,
        rating_everything(ORANGE_TEAM, 1, 2),
        entered_by=world.users["facilitator_a"],
    )
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a).n == 7


def test_the_audit_log_says_how_many_answers_staff_typed_in(client: TestClient, world: World) -> None:
    team_group(client, world, 5, rating=4, entered_by=world.users["facilitator_a"])
    publish_by_api(client, world, world.round_a)
    with read_session(app_state(client).engine) as db:
        detail = db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "round.publish"))
    assert detail == (
        "publication 1: 1 of 1 cells shown; "
        "answers entered by staff: orange/team 5 by facilitator.a@example.org (5)"
    )


def test_answers_typed_in_count_each_person_once_in_each_cell_they_rated(
    client: TestClient, world: World
) -> None:
    """Five people rate two arcs' statements and two answer only "don't know", all typed in: each cell counts
    the five raters (not their answers, nor those who rated nothing)."""
    yellow_team = [f"yellow.team.{n}" for n in range(1, 4)]
    raters = [dict.fromkeys([*ORANGE_TEAM, *yellow_team], 4) for _ in range(5)]
    focus_group(
        app_state(client).engine,
        world.round_a,
        "team",
        [*raters, *rating_everything(ORANGE_TEAM, "dk", 2)],
        entered_by=world.users["facilitator_a"],
    )
    publish_by_api(client, world, world.round_a)
    with read_session(app_state(client).engine) as db:
        detail = db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "round.publish"))
    assert detail == (
        "publication 1: 2 of 2 cells shown; answers entered by staff: "
        "orange/team 5 by facilitator.a@example.org (5); yellow/team 5 by facilitator.a@example.org (5)"
    )


# --- raters, and statements together ----------------------------------------------------------------------


def test_a_cells_statements_are_hidden_together_when_one_cannot_be_shown(
    client: TestClient, world: World
) -> None:
    """Six rated the first statement, two others the second: the second is too few, and the first with the
    cell would give the second away, so both are hidden; the cell (everyone rated one statement) is shown."""
    people = [{"orange.team.2": 4} if n < 2 else {"orange.team.1": 3} for n in range(8)]
    focus_group(app_state(client).engine, world.round_a, "team", people)
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a).n == 8
    assert statement_reasons(client, world.round_a) == {"orange.team.1": DIFFERENCE, "orange.team.2": TOO_FEW}


def test_one_person_skipping_a_statement_leaves_the_cell_shown_with_the_mean_of_its_ratings(
    client: TestClient, world: World
) -> None:
    """A cell's mean weighs every rating the same, as its distribution does, so it adds nothing to it: one
    who skipped a statement cannot be worked out from the cell, and the cell of seven raters is shown."""
    people = [{"orange.team.1": 3, "orange.team.2": 4} for _ in range(6)] + [{"orange.team.1": 5}]
    focus_group(app_state(client).engine, world.round_a, "team", people)
    publish_by_api(client, world, world.round_a)
    shown = cell(client, world.round_a)
    assert (shown.n, shown.hidden_because) == (7, None)
    assert shown.mean == pytest.approx((6 * 3 + 6 * 4 + 5) / 13)


def test_a_cell_whose_statements_all_have_its_raters_shows_them_all(client: TestClient, world: World) -> None:
    team_group(client, world, 5, rating=4)
    publish_by_api(client, world, world.round_a)
    assert set(statement_reasons(client, world.round_a).values()) == {None}
    figures = published(client, world.round_a).statements[("team", "orange.team.1")]
    assert (figures.raters, figures.ratings, figures.mean) == (
        5,
        {"1": 0, "2": 0, "3": 0, "4": 5, "5": 0},
        4.0,
    )


def test_dont_know_counts_towards_no_figure(client: TestClient, world: World) -> None:
    """Three children rated, two said "don't know" to everything: five answered, three raters, so the cell
    and each of its statements are hidden, everywhere (the issue's first attack)."""
    codes = [f"orange.child.{n}" for n in range(1, 6)]
    children = rating_everything(codes, 2, 3) + rating_everything(codes, "dk", 2)
    focus_group(app_state(client).engine, world.round_a, "child", children)
    publish_by_api(client, world, world.round_a)
    assert cell(client, world.round_a, viewpoint="child").hidden_because == TOO_FEW
    assert set(statement_reasons(client, world.round_a, "child").values()) == {TOO_FEW}
    csv_text = client.get(f"/api/rounds/{world.round_a}/export.csv?headers=codes", headers=bearer(world)).text
    rows = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    child = next(row for row in rows if (row["arc"], row["viewpoint"]) == ("orange", "child"))
    assert (child["suppressed"], child["n"], child["mean"], child["rated_2"]) == ("yes", "", "", "")


# --- how often ------------------------------------------------------------------------------------------

THREE_A_DAY = PublicationRules(min_group_size=5, max_publications_per_day=3)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def publish_at(client: TestClient, round_id: int, at: datetime) -> int:
    with write_session(app_state(client).engine) as db:
        db_round = db.get(Round, round_id)
        assert db_round is not None
        db_round.status = RoundStatus.OPEN  # as reopening does
        return publish(db, actor=None, db_round=db_round, rules=THREE_A_DAY, now=at).number or 0


def test_a_trust_publishes_at_most_the_daily_limit_in_any_24_hours(client: TestClient, world: World) -> None:
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    for hours in (0, 1, 2):
        publish_at(client, world.round_a, T0 + timedelta(hours=hours))
    with pytest.raises(TooManyRequests) as refused:
        publish_at(client, world.round_a, T0 + timedelta(hours=23))
    assert refused.value.headers["Retry-After"] == str(3600)
    assert "It can publish again at 09:00 UTC on 06 January 2026." in refused.value.detail
    assert publish_at(client, world.round_a, T0 + timedelta(hours=24)) == 4


def test_the_limit_counts_every_round_of_the_trust_and_no_other_trusts(
    client: TestClient, world: World
) -> None:
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    others = [add_round(app_state(client).engine, trust_id=world.trust_a, name=f"Round {n}") for n in (1, 2)]
    for n, round_id in enumerate([world.round_a, *others]):
        publish_at(client, round_id, T0 + timedelta(minutes=n))
    with pytest.raises(TooManyRequests):
        publish_at(client, world.round_a, T0 + timedelta(hours=1))
    assert publish_at(client, world.round_b, T0 + timedelta(hours=1)) == 1


def test_deleting_a_published_round_does_not_reset_the_count(client: TestClient, world: World) -> None:
    set_state(app_state(client).engine, world.session_a, SessionState.CLOSED)
    doomed = [
        add_round(app_state(client).engine, trust_id=world.trust_a, name=f"Probe {n}") for n in range(3)
    ]
    for n, round_id in enumerate(doomed):
        publish_at(client, round_id, T0 + timedelta(minutes=n))
    for round_id in doomed:
        assert client.delete(f"/api/rounds/{round_id}", headers=bearer(world)).status_code == 204
    with pytest.raises(TooManyRequests):
        publish_at(client, world.round_a, T0 + timedelta(hours=1))
