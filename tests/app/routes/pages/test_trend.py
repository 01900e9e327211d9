"""The trend page: each arc across the trust's published rounds, drawn, with a table of the same figures."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api import two_rounds
from tests.factories import World, browse_as
from tests.pages import get_page, text_of

pytestmark = pytest.mark.database


def test_the_trend_page_tables_each_arc_in_each_round_with_its_interval(
    client: TestClient, world: World
) -> None:
    two_rounds(client, world)
    client.headers.update(browse_as(client, world.users["viewer_a"]))
    soup = get_page(client, f"/trust/{world.trust_a}/trend")
    table = soup.select_one("table.trend-table")
    assert [text_of(th) for th in table.select("thead th")][1:] == ["2009 baseline", "2010 re-assessment"]
    row = next(tr for tr in table.select("tbody tr") if text_of(tr.th) == "Common values and language")
    cells = [text_of(td) for td in row.select("td")]
    assert cells[0].startswith("2.00 (") and cells[1].startswith("4.00 (") and " to " in cells[1]


def test_the_trend_page_draws_the_chart_with_its_words_and_downloads(
    client: TestClient, world: World
) -> None:
    two_rounds(client, world)
    client.headers.update(browse_as(client, world.users["viewer_a"]))
    soup = get_page(client, f"/trust/{world.trust_a}/trend")
    chart = soup.select_one("figure.chart img")
    assert chart["src"] == f"/api/trusts/{world.trust_a}/trend.svg"
    assert "Common values and language: 2.00, 4.00." in chart["alt"]
    links = {str(a["href"]) for a in soup.select(".chart-downloads a")}
    assert links == {
        f"/api/trusts/{world.trust_a}/trend.svg",
        f"/api/trusts/{world.trust_a}/trend.png?scale=2",
    }


def test_a_trust_with_nothing_published_says_so(client: TestClient, world: World) -> None:
    client.headers.update(browse_as(client, world.users["viewer_a"]))
    soup = get_page(client, f"/trust/{world.trust_a}/trend")
    assert "No round of this trust has been published yet" in text_of(soup.select_one("main"))
    assert soup.select_one("figure.chart") is None
