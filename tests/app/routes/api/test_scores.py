"""GET /api/rounds/{id}/scores and /compare/{baseline_id}: the rules of design.md section 3, over HTTP, from
answers imported through the CSV API."""

from __future__ import annotations

import statistics
from itertools import count

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from app.db.engine import write_session
from app.db.tables import Round
from framework.scoring import AnswerRecord, score_cells, tally
from surveys import arc_of_code
from tests.api import bearer, import_csv, two_rounds
from tests.factories import World, add_round, app_state

pytestmark = pytest.mark.database
ROUND_NAMES = count(1)


def scores(client: TestClient, world: World, round_id: int, role: str = "viewer_a") -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/rounds/{round_id}/scores", headers=bearer(world, role))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def cell(body: dict, arc: str, viewpoint: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == (arc, viewpoint))


# Six team members on orange rating seven times, one of them twice (t7's dk does not count): the mean is that
# of the seven ratings, 3.0, not of the six people's own means, 3.25.
TEAM_ORANGE = [
    "t1,team,orange.team.1,1",
    "t1,team,orange.team.2,2",
    "t2,team,orange.team.1,3",
    "t3,team,orange.team.1,4",
    "t3,team,orange.team.2,na",
    "t4,team,orange.team.1,4",
    "t5,team,orange.team.3,5",
    "t6,team,orange.team.1,2",
    "t6,team,orange.team.2,dk",
    "t7,team,orange.team.1,dk",  # no rating in the arc: not counted
]
TEAM_ORANGE_RATINGS = [1, 2, 2, 3, 4, 4, 5]


def test_a_cell_has_exactly_the_figures_of_the_rules(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, TEAM_ORANGE)
    found = cell(scores(client, world, world.round_a), "orange", "team")
    assert found == {
        "arc": "orange",
        "viewpoint": "team",
        "suppressed": False,
        "hidden_because": None,
        "as_published": None,
        "n": 6,
        "mean": pytest.approx(3.0),
        "median": 3.0,
        "spread": pytest.approx(statistics.stdev(TEAM_ORANGE_RATINGS)),
        "distribution": {"1": 1, "2": 2, "3": 1, "4": 2, "5": 1},
        "dont_know": 2,
        "not_applicable": 1,
    }


def test_arc_and_round_scores_weigh_viewpoints_and_arcs_equally(client: TestClient, world: World) -> None:
    rows = [f"s{n},service,orange.service.1,5" for n in range(5)] + TEAM_ORANGE
    rows += [f"p{n},practitioner,green.practitioner.1,{1 + n % 2}" for n in range(8)]
    import_csv(client, world, world.round_a, rows)
    body = scores(client, world, world.round_a)
    team_mean = statistics.mean(TEAM_ORANGE_RATINGS)
    arcs = {entry["arc"]: entry["score"] for entry in body["arcs"]}
    assert arcs["orange"] == pytest.approx((team_mean + 5) / 2)
    assert arcs["green"] == pytest.approx(1.5)
    assert arcs["red"] is None
    assert body["overall"] == pytest.approx((arcs["orange"] + 1.5) / 2)


def test_a_cell_below_the_group_size_is_suppressed_with_every_figure_null(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,4" for n in range(4)])
    body = scores(client, world, world.round_a)
    assert cell(body, "orange", "child") == {
        "arc": "orange",
        "viewpoint": "child",
        "suppressed": True,
        "hidden_because": "too few answers to show",
        "as_published": None,
        "n": None,
        "mean": None,
        "median": None,
        "spread": None,
        "distribution": None,
        "dont_know": None,
        "not_applicable": None,
    }
    assert body["min_group_size"] == 5
    assert {entry["arc"]: entry["score"] for entry in body["arcs"]}["orange"] is None


def test_a_round_never_published_has_no_scores_only_a_409_saying_so(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, TEAM_ORANGE, publish_it=False)
    response = client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world, "lead_a"))
    assert response.status_code == 409
    assert "not been published" in response.json()["detail"]


def test_scores_say_which_publication_they_are_from(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, TEAM_ORANGE)
    assert scores(client, world, world.round_a)["publication"] == 1
    import_csv(client, world, world.round_a, [f"u{n},team,orange.team.1,3" for n in range(5)])
    assert scores(client, world, world.round_a)["publication"] == 2


def test_another_trusts_round_has_no_scores_to_show(client: TestClient, world: World) -> None:
    response = client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world, "lead_b"))
    assert response.status_code == 404


RESPONSES = st.lists(
    st.tuples(
        st.integers(0, 11),
        st.sampled_from(["team", "child"]),
        st.sampled_from(["orange.{}.1", "orange.{}.2", "green.{}.1"]),
        st.sampled_from(["1", "2", "3", "4", "5", "dk", "na"]),
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda row: (row[0], row[1], row[2]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(responses=RESPONSES)
def test_imported_answers_score_exactly_as_the_rules_say(
    client: TestClient, world: World, responses: list[tuple[int, str, str, str]]
) -> None:
    round_id = add_round(app_state(client).engine, trust_id=world.trust_a, name=f"round {next(ROUND_NAMES)}")
    rows = [f"r{who}-{vp},{vp},{item.format(vp)},{value}" for who, vp, item, value in responses]
    import_csv(client, world, round_id, rows)
    records = [
        AnswerRecord(
            participant=hash((who, vp)),
            arc=arc_of_code(item.format(vp)),
            viewpoint=vp,
            item=item.format(vp),
            kind="rating" if value.isdigit() else value,  # type: ignore[arg-type]
            rating=int(value) if value.isdigit() else None,
        )
        for who, vp, item, value in responses
    ]
    framework = app_state(client).framework
    expected = score_cells(tally(records), arcs=framework.arc_keys, viewpoints=framework.viewpoint_keys)
    body = scores(client, world, round_id)
    for want in expected.cells:
        got = cell(body, want.arc, want.viewpoint)
        assert (got["n"], got["distribution"], got["dont_know"], got["not_applicable"]) == (
            want.n,
            want.distribution,
            want.dont_know,
            want.not_applicable,
        )
        for figure in ("mean", "median", "spread"):
            assert got[figure] == pytest.approx(getattr(want, figure)), figure
    assert {e["arc"]: e["score"] for e in body["arcs"]} == pytest.approx(expected.arcs)
    assert body["overall"] == pytest.approx(expected.overall)


# --- comparison -------------------------------------------------------------------------------------------


def compare(client: TestClient, world: World, current: int, baseline: int, role: str = "viewer_a"):  # type: ignore[no-untyped-def]
    return client.get(f"/api/rounds/{current}/compare/{baseline}", headers=bearer(world, role))


def test_arc_deltas_equal_the_differences_of_the_arc_scores(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    body = compare(client, world, current, baseline).json()
    then = {e["arc"]: e["score"] for e in scores(client, world, baseline)["arcs"]}
    now = {e["arc"]: e["score"] for e in scores(client, world, current)["arcs"]}
    orange = next(a for a in body["arcs"] if a["arc"] == "orange")
    assert orange["delta"] == pytest.approx(now["orange"] - then["orange"]) == pytest.approx(2.0)
    assert orange["ci_low"] <= orange["delta"] <= orange["ci_high"]
    assert orange["includes_zero"] is False


def test_the_comparison_is_the_same_every_time(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    assert (
        compare(client, world, current, baseline).json() == compare(client, world, current, baseline).json()
    )


def test_cells_are_not_comparable_across_framework_versions(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    with write_session(app_state(client).engine) as db:
        db.execute(update(Round).where(Round.id == baseline).values(framework_version="2008.1"))  # type: ignore[arg-type]
    body = compare(client, world, current, baseline).json()
    team = next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == ("orange", "team"))
    assert (team["comparable"], team["delta"]) == (False, None)


def test_a_suppressed_cell_has_no_delta(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    body = compare(client, world, current, baseline).json()
    child = next(c for c in body["cells"] if (c["arc"], c["viewpoint"]) == ("orange", "child"))
    assert child == {
        "arc": "orange",
        "viewpoint": "child",
        "baseline": None,
        "current": None,
        "delta": None,
        "ci_low": None,
        "ci_high": None,
        "includes_zero": None,
        "comparable": True,
    }


def test_a_baseline_never_published_cannot_be_compared(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, TEAM_ORANGE)
    later = add_round(app_state(client).engine, trust_id=world.trust_a, name="2010 re-assessment")
    import_csv(client, world, later, TEAM_ORANGE, publish_it=False)
    for current, baseline in ((later, world.round_a), (world.round_a, later)):
        response = compare(client, world, current, baseline)
        assert response.status_code == 409
        assert "not been published" in response.json()["detail"]


def test_a_round_cannot_be_its_own_baseline(client: TestClient, world: World) -> None:
    response = compare(client, world, world.round_a, world.round_a)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "baseline_id"


def test_another_trusts_round_cannot_be_the_baseline(client: TestClient, world: World) -> None:
    response = compare(client, world, world.round_a, world.round_b, role="admin")
    assert response.status_code == 404
