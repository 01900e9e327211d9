"""A trust lead reading the demo trust at a glance, on an 810 px tablet and a 390 px phone: the heat map, the
trend over three rounds, the chart downloads, and staff pages whose tables never run past their container.

Screenshots of the dashboard and the trend page at 810 px are kept in /tmp/shots/glance/ (SHOTS).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.services.demo_story import DEMO_ACCOUNTS, ROUNDS
from tests.browser import flows
from tests.browser.conftest import Axe, Contexts

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/glance")
LATEST = ROUNDS[-1].name  # the demo's 2011 follow-up
ADMIN = flows.Account(*next((a.email, a.password) for a in DEMO_ACCOUNTS if a.role is None))
WIDTH = {"tablet": 810, "phone": 390}

# Every table on the page against its container, and the page against the window: what runs past (px).
OVERFLOW_JS = """() => {
  const past = [];
  for (const table of document.querySelectorAll('table')) {
    const box = table.getBoundingClientRect();
    const holder = table.parentElement.getBoundingClientRect();
    if (box.right > holder.right + 1 || box.width > holder.width + 1) {
      const name = table.className || 'table';
      past.push(name + ': ' + Math.round(box.width) + ' in ' + Math.round(holder.width));
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) {
    past.push('page: ' + page.scrollWidth + ' in ' + window.innerWidth);
  }
  return past;
}"""


def open_trust(page: Page) -> str:
    """Sign in as the lead and open the demo trust; its path."""
    flows.sign_in(page, flows.LEAD)
    page.goto("/trust")
    page.get_by_role("link", name=flows.DEMO_TRUST_NAME).click()
    expect(page).to_have_url(flows.path_is(r"/trust/\d+"))
    return flows.url_path(page)


def open_latest_round(page: Page) -> str:
    trust_path = open_trust(page)
    page.get_by_role("link", name=LATEST).click()
    expect(page).to_have_url(flows.path_is(r"/trust/rounds/\d+"))
    return trust_path


def overflow(page: Page) -> list[str]:
    past: list[str] = page.evaluate(OVERFLOW_JS)
    return past


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_the_dashboard_shows_the_heat_map_with_a_figure_or_words_in_every_cell(
    contexts: Contexts, axe: Axe, device: str
) -> None:
    page = contexts.page(device)
    open_latest_round(page)
    heat = page.locator("table.heatmap")
    expect(heat).to_be_visible()
    cells = heat.locator("td.heat")
    expect(cells).to_have_count(40)
    for index in range(40):
        text = cells.nth(index).inner_text()
        assert re.search(r"\d\.\d\d|too few", text), text
    # Compared with the 2010 re-assessment by default: each cell shown writes its change too.
    expect(heat.locator(".heat-change").first).to_have_text(re.compile(r"^([+\u2212]\d\.\d\d|no change)"))
    assert overflow(page) == []
    axe.check(page)
    if device == "tablet":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / "dashboard-810.png", full_page=True)
    assert not axe.found, axe.report()


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_the_trend_page_draws_each_arc_across_the_three_rounds(
    contexts: Contexts, axe: Axe, device: str
) -> None:
    page = contexts.page(device)
    open_latest_round(page)
    page.get_by_role("link", name="Over the years").click()
    expect(page).to_have_url(flows.path_is(r"/trust/\d+/trend"))
    expect(page.locator("table.trend-table thead th")).to_have_text(["Arc", *(r.name for r in ROUNDS)])
    chart = page.locator("figure.chart img")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('figure.chart img').naturalWidth > 0")
    assert overflow(page) == []
    axe.check(page)
    if device == "tablet":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / "trend-810.png", full_page=True)
    assert not axe.found, axe.report()


def png_width(data: bytes) -> int:
    assert data.startswith(b"\x89PNG")
    return int.from_bytes(data[16:20], "big")


def test_every_chart_downloads_as_a_print_png_and_an_svg(contexts: Contexts) -> None:
    page = contexts.page("tablet")
    open_latest_round(page)
    links = page.locator(".chart-downloads a")
    expect(links).to_have_count(12)  # the rainbow and five viewpoints, each PNG and SVG
    with page.expect_download() as png:
        links.filter(has_text="PNG for print").first.click()
    assert png_width(Path(png.value.path()).read_bytes()) == 2000
    with page.expect_download() as svg:
        links.filter(has_text="SVG").first.click()
    assert b"<svg" in Path(svg.value.path()).read_bytes()[:400]
    page.get_by_role("link", name="Over the years").click()
    with page.expect_download() as trend:
        page.locator(".chart-downloads a", has_text="PNG for print").click()
    assert png_width(Path(trend.value.path()).read_bytes()) >= 1800


def staff_paths(page: Page) -> list[str]:
    """The lead's pages of the demo trust: its rounds, the latest round's results and plans, the trend."""
    trust_path = open_latest_round(page)
    round_path = flows.url_path(page)
    results = ("", "/compare", "/compare?view=side", "/arcs/orange", "/gaps", "/targets", "/coverage")
    return [
        "/trust",
        trust_path,
        *(round_path + path for path in results),
        f"{trust_path}/actions",
        f"{trust_path}/trend",
        "/facilitate",
    ]


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_no_table_on_a_staff_page_runs_past_its_container(contexts: Contexts, device: str) -> None:
    lead = contexts.page(device)
    past = {}
    for path in staff_paths(lead):
        lead.goto(path)
        if found := overflow(lead):
            past[path] = found
    admin = contexts.page(device)
    flows.sign_in(admin, ADMIN)
    for path in ("/admin", "/admin/audit"):
        admin.goto(path)
        if found := overflow(admin):
            past[path] = found
    assert not past, f"at {WIDTH[device]} px: {past}"


# Every checkbox and radio with the words that go with it: its box, and the target (the label that holds it,
# or the label for it together with the box).
TARGETS_JS = """() => [...document.querySelectorAll('input[type=checkbox], input[type=radio]')].map(input => {
  const box = input.getBoundingClientRect();
  const label = input.closest('label') || document.querySelector('label[for="' + input.id + '"]');
  const own = label ? label.getBoundingClientRect() : box;
  const left = Math.min(box.left, own.left), right = Math.max(box.right, own.right);
  const top = Math.min(box.top, own.top), bottom = Math.max(box.bottom, own.bottom);
  return {name: input.name + '=' + input.value, box: [Math.round(box.width), Math.round(box.height)],
          target: [Math.round(right - left), Math.round(bottom - top)]};
})"""


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_checkboxes_and_radios_are_whole_and_touch_sized(contexts: Contexts, device: str) -> None:
    page = contexts.page(device)
    trust_path = open_trust(page)
    found = []
    for path in (f"{trust_path}/actions", "/facilitate"):
        page.goto(path)
        found += page.evaluate(TARGETS_JS)
    assert len(found) >= 8 + 5 + 8
    boxes = {tuple(entry["box"]) for entry in found}
    assert len(boxes) == 1, boxes  # the same size on every form: never squeezed
    (size,) = boxes
    assert min(size) >= 24, size
    small = [entry for entry in found if entry["target"][0] < 44 or entry["target"][1] < 44]
    assert small == []
