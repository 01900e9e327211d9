"""The audit log page: filters by who, what, when and outcome, paging, names and words, and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.db.engine import write_session
from app.services.audit_log import PAGE_SIZE
from app.store import audit
from tests.factories import World, app_state, browse_as
from tests.pages import get_page, text_of

pytestmark = pytest.mark.database


def record(client: TestClient, count: int, **fields: object) -> None:
    with write_session(app_state(client).engine) as db:
        for _ in range(count):
            audit.record(db, **fields)  # type: ignore[arg-type]


def rows(client: TestClient, query: str = "") -> list[dict[str, str]]:
    soup = get_page(client, f"/admin/audit{query}")
    return [
        {str(td["data-label"]): text_of(td) for td in tr.select("td")} for tr in soup.select("table tbody tr")
    ]


@pytest.fixture
def as_admin(client: TestClient, world: World) -> World:
    browse_as(client, world.users["admin"])
    return world


def test_a_failed_sign_in_reads_in_words_and_can_be_picked_out(client: TestClient, as_admin: World) -> None:
    record(client, 1, action="login", outcome="failed", actor_email="someone@example.org")
    failed = rows(client, "?outcome=failed")
    assert failed and all(row["Outcome"] == "Failed" for row in failed)
    assert failed[0]["Action"] == "Signed in" and failed[0]["Who"] == "someone@example.org"


def test_targets_are_named_and_a_deleted_one_says_so(client: TestClient, as_admin: World) -> None:
    world = as_admin
    record(client, 1, action="round.create", trust_id=world.trust_a, target=f"round {world.round_a}")
    record(client, 1, action="round.delete", trust_id=world.trust_a, target="round 999999")
    about = {row["About"] for row in rows(client, "?action=round.create")}
    assert about == {"round: 2009 baseline"} or all(a.startswith("round: ") for a in about)
    assert {row["About"] for row in rows(client, "?action=round.delete")} == {"deleted round 999999"}


def test_who_filters_by_part_of_the_email(client: TestClient, as_admin: World) -> None:
    record(client, 2, action="logout", actor_email="Findme@Example.org")
    found = rows(client, "?who=findme")
    assert len(found) == 2 and {row["Who"] for row in found} == {"Findme@Example.org"}


def test_when_filters_by_days_inclusive(client: TestClient, as_admin: World) -> None:
    record(
        client, 1, action="logout", actor_email="old@example.org", at=datetime(2009, 5, 1, 23, 59, tzinfo=UTC)
    )
    record(
        client, 1, action="logout", actor_email="new@example.org", at=datetime(2009, 5, 2, 0, 0, tzinfo=UTC)
    )
    assert [row["Who"] for row in rows(client, "?since=2009-05-01&until=2009-05-01")] == ["old@example.org"]


def test_the_log_comes_a_page_at_a_time_with_links_keeping_the_filter(
    client: TestClient, as_admin: World
) -> None:
    record(client, PAGE_SIZE + 5, action="logout", actor_email="pager@example.org")
    first = get_page(client, "/admin/audit?who=pager")
    assert len(first.select("table tbody tr")) == PAGE_SIZE
    older = first.select_one('.pager a[rel="next"]')
    assert older is not None and "who=pager" in older["href"] and "page=2" in older["href"]
    second = get_page(client, str(older["href"]))
    assert len(second.select("table tbody tr")) == 5
    assert second.select_one('.pager a[rel="prev"]') is not None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?since=yesterday", "since"),
        ("?action=drop.tables", "action"),
        ("?outcome=maybe", "outcome"),
        ("?since=2010-02-01&until=2010-01-01", "until"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(
    client: TestClient, as_admin: World, query: str, field: str
) -> None:
    response = client.get(f"/admin/audit{query}")
    assert response.status_code == 422
    assert field in response.text


def test_the_csv_holds_the_filtered_rows_in_words(client: TestClient, as_admin: World) -> None:
    record(client, 3, action="logout", actor_email="csv@example.org")
    record(client, 1, action="login", outcome="failed", actor_email="=HYPERLINK(1)")
    response = client.get("/admin/audit.csv?who=csv")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["When (UTC)", "Who", "Trust", "Action"]
    assert [row[1] for row in table[1:]] == ["csv@example.org"] * 3
    assert all(row[3] == "Signed out" for row in table[1:])
    everything = client.get("/admin/audit.csv").content.decode("utf-8-sig")
    assert "\n=HYPERLINK" not in everything and ",=HYPERLINK" not in everything
