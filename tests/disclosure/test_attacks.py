"""The eight attacks of issue 13, replayed: each worked against the code before the issue, and each must now
leave the hidden figure undetermined by everything the lead and the viewer can read."""

from __future__ import annotations

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.db.engine import write_session
from app.db.tables import Round, Trust
from app.services.disclosure.publication import PublicationRules, publish
from tests.answers import focus_group, rating_everything
from tests.api import bearer
from tests.disclosure.attacker import ITEMS, Attacker
from tests.disclosure.conftest import FreshApp
from tests.factories import World, add_round, app_state, browse_as

pytestmark = pytest.mark.database
TEAM, CHILD = ITEMS["team"], ITEMS["child"]


def everyone(codes: tuple[str, ...], *ratings: int | str) -> dict[str, int | str]:
    return dict(zip(codes, ratings, strict=True))


def no_findings(attacker: Attacker) -> None:
    findings = attacker.findings()
    assert not findings, "\n".join(str(f) for f in findings[:5])


def test_attack_1_dont_know_counts_do_not_lift_a_group_over_k(fresh_app: FreshApp) -> None:
    """Three children rate, two answer "don't know" to everything: five answered, three raters. Neither the
    statements, the room nor the scores may give the three away."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        room = attacker.new_session("child")
        assert room is not None
        attacker.arrive(
            room, [everyone(CHILD, 2, 3, 1), everyone(CHILD, 3, 2, 4), everyone(CHILD, 2, 2, 3)], "tablet"
        )
        attacker.arrive(room, [everyone(CHILD, "dk", "dk", "dk")] * 2, "tablet")
        attacker.reveal(room)
        attacker.finish()
        assert not attacker.sum_is_determined([0, 1, 2], CHILD)
        no_findings(attacker)


def test_attack_2_differencing_between_levels(fresh_app: FreshApp) -> None:
    """A cell of six minus its other statements would give the three ratings of a statement only three rated;
    the round's cell minus one room's revealed counts would give a two-child group's answers."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        team, big, small = (
            attacker.new_session("team"),
            attacker.new_session("child"),
            attacker.new_session("child"),
        )
        assert team is not None and big is not None and small is not None
        attacker.arrive(team, [everyone(TEAM, 3, 4, 2)] * 3 + [everyone(TEAM, 4, 2, "dk")] * 3, "tablet")
        attacker.arrive(big, [everyone(CHILD, 4, 4, 3), everyone(CHILD, 5, 3, 3)] * 3, "tablet")
        attacker.reveal(big)
        sources = {f.source for f in attacker.figures if f.kind == "room"}
        assert sources == {
            f"GET /api/sessions/{attacker.sessions[big].id}/results",
            f"page /facilitate/sessions/{attacker.sessions[big].id}",
        }
        attacker.arrive(small, [everyone(CHILD, 1, 2, 1), everyone(CHILD, 2, 1, 1)], "tablet")
        attacker.finish()
        third = [
            r.number
            for r in attacker.truth.respondents
            if r.answers.get(TEAM[2]) != "dk" and r.viewpoint == "team"
        ]
        assert not attacker.sum_is_determined(third, TEAM[2:])
        assert not attacker.sum_is_determined(
            [r.number for r in attacker.truth.respondents if r.session == small], CHILD
        )
        no_findings(attacker)


def test_attack_3_padding_with_the_leads_own_answers_and_into_closed_groups(fresh_app: FreshApp) -> None:
    """The lead types in two all-1 questionnaires and imports one all-1 child beside three children: the
    cell reaches five, but whoever typed them in knows theirs, so the three stay hidden; papers typed into a
    closed group, and imports into a published round, are refused."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        room = attacker.new_session("child")
        assert room is not None
        attacker.arrive(
            room, [everyone(CHILD, 4, 3, 5), everyone(CHILD, 2, 4, 4), everyone(CHILD, 3, 3, 2)], "tablet"
        )
        attacker.arrive(room, [everyone(CHILD, 1, 1, 1)] * 2, "paper_lead")
        attacker.import_csv("child", [everyone(CHILD, 1, 1, 1)])
        attacker.close(room)
        attacker.arrive(room, [everyone(CHILD, 1, 1, 1)] * 2, "paper_lead")  # refused: the group is closed
        attacker.publish()
        attacker.import_csv("child", [everyone(CHILD, 1, 1, 1)] * 2)  # refused: the round is published
        attacker.finish()
        assert len(attacker.truth.respondents) == 6
        assert not attacker.sum_is_determined([0, 1, 2], CHILD)
        no_findings(attacker)


def test_attack_4_watching_the_figures_change(fresh_app: FreshApp) -> None:
    """Children answer one by one while the lead polls everything; the round is published, reopened for one
    late child and published again: the late child's answers stay hidden."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        room = attacker.new_session("child")
        assert room is not None
        for ratings in [(3, 3, 2), (4, 2, 3), (2, 3, 3), (3, 4, 4), (3, 2, 3), (5, 4, 5)]:
            attacker.arrive(room, [everyone(CHILD, *ratings)], "tablet")
            attacker.observe()
        attacker.close(room)
        attacker.publish()
        attacker.reopen()
        late = attacker.new_session("child")
        assert late is not None
        attacker.arrive(late, [everyone(CHILD, 1, 5, 1)], "tablet")
        attacker.close(late)
        attacker.publish()
        attacker.finish()
        assert not attacker.sum_is_determined([6], CHILD)
        assert not attacker.sum_is_determined([5], CHILD)
        no_findings(attacker)


def _orange_band(client: TestClient, world: World, round_id: int) -> str | None:
    """The sixth the dashboard gives the round's orange arc among other trusts, if any."""
    browse_as(client, world.users["lead_a"])
    page = client.get(f"/trust/rounds/{round_id}")
    assert page.status_code == 200, page.text
    section = BeautifulSoup(page.text, "html.parser").find(
        "section", attrs={"aria-labelledby": "peers-title"}
    )
    assert isinstance(section, Tag)
    for row in section.find_all("tr"):
        if row.find("th") and row.find("th").get_text(strip=True) == "Common values and language":
            band = row.find("span", class_="band")
            return band.get_text(strip=True) if band else None
    return None


def _other_trusts_publish_2010(client: TestClient) -> None:
    """Four other trusts, each with a published 2010 round whose team rates orange 2, 3, 4 or 5."""
    engine = app_state(client).engine
    for score in (2, 3, 4, 5):
        with write_session(engine) as db:
            trust = Trust(name=f"Other trust {score}")
            db.add(trust)
            db.flush()
            assert trust.id is not None
            trust_id = trust.id
        round_id = add_round(engine, trust_id=trust_id, name="2010", period_start=date(2010, 4, 1))
        focus_group(engine, round_id, "team", rating_everything(["orange.team.1"], score, 5))
        with write_session(engine) as db:
            db_round = db.get(Round, round_id)
            assert db_round is not None
            publish(db, actor=None, db_round=db_round, rules=PublicationRules(5, 100))


def test_attack_5_probing_the_cross_trust_band(fresh_app: FreshApp) -> None:
    """Beside four other trusts, a lead publishes a made-up round of 2010 with 25 ratings, reads where it
    sits, deletes it and tries again with other figures: the position never moves within the day (so no edge
    between sixths shows), and the fourth try is refused."""
    with fresh_app(max_publications_per_day=3) as (client, world):
        _other_trusts_publish_2010(client)
        engine = app_state(client).engine
        lead = bearer(world)
        bands = []
        for attempt, rating in enumerate((1, 5, 3, 2)):
            round_id = add_round(
                engine, trust_id=world.trust_a, name=f"Probe {attempt}", period_start=date(2010, 6, 1)
            )
            body = "respondent,viewpoint,item,rating\n" + "\n".join(
                f"p{n},team,orange.team.1,{rating}" for n in range(25)
            )
            imported = client.post(
                f"/api/rounds/{round_id}/answers/import",
                content=body.encode(),
                headers={**lead, "content-type": "text/csv"},
            )
            assert imported.status_code == 200, imported.text
            published = client.post(f"/api/rounds/{round_id}/publish", headers=lead)
            if attempt == 3:
                assert published.status_code == 429 and published.headers["Retry-After"].isdigit()
                break
            assert published.status_code == 200, published.text
            bands.append(_orange_band(client, world, round_id))
            assert client.delete(f"/api/rounds/{round_id}", headers=lead).status_code == 204
        assert bands[0] is not None  # the first probe is placed
        assert len({band for band in bands if band is not None}) == 1, bands


def test_attack_6_coverage_gives_no_count_below_k(fresh_app: FreshApp) -> None:
    """Coverage of a cell with three raters says "fewer than 5", not "3 of 5: 2 more needed"."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        room = attacker.new_session("team")
        assert room is not None
        attacker.arrive(room, [everyone(TEAM, 3, 4, 2)] * 3, "tablet")
        attacker.observe()  # the coverage API is checked on every reading
        browse_as(client, world.users["viewer_a"])
        page = client.get(f"/trust/rounds/{attacker.round_id}/coverage").text
        text = BeautifulSoup(page, "html.parser").get_text(" ", strip=True)
        assert "fewer than 5" in text
        assert not re.search(r"\b3 of 5\b|\b2 more needed\b", text)


def test_attack_7_raw_answers_never_single_out_a_profile(fresh_app: FreshApp) -> None:
    """The one voluntary-sector team leader among six team members: the lead's download of answers gives
    every (viewpoint, sector, role level) to at least five people."""
    import io

    import openpyxl

    with fresh_app() as (client, world):
        lead = bearer(world)
        rows = [f"t{n},team,orange.team.1,{1 + n % 5},social care,frontline" for n in range(5)]
        rows.append("leader,team,orange.team.1,5,voluntary,leader")
        body = "respondent,viewpoint,item,rating,sector,role_level\n" + "\n".join(rows)
        imported = client.post(
            f"/api/rounds/{world.round_a}/answers/import",
            content=body.encode(),
            headers={**lead, "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        client.post(f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=lead)
        assert client.post(f"/api/rounds/{world.round_a}/publish", headers=lead).status_code == 200
        workbook = openpyxl.load_workbook(
            io.BytesIO(client.get(f"/api/rounds/{world.round_a}/export.xlsx", headers=lead).content)
        )
        answers = list(workbook["Answers"].iter_rows(values_only=True))
        header = list(answers[0])
        people: dict[tuple[object, ...], set[object]] = {}
        for row in answers[1:]:
            record = dict(zip(header, row, strict=False))
            key = (record["viewpoint"], record["sector"], record["role_level"])
            people.setdefault(key, set()).add(record["respondent"])
        assert people and all(len(who) >= 5 for who in people.values()), people


def test_attack_8_a_small_groups_agreed_rating_and_evidence_are_not_shown(fresh_app: FreshApp) -> None:
    """A two-child group agrees a rating with its evidence: the viewer sees neither."""
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        big, small = attacker.new_session("child"), attacker.new_session("child")
        assert big is not None and small is not None
        attacker.arrive(big, [everyone(CHILD, 3, 3, 3)] * 5, "tablet")
        attacker.arrive(small, [everyone(CHILD, 1, 2, 1)] * 2, "tablet")
        session_id = attacker.sessions[small].id
        agreed = client.post(
            f"/api/sessions/{session_id}/consensus",
            json={"item": CHILD[0], "rating": 1, "notes": "Nobody explains the letters to us"},
            headers=bearer(world),
        )
        assert agreed.status_code in (200, 201), agreed.text
        attacker.finish(pdf=False)
        browse_as(client, world.users["viewer_a"])
        text = client.get(f"/trust/rounds/{attacker.round_id}/arcs/orange").text
        assert "Nobody explains the letters" not in text
        assert "Group 2" not in text  # the small group's title, which would carry its agreed rating
        no_findings(attacker)
