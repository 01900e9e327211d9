"""The leads' download of individual answers (app.services.disclosure.raw_answers): only the people and
statements the publication shows, and no one picked out by their sector and role level (k-anonymity)."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from app.services.disclosure.raw_answers import OTHER, generalised
from tests.api import bearer, import_csv, publish
from tests.factories import World

K = 5
#: (how many, sector, role level)
Profiles = list[tuple[int, str, str]]


def answers_sheet(client: TestClient, world: World) -> list[dict[str, object]]:
    response = client.get(f"/api/rounds/{world.round_a}/export.xlsx", headers=bearer(world, "lead_a"))
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content))["Answers"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]  # type: ignore[arg-type]


def import_profiles(client: TestClient, world: World, people: Profiles, codes: list[str]) -> None:
    """Practitioners of each (sector, role level), each rating every statement of `codes`."""
    body = "respondent,viewpoint,item,rating,sector,role_level\n"
    number = 0
    for count, sector, role_level in people:
        for _ in range(count):
            number += 1
            body += "".join(f"p{number},practitioner,{code},3,{sector},{role_level}\n" for code in codes)
    response = client.post(
        f"/api/rounds/{world.round_a}/answers/import",
        content=body.encode(),
        headers={**bearer(world), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text


def people_by_profile(rows: list[dict[str, object]]) -> dict[tuple[object, object, object], set[object]]:
    found: dict[tuple[object, object, object], set[object]] = defaultdict(set)
    for row in rows:
        found[(row["viewpoint"], row["sector"], row["role_level"])].add(row["respondent"])
    return found


@pytest.mark.database
def test_every_viewpoint_sector_and_role_level_in_the_download_has_k_people(
    client: TestClient, world: World
) -> None:
    people = [
        (6, "education", "frontline"),
        (5, "health", "frontline"),
        (2, "health", "manager"),
        (1, "voluntary", "leader"),  # the one voluntary-sector leader: whoever knows them would read them
        (3, "social care", "frontline"),
    ]
    import_profiles(client, world, people, ["orange.practitioner.1", "orange.practitioner.2"])
    publish(client, world, world.round_a)
    groups = people_by_profile(answers_sheet(client, world))
    assert {profile: len(who) for profile, who in groups.items()} == {
        ("practitioner", "education", "frontline"): 6,
        ("practitioner", "health", "frontline"): 5,
        ("practitioner", OTHER, OTHER): 6,
    }


@pytest.mark.database
def test_the_download_holds_only_the_statements_the_publication_shows(
    client: TestClient, world: World
) -> None:
    rows = [f"t{n},team,orange.team.1,4" for n in range(6)] + [f"t{n},team,orange.team.2,4" for n in range(5)]
    rows += [f"c{n},child,orange.child.1,2" for n in range(3)]
    rows += [f"s{n},service,orange.service.{item}," + "3" for n in range(5) for item in (1, 2)]
    import_csv(client, world, world.round_a, rows)
    shown = answers_sheet(client, world)
    # Team: the cell is shown, but one of six skipped a statement, so its statements are hidden; children:
    # three, too few; services: five rated both statements, shown.
    assert {row["item"] for row in shown} == {"orange.service.1", "orange.service.2"}
    assert len(shown) == 10


@pytest.mark.database
def test_a_statement_shown_as_an_earlier_publication_keeps_that_publications_people(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(6)])
    import_csv(client, world, world.round_a, [f"late{n},team,orange.team.1,1" for n in range(2)])
    rows = answers_sheet(client, world)
    assert [row["rating"] for row in rows] == [4] * 6  # not the two late ones: they would be the new rows


def test_small_groups_lose_their_role_level_then_their_sector() -> None:
    people = {
        **{(n, "team"): ("health", "frontline") for n in range(5)},
        **{(n, "team"): ("health", "manager") for n in range(5, 8)},
        **{(n, "team"): ("health", "leader") for n in range(8, 10)},
        **{(n, "team"): ("youth", "leader") for n in range(10, 15)},
    }
    found = generalised(people, k=K)
    assert found[(5, "team")] == found[(8, "team")] == ("health", OTHER)
    assert found[(0, "team")] == ("health", "frontline") and found[(10, "team")] == ("youth", "leader")


def test_what_stays_too_small_joins_everyone_else_until_it_has_k() -> None:
    people = {
        **{(n, "service"): ("health", "frontline") for n in range(6)},
        **{(n, "service"): ("youth", "manager") for n in range(6, 9)},
    }
    found = generalised(people, k=K)
    sizes: dict[tuple[str | None, str | None], int] = defaultdict(int)
    for profile in found.values():
        sizes[profile] += 1
    assert min(sizes.values()) >= K


def test_each_viewpoint_is_made_k_anonymous_on_its_own() -> None:
    people = {
        **{(n, "team"): ("health", "frontline") for n in range(5)},
        **{(n, "service"): ("health", "frontline") for n in range(5, 7)},
        **{(n, "service"): ("youth", "leader") for n in range(7, 12)},
    }
    found = generalised(people, k=K)
    assert found[(0, "team")] == ("health", "frontline")
    assert {found[(n, "service")] for n in range(5, 12)} <= {
        (OTHER, OTHER),
        ("youth", "leader"),
        ("health", OTHER),
    }
    sizes: dict[tuple[str, tuple[str | None, str | None]], int] = defaultdict(int)
    for (_, viewpoint), profile in found.items():
        sizes[(viewpoint, profile)] += 1
    assert min(sizes.values()) >= K
