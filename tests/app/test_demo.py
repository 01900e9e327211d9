"""``rainbow demo``: a fictional trust, its staff, its action plan, three rounds of focus groups and answers.

The demo is loaded once per engine for this module (it takes a second or two); every test reads it, and the
tests that run the command again check that it changed nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from statistics import mean

import pytest
from bs4 import BeautifulSoup
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from app.choices import RoundStatus, SessionState
from app.cli import cli
from app.config import Settings
from app.db.engine import create_db_engine, read_session
from app.db.tables import (
    Action,
    Answer,
    AuditEvent,
    Consensus,
    FocusSession,
    Membership,
    Participant,
    Round,
    Trust,
    User,
)
from app.main import create_app
from app.services.demo import DEMO_TRUST_NAME
from app.services.demo_evidence import CHILD_EVIDENCE, STAFF_EVIDENCE, evidence_level
from app.services.demo_story import DEMO_ACCOUNTS
from app.services.disclosure.published import published_round
from app.store import disclosures
from app.store.rollups import round_tallies
from framework.model import load_framework
from surveys import load_surveys
from tests.conftest import ENGINES, TEST_SECRET, fresh_database

FRAMEWORK = load_framework()
SURVEYS = load_surveys(Path(__file__).resolve().parents[2] / "surveys", FRAMEWORK)
LOGIN_LINE = re.compile(r"^\s+(?P<email>\S+@\S+)\s+password: (?P<password>\S+)\s+\((?P<what>[^)]+)\)$")


class Demo:
    def __init__(self, url: str, output: str) -> None:
        self.url = url
        self.output = output

    def settings(self) -> Settings:
        return Settings(_env_file=None, database_url=self.url, secret_key=TEST_SECRET)  # type: ignore[call-arg]


def run(args: list[str], url: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.setenv("RAINBOW_DATABASE_URL", url)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("demo")
    with fresh_database(request.param, directory) as url, pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        assert run(["migrate"], url, patch).exit_code == 0
        result = run(["demo"], url, patch)
        assert result.exit_code == 0, result.output
        yield Demo(url, result.stdout)


@pytest.fixture
def engine(demo: Demo) -> Iterator[Engine]:
    engine = create_db_engine(demo.settings())
    yield engine
    engine.dispose()


def counts(engine: Engine) -> dict[str, int]:
    tables = (Trust, User, Membership, Round, FocusSession, Participant, Answer, Consensus)
    with read_session(engine) as db:
        return {
            table.__name__: int(db.scalar(select(func.count()).select_from(table)) or 0) for table in tables
        }


def demo_sessions(engine: Engine) -> list[tuple[FocusSession, str, int]]:
    """Every demo session with its round's name and its number of participants."""
    with read_session(engine) as db:
        rows = db.execute(
            select(FocusSession, Round.name, func.count(Participant.id))
            .join(Round, Round.id == FocusSession.round_id)
            .outerjoin(Participant, Participant.session_id == FocusSession.id)
            .group_by(FocusSession.id, Round.name)
        ).all()
    return [(focus, name, int(n)) for focus, name, n in rows]


def test_the_demo_creates_the_fictional_trust_with_its_three_rounds_on_the_framework_version(
    engine: Engine,
) -> None:
    with read_session(engine) as db:
        trust = db.scalar(select(Trust).where(Trust.name == DEMO_TRUST_NAME))
        assert trust is not None
        rounds = db.scalars(
            select(Round).where(Round.trust_id == trust.id).order_by(Round.period_start)
        ).all()
    assert [(r.name, str(r.period_start), str(r.period_end)) for r in rounds] == [
        ("2009 baseline", "2009-04-01", "2010-03-31"),
        ("2010 re-assessment", "2010-04-01", "2011-03-31"),
        ("2011 follow-up", "2011-04-01", "2012-03-31"),
    ]
    assert {r.framework_version for r in rounds} == {FRAMEWORK.version}


def test_the_lead_has_published_every_round_once_and_they_take_no_more_answers(engine: Engine) -> None:
    with read_session(engine) as db:
        trust_id = db.scalar(select(Trust.id).where(Trust.name == DEMO_TRUST_NAME))
        rounds = db.scalars(select(Round).where(Round.trust_id == trust_id)).all()
        for db_round in rounds:
            assert db_round.id is not None and db_round.status == RoundStatus.CLOSED
            latest = disclosures.latest_publication(db, round_id=db_round.id)
            assert latest is not None and latest.number == 1
            assert latest.actor_email == "lead@riverside.example.org"
            shown = published_round(db, round_id=db_round.id, framework=FRAMEWORK, min_group_size=5)
            assert shown.scores.overall is not None
        published = db.scalars(select(AuditEvent.target).where(AuditEvent.action == "round.publish")).all()
    assert sorted(published) == sorted(f"round {r.id}" for r in rounds)


def test_the_small_childrens_group_of_the_re_assessment_is_hidden_from_every_figure(engine: Engine) -> None:
    with read_session(engine) as db:
        current = db.scalar(select(Round).where(Round.name == "2010 re-assessment"))
        assert current is not None and current.id is not None
        shown = published_round(db, round_id=current.id, framework=FRAMEWORK, min_group_size=5)
    hidden = [(c.arc, c.viewpoint) for c in shown.scores.cells if c.suppressed]
    assert hidden and {viewpoint for _, viewpoint in hidden} == {"child"}


def test_closed_sessions_cover_every_arc_and_viewpoint_in_every_round(engine: Engine) -> None:
    covered: dict[str, set[tuple[str, str]]] = defaultdict(set)
    sessions = demo_sessions(engine)
    for focus, round_name, _ in sessions:
        assert focus.state == SessionState.CLOSED and focus.join_code is None
        assert 1 <= len(focus.arc_keys) <= 3
        covered[round_name] |= {(arc, focus.viewpoint) for arc in focus.arc_keys}
    every = {(arc, viewpoint) for arc in FRAMEWORK.arc_keys for viewpoint in FRAMEWORK.viewpoint_keys}
    assert covered == {"2009 baseline": every, "2010 re-assessment": every, "2011 follow-up": every}


def test_sessions_have_4_to_25_submitted_participants_but_one_small_childrens_group(engine: Engine) -> None:
    sizes = [(focus.viewpoint, n) for focus, _, n in demo_sessions(engine)]
    small = [(viewpoint, n) for viewpoint, n in sizes if n < 5]
    assert len(small) == 1 and small[0][0] == "child" and small[0][1] >= 1
    assert all(n <= 25 for _, n in sizes)
    with read_session(engine) as db:
        unsubmitted = db.scalar(select(func.count()).where(Participant.submitted_at.is_(None)))  # type: ignore[union-attr]
    assert unsubmitted == 0


def test_answers_are_only_to_statements_of_their_session(engine: Engine) -> None:
    with read_session(engine) as db:
        rows = db.execute(
            select(Answer.item_code, Answer.kind, Answer.rating, FocusSession.viewpoint, FocusSession.arcs)
            .join(Participant, Participant.id == Answer.participant_id)
            .join(FocusSession, FocusSession.id == Participant.session_id)
        ).all()
    assert len(rows) > 1000
    for code, kind, rating, viewpoint, arcs in rows:
        allowed = {item.code for arc in arcs.split(",") for item in SURVEYS.items(arc, viewpoint)}
        assert code in allowed
        assert (kind == "rating" and 1 <= rating <= 5) or (kind in ("dk", "na") and rating is None)
    assert {kind for _, kind, *_ in rows} == {"rating", "dk", "na"}


def test_children_never_answer_not_applicable(engine: Engine) -> None:
    with read_session(engine) as db:
        kinds = db.scalars(
            select(Answer.kind)
            .join(Participant, Participant.id == Answer.participant_id)
            .join(FocusSession, FocusSession.id == Participant.session_id)
            .where(FocusSession.viewpoint == "child")
            .distinct()
        ).all()
    assert set(kinds) == {"rating", "dk"}


def test_staff_profiles_and_childrens_age_bands_are_filled_in(engine: Engine) -> None:
    with read_session(engine) as db:
        rows = db.execute(
            select(
                FocusSession.viewpoint, Participant.sector, Participant.role_level, Participant.age_band
            ).join(FocusSession, FocusSession.id == Participant.session_id)
        ).all()
    children = [row for row in rows if row[0] == "child"]
    staff = [row for row in rows if row[0] != "child"]
    assert all(sector is None and level is None for _, sector, level, _ in children)
    assert sum(band is not None for *_, band in children) > len(children) / 2
    assert all(band is None for *_, band in staff)
    assert sum(sector is not None for _, sector, _, _ in staff) > len(staff) / 2


def test_consensus_notes_give_an_agreed_rating_and_evidence_for_statements_of_the_session(
    engine: Engine,
) -> None:
    with read_session(engine) as db:
        rows = db.execute(
            select(Consensus, FocusSession).join(FocusSession, FocusSession.id == Consensus.session_id)
        ).all()
    assert len(rows) >= 10
    for note, focus in rows:
        assert note.item_code in {
            item.code for arc in focus.arc_keys for item in SURVEYS.items(arc, focus.viewpoint)
        }
        assert note.rating in range(1, 6)
        assert note.notes and note.notes.endswith(".")
    assert len({focus.round_id for _, focus in rows}) == 3
    assert {focus.viewpoint for _, focus in rows} == set(FRAMEWORK.viewpoint_keys)


def test_each_agreed_ratings_evidence_fits_the_rating(engine: Engine) -> None:
    by_level = {
        level: {note for notes in STAFF_EVIDENCE.values() for note in notes[level]}
        | {notes[level] for notes in CHILD_EVIDENCE.values()}
        for level in ("low", "middle", "high")
    }
    with read_session(engine) as db:
        notes = db.execute(select(Consensus.rating, Consensus.notes)).all()
    for rating, text in notes:
        level = evidence_level(rating)
        assert any(text.endswith(note) for note in by_level[level]), (rating, text)
    assert {evidence_level(rating) for rating, _ in notes} >= {"low", "middle", "high"}


def test_no_two_viewpoints_of_an_arc_give_the_same_evidence_in_a_round(engine: Engine) -> None:
    with read_session(engine) as db:
        rows = db.execute(
            select(FocusSession.round_id, Consensus.item_code, FocusSession.viewpoint, Consensus.notes).join(
                FocusSession, FocusSession.id == Consensus.session_id
            )
        ).all()
    seen: dict[tuple[int, str, str], str] = {}
    for round_id, code, viewpoint, text in rows:
        arc = code.split(".")[0]
        for (other_round, other_arc, other_viewpoint), other_text in seen.items():
            if (other_round, other_arc) == (round_id, arc) and other_viewpoint != viewpoint:
                assert other_text != text
        seen[(round_id, arc, viewpoint)] = text


def test_the_action_plan_has_actions_for_the_lowest_arcs_some_at_risk(engine: Engine) -> None:
    with read_session(engine) as db:
        plan = db.scalars(select(Action).order_by(Action.position)).all()
    assert len(plan) >= 6
    covered = {arc for action in plan for arc in action.arc_keys}
    assert {"orange", "green", "violet", "pink"} <= covered
    assert {"at_risk", "on_track", "done"} <= {str(action.status) for action in plan}
    assert all(action.outcomes and action.lead_officer and action.resources for action in plan)


def test_the_orange_arc_rises_from_the_baseline_by_at_least_half_a_point(engine: Engine) -> None:
    with read_session(engine) as db:
        rows = db.execute(
            select(Round.name, Answer.rating)
            .join(Participant, Participant.id == Answer.participant_id)
            .join(FocusSession, FocusSession.id == Participant.session_id)
            .join(Round, Round.id == FocusSession.round_id)
            .where(Answer.item_code.startswith("orange."), Answer.kind == "rating")
        ).all()
    ratings: dict[str, list[int]] = defaultdict(list)
    for round_name, rating in rows:
        ratings[round_name].append(rating)
    assert mean(ratings["2010 re-assessment"]) - mean(ratings["2009 baseline"]) >= 0.5


def test_the_printed_logins_sign_in_with_the_right_roles(demo: Demo, engine: Engine) -> None:
    assert "http://127.0.0.1:8000/login" in demo.output
    logins = [match.groupdict() for line in demo.output.splitlines() if (match := LOGIN_LINE.match(line))]
    assert sorted(login["what"] for login in logins) == sorted(
        ["site administrator", "trust lead", "facilitator", "facilitator", "viewer"]
    )
    with read_session(engine) as db:
        trust_id = db.scalar(select(Trust.id).where(Trust.name == DEMO_TRUST_NAME))
    expected_role = {"trust lead": "lead", "facilitator": "facilitator", "viewer": "viewer"}
    with TestClient(create_app(demo.settings())) as client:
        for login in logins:
            assert len(login["password"]) >= 12
            client.cookies.clear()
            page = BeautifulSoup(client.get("/login").text, "html.parser")
            token = str(page.find("input", attrs={"name": "csrf_token"})["value"])  # type: ignore[index]
            data = {"email": login["email"], "password": login["password"], "csrf_token": token}
            assert client.post("/login", data=data, follow_redirects=False).status_code == 303
            me = client.get("/api/me").json()
            assert me["email"] == login["email"]
            if login["what"] == "site administrator":
                assert me["is_admin"] is True and me["memberships"] == []
            else:
                assert me["is_admin"] is False
                assert [(m["trust_id"], m["role"]) for m in me["memberships"]] == [
                    (trust_id, expected_role[login["what"]])
                ]


def test_running_the_demo_again_refuses_with_exit_2_and_changes_nothing(
    demo: Demo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(engine)
    result = run(["demo"], demo.url, monkeypatch)
    assert result.exit_code == 2
    assert f"The demo trust, {DEMO_TRUST_NAME}, already exists" in result.stderr
    assert counts(engine) == before


def test_if_empty_skips_when_a_trust_exists(
    demo: Demo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(engine)
    result = run(["demo", "--if-empty"], demo.url, monkeypatch)
    assert result.exit_code == 0
    assert "skipped" in result.stdout
    assert counts(engine) == before


def test_if_empty_loads_the_demo_into_a_database_without_trusts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'rainbow.db'}"
    assert run(["migrate"], url, monkeypatch).exit_code == 0
    result = run(["demo", "--if-empty"], url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"created the demo trust, {DEMO_TRUST_NAME}" in result.stdout


def test_the_readme_lists_every_demo_sign_in() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for account in DEMO_ACCOUNTS:
        assert f"`{account.email}` | `{account.password}`" in readme
    assert "`rainbow demo [--if-empty]`" in readme


def demo_rollups(engine: Engine) -> dict[int, object]:
    with read_session(engine) as db:
        return {round_id: round_tallies(db, round_id=round_id) for round_id in db.scalars(select(Round.id))}


def test_the_demo_answers_are_scored_from_rollups_that_match_a_rebuild(
    demo: Demo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = demo_rollups(engine)
    assert before and all(before.values())
    result = run(["rebuild-rollups"], demo.url, monkeypatch)
    assert result.exit_code == 0, result.output
    answers = counts(engine)["Answer"]
    assert result.stdout.strip() == f"rebuilt the rollups of 3 rounds from {answers} answers"
    assert demo_rollups(engine) == before


def test_rebuilding_an_unknown_round_says_so_and_changes_nothing(
    demo: Demo, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = demo_rollups(engine)
    result = run(["rebuild-rollups", "--round", "999"], demo.url, monkeypatch)
    assert result.exit_code == 2
    assert "there is no round 999" in result.stderr
    assert demo_rollups(engine) == before
