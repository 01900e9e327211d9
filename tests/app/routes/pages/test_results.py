"""The results pages: round dashboard, comparison, arc detail and viewpoint gaps, from the round's latest
publication, suppression honoured."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.choices import SessionState
from app.config import Settings
from app.db.engine import write_session
from app.db.tables import Consensus, FocusSession, Participant, Round, Trust
from app.main import create_app
from app.routes.pages.results import ArcPage, ComparePage, DashboardPage, GapsPage
from app.store.rollups import AnswerValue, write_answers
from tests.answers import focus_group
from tests.api import import_csv, publish, reopen, two_rounds
from tests.factories import World, add_round, app_state, browse_as, make_world
from tests.pages import get_page, rendered_with, text_of

pytestmark = pytest.mark.database


def as_viewer(client: TestClient, world: World) -> None:
    client.headers.update(browse_as(client, world.users["viewer_a"]))


def row_of(soup, header: str) -> list[str]:  # type: ignore[no-untyped-def]
    for row in soup.select("table:not(.heatmap) tr"):
        th = row.find("th")
        if th is not None and text_of(th) == header:
            return [text_of(cell) for cell in row.find_all("td")]
    raise AssertionError(f"no row headed {header!r}")


def test_the_dashboard_shows_the_rainbow_with_a_text_alternative_and_the_same_figures_in_a_table(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,{2 + n % 2}" for n in range(6)])
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    chart = soup.select_one("figure.chart img")
    assert chart is not None and chart["src"].startswith(f"/api/rounds/{world.round_a}/rainbow.svg")
    assert "Common values and language: 2.50 out of 5" in chart["alt"]
    # Team is the third viewpoint; the arc score is the only unsuppressed cell's mean.
    assert row_of(soup, "Common values and language")[2] == "2.50"
    assert row_of(soup, "Common values and language")[5] == "2.50"


def test_the_dashboard_says_too_few_and_shows_no_figure_for_a_small_group(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,5" for n in range(4)])
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    children = row_of(soup, "Common values and language")[0]
    assert children.startswith("too few") and "5.00" not in text_of(soup.select_one("table"))
    coverage = row_of(soup, "Child or young person")
    assert coverage == ["1", "fewer than 5"]


def test_the_dashboard_compares_with_the_round_before_by_default(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}")
    assert f"baseline={baseline}" in soup.select_one("figure.chart img")["src"]
    assert row_of(soup, "Common values and language")[-2:] == ["2.00", "+2.00"]
    chosen = soup.select_one("#baseline-choice option[selected]")
    assert chosen is not None and chosen["value"] == str(baseline)


def test_no_baseline_can_be_chosen(client: TestClient, world: World) -> None:
    _, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}?baseline=none")
    assert "baseline=" not in soup.select_one("figure.chart img")["src"]


def test_a_baseline_that_is_not_a_round_of_the_trust_is_refused(client: TestClient, world: World) -> None:
    publish(client, world, world.round_a)
    as_viewer(client, world)
    assert client.get(f"/trust/rounds/{world.round_a}?baseline={world.round_b}").status_code == 404
    response = client.get(f"/trust/rounds/{world.round_a}?baseline=yesterday")
    assert response.status_code == 422
    assert "choose a round of this trust" in response.text


def test_the_compare_page_lists_the_biggest_moves_and_the_intervals(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}/compare?baseline={baseline}")
    moves = text_of(soup.select_one(".moves")).replace(" :", ":")
    assert "Common values and language: +2.00 (2.00 to 4.00)" in moves
    assert "No arc moved down." in moves
    orange = row_of(soup, "Common values and language")
    assert orange[:3] == ["2.00", "4.00", "+2.00"]
    assert " to " in orange[3]


def test_the_compare_page_shows_the_two_rainbows_side_by_side_on_request(
    client: TestClient, world: World
) -> None:
    baseline, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}/compare?baseline={baseline}&view=side")
    images = soup.select(".side-by-side img")
    assert [img["src"] for img in images] == [
        f"/api/rounds/{baseline}/rainbow.svg",
        f"/api/rounds/{current}/rainbow.svg",
    ]
    assert all(img["alt"] for img in images)


def test_the_compare_page_explains_when_there_is_nothing_to_compare_with(
    client: TestClient, world: World
) -> None:
    publish(client, world, world.round_a)
    add_round(app_state(client).engine, trust_id=world.trust_a, name="Never published")
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}/compare")
    assert "has no other round to compare with yet" in text_of(soup)


def team_session_with_comments(client: TestClient, world: World, people: int) -> None:
    engine = app_state(client).engine
    with write_session(engine) as db:
        focus = FocusSession(
            round_id=world.round_a,
            trust_id=world.trust_a,
            viewpoint="team",
            arcs="orange",
            title="Team leaders, east",
            state=SessionState.CLOSED,
        )
        db.add(focus)
        db.flush()
        changes: dict[int, dict[str, AnswerValue | None]] = {}
        for n in range(people):
            person = Participant(session_id=focus.id, token_hash=f"t-{n}")  # type: ignore[arg-type]
            db.add(person)
            db.flush()
            comment = f"Comment number {n}"
            changes[person.id] = {"orange.team.1": AnswerValue(kind="rating", rating=3, comment=comment)}  # type: ignore[index]
        write_answers(db, round_id=world.round_a, viewpoint="team", changes=changes, new_participants=True)
        db.add(
            Consensus(
                session_id=focus.id,  # type: ignore[arg-type]
                item_code="orange.team.1",
                rating=3,
                notes="Team meetings now use one glossary.",
            )
        )


def test_the_arc_page_shows_statements_agreed_ratings_and_comments_from_large_groups(
    client: TestClient, world: World
) -> None:
    team_session_with_comments(client, world, people=10)
    publish(client, world, world.round_a)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}/arcs/orange")
    assert row_of(soup, "Team")[:4] == ["10", "3.00", "3.00", "0.00"]
    page = text_of(soup)
    assert "Team leaders, east agreed 3" in page
    assert "Team meetings now use one glossary." in page
    assert "Comment number 7" in page


def test_the_arc_page_counts_a_small_groups_agreed_rating_but_shows_neither_it_nor_its_evidence(
    client: TestClient, world: World
) -> None:
    team_session_with_comments(client, world, people=10)
    engine = app_state(client).engine
    pair = focus_group(engine, world.round_a, "team", [{"orange.team.1": 1}] * 2, title="Two team leaders")
    with write_session(engine) as db:
        db.add(Consensus(session_id=pair, item_code="orange.team.1", rating=1, notes="What the two said."))
    publish(client, world, world.round_a)
    as_viewer(client, world)
    page = text_of(get_page(client, f"/trust/rounds/{world.round_a}/arcs/orange"))
    assert "Two team leaders" not in page and "What the two said." not in page
    assert "1 smaller focus group also agreed a rating, kept as evidence and not shown" in page
    assert "Team leaders, east agreed 3" in page


def test_the_arc_page_lists_comments_under_their_statement_with_a_count(
    client: TestClient, world: World
) -> None:
    team_session_with_comments(client, world, people=10)
    publish(client, world, world.round_a)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}/arcs/orange")
    statement = app_state(client).surveys.items("orange", "team")[0]
    item = next(li for li in soup.select("ol.statements > li") if statement.text in text_of(li))
    details = item.select_one("details.statement-comments")
    assert details is not None
    assert text_of(details.summary) == "10 comments on this statement"
    assert [text_of(li) for li in details.select("li")] == [f"Comment number {n}" for n in range(10)]
    others = [li for li in soup.select("ol.statements > li") if li is not item]
    assert not any(li.select_one("details.statement-comments") for li in others)
    assert "10 comments on this arc's statements." in text_of(soup)


def test_the_arc_page_hides_comments_from_groups_under_ten(client: TestClient, world: World) -> None:
    team_session_with_comments(client, world, people=9)
    publish(client, world, world.round_a)
    as_viewer(client, world)
    page = text_of(get_page(client, f"/trust/rounds/{world.round_a}/arcs/orange"))
    assert "Comment number" not in page
    assert "No comments to show for this arc." in page


def test_the_arc_page_shows_no_figure_of_a_statement_with_too_few_raters_dont_know_aside(
    client: TestClient, world: World
) -> None:
    """Three children rated it, two said "don't know": the page once gave "Mean 2.33 · 2 don't know"."""
    rows = [f"c{n},child,orange.child.1,{rating}" for n, rating in enumerate((2, 2, 3))]
    rows += [f"d{n},child,orange.child.1,dk" for n in range(2)]
    import_csv(client, world, world.round_a, rows)
    as_viewer(client, world)
    page = text_of(get_page(client, f"/trust/rounds/{world.round_a}/arcs/orange"))
    assert "Mean 2" not in page and "2.33" not in page and "2 don't know" not in page
    assert "too few answers to show" in page


def test_the_arc_page_shows_the_statements_as_last_published(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)])
    reopen(client, world, world.round_a)
    late = [f"late{n},team,orange.team.1,1" for n in range(5)]
    import_csv(client, world, world.round_a, late, publish_it=False)
    as_viewer(client, world)
    path = f"/trust/rounds/{world.round_a}/arcs/orange"
    assert "Mean 4.00" in text_of(get_page(client, path))
    publish(client, world, world.round_a)
    assert "Mean 2.50" in text_of(get_page(client, path))


def test_an_unknown_arc_is_not_found(client: TestClient, world: World) -> None:
    as_viewer(client, world)
    assert client.get(f"/trust/rounds/{world.round_a}/arcs/ultraviolet").status_code == 404


def test_the_gaps_page_puts_the_widest_child_trust_gap_first(client: TestClient, world: World) -> None:
    rows = [f"c{n},child,green.child.1,1" for n in range(5)] + [
        f"t{n},trust,green.trust.1,4" for n in range(5)
    ]
    rows += [f"c{n},child,orange.child.1,3" for n in range(5)] + [
        f"t{n},trust,orange.trust.1,3" for n in range(5)
    ]
    import_csv(client, world, world.round_a, rows)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}/gaps")
    first = soup.select("tbody tr")[0]
    assert "Integrated working practices" in text_of(first)
    assert "\u22123.00" in text_of(first) and "children see it as less integrated" in text_of(first)


def test_among_other_trusts_needs_five_trusts_with_a_round_that_year(
    client: TestClient, world: World
) -> None:
    engine = app_state(client).engine
    with write_session(engine) as db:
        own = db.get(Round, world.round_a)
        assert own is not None
        own.period_start = date(2009, 9, 1)
    publish(client, world, world.round_a)
    as_viewer(client, world)
    page = text_of(get_page(client, f"/trust/rounds/{world.round_a}"))
    assert "Fewer than 5 trusts have a published round in 2009 yet" in page
    for n in range(4):
        trust_id = _trust(client, f"Peer trust {n}")
        peer = add_round(engine, trust_id=trust_id, name="2009 baseline", period_start=date(2009, 6, 1))
        import_csv(
            client, world_with_admin(world), peer, [f"t{k},team,orange.team.1,{1 + n}" for k in range(5)]
        )
    import_csv(client, world, world.round_a, [f"t{k},team,orange.team.1,5" for k in range(5)])
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    assert row_of(soup.select_one("#peers-title").parent, "Common values and language") == ["highest sixth"]
    assert "Peer trust" not in text_of(soup)


def test_the_number_of_trusts_needed_is_the_installations_setting(migrated: Settings) -> None:
    with TestClient(create_app(migrated.model_copy(update={"benchmark_min_trusts": 8}))) as client:
        world = make_world(app_state(client).engine)
        with write_session(app_state(client).engine) as db:
            own = db.get(Round, world.round_a)
            assert own is not None
            own.period_start = date(2009, 9, 1)
        publish(client, world, world.round_a)
        as_viewer(client, world)
        page = text_of(get_page(client, f"/trust/rounds/{world.round_a}"))
    assert "Fewer than 8 trusts have a published round in 2009 yet" in page


def test_each_results_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    _, current = two_rounds(client, world)
    as_viewer(client, world)
    pages = {
        "": ("results/dashboard.html", DashboardPage),
        "/compare": ("results/compare.html", ComparePage),
        "/arcs/orange": ("results/arc.html", ArcPage),
        "/gaps": ("results/gaps.html", GapsPage),
    }
    for path, (template, page) in pages.items():
        rendered_with(client.get(f"/trust/rounds/{current}{path}"), template, page)


def _trust(client: TestClient, name: str) -> int:
    with write_session(app_state(client).engine) as db:
        trust = Trust(name=name)
        db.add(trust)
        db.flush()
        assert trust.id is not None
        return trust.id


def world_with_admin(world: World) -> World:
    """The world seen by its site administrator, who may import into any trust's round."""
    return World(**{**world.__dict__, "tokens": {**world.tokens, "lead_a": world.tokens["admin"]}})


@pytest.mark.parametrize("page", ["", "/compare", "/arcs/orange"])
@pytest.mark.parametrize("digits", ["²", "①", "١٢"])
def test_a_baseline_of_digits_from_other_scripts_is_refused_not_a_500(
    client: TestClient, world: World, page: str, digits: str
) -> None:
    publish(client, world, world.round_a)
    as_viewer(client, world)
    response = client.get(f"/trust/rounds/{world.round_a}{page}", params={"baseline": digits})
    assert response.status_code == 422
    assert "choose a round of this trust" in response.text
