"""The dashboard at a glance: the heat map of arcs by viewpoints, and the scores table beneath it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api import import_csv, two_rounds
from tests.factories import World, browse_as
from tests.pages import get_page, text_of

pytestmark = pytest.mark.database


def as_viewer(client: TestClient, world: World) -> None:
    client.headers.update(browse_as(client, world.users["viewer_a"]))


def heat_cell(soup, arc_title: str, viewpoint: str):  # type: ignore[no-untyped-def]
    for row in soup.select("table.heatmap tbody tr"):
        if text_of(row.find("th")) == arc_title:
            return row.select_one(f'td[data-viewpoint="{viewpoint}"]')
    raise AssertionError(f"no heat map row for {arc_title!r}")


def test_a_heat_map_cell_writes_its_figure_and_is_coloured_by_its_step(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,{4 + n % 2}" for n in range(6)])
    as_viewer(client, world)
    cell = heat_cell(get_page(client, f"/trust/rounds/{world.round_a}"), "Common values and language", "team")
    assert text_of(cell.select_one(".heat-figure")) == "4.50"
    assert "heat-5" in cell["class"]


def test_a_suppressed_cell_is_hatched_with_words_and_no_figure(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,5" for n in range(4)])
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    cell = heat_cell(soup, "Common values and language", "child")
    assert "heat-hidden" in cell["class"]
    assert text_of(cell).startswith("too few") and "5.00" not in text_of(cell)


def test_a_heat_map_cell_writes_its_change_since_the_baseline(client: TestClient, world: World) -> None:
    _, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}")
    cell = heat_cell(soup, "Common values and language", "team")
    assert text_of(cell.select_one(".heat-figure")) == "4.00"
    assert text_of(cell.select_one(".heat-change")).startswith("+2.00 since")


def test_the_table_and_the_chart_agree_on_no_change(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    # The same ratings in both rounds on red: no change, said the same way in the table and the chart.
    for round_id in (baseline, current):
        import_csv(client, world, round_id, [f"r{n},team,red.team.1,{2 + n % 2}" for n in range(6)])
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}")
    red = soup.select("table.scores-table tbody tr")[[a.key for a in _arcs(client)].index("red")]
    assert text_of(red.select('td[data-label="Change"]')[0]) == "no change"
    assert ": 2.50 out of 5 (baseline 2.50, no change)" in soup.select_one("figure.chart img")["alt"]


def test_the_scores_table_names_each_cells_column_for_reflowing(client: TestClient, world: World) -> None:
    _, current = two_rounds(client, world)
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{current}")
    table = soup.select_one("table.scores-table.reflow")
    assert table is not None and table.find_parent(class_="table-scroll") is None
    labels = {str(td["data-label"]) for td in table.select("tbody td")}
    assert {"Child or young person", "Arc score", "Target", "Gap to target", "Change"} <= labels


def _arcs(client: TestClient):  # type: ignore[no-untyped-def]
    from tests.factories import app_state

    return app_state(client).framework.arcs


def test_every_chart_on_the_dashboard_has_a_print_png_and_an_svg_download(
    client: TestClient, world: World
) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(6)])
    as_viewer(client, world)
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    charts = soup.select("figure.chart img")
    assert len(charts) == 6  # the rainbow and one per viewpoint
    links = [str(a["href"]) for a in soup.select(".chart-downloads a")]
    for chart in charts:
        svg = str(chart["src"])
        assert svg in links
        png = svg.replace("rainbow.svg", "rainbow.png").split("?")[0]
        assert png in {link.split("?")[0] for link in links}
    assert len([link for link in links if "rainbow.png" in link and "scale=2" in link]) == 6
    for link in links:
        assert client.get(link).status_code == 200
