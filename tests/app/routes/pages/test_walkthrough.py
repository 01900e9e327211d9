"""The rainbow walkthrough pages, parsed as HTML: every arc is there, every link and asset resolves."""

from __future__ import annotations

from urllib.parse import urldefrag, urlparse

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.routes.pages.walkthrough import ArcPage, RainbowPage
from framework.model import load_framework
from surveys import DEFAULT_SURVEYS_DIR, load_surveys
from tests.pages import rendered_with

FRAMEWORK = load_framework()
BOOK = load_surveys(DEFAULT_SURVEYS_DIR, FRAMEWORK)


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def test_home_lists_every_arc_as_a_link_in_text(client: TestClient) -> None:
    soup = page(client, "/")
    listed = soup.select("nav.arc-list a")
    assert [a["href"] for a in listed] == [f"/arcs/{key}" for key in FRAMEWORK.arc_keys]
    text = soup.select_one("nav.arc-list").get_text(" ", strip=True)
    for arc in FRAMEWORK.arcs:
        assert arc.title in text


def test_home_draws_the_rainbow_with_a_band_per_arc_in_its_colour(client: TestClient) -> None:
    svg = page(client, "/").select_one("svg.rainbow")
    bands = svg.select("a.rainbow-band")
    assert [band["href"] for band in bands] == [f"/arcs/{key}" for key in FRAMEWORK.arc_keys]
    fills = [band.select_one("path")["fill"] for band in bands]
    assert fills == [arc.colour for arc in FRAMEWORK.arcs]
    labels = [band.select_one("textPath").get_text(strip=True) for band in bands]
    assert labels == [arc.short_title for arc in FRAMEWORK.arcs]


def test_home_explains_the_viewpoints_and_the_scale(client: TestClient) -> None:
    text = page(client, "/").get_text(" ", strip=True)
    for viewpoint in FRAMEWORK.viewpoints:
        assert viewpoint.label in text
    for point in FRAMEWORK.scale:
        assert point.label in text and point.child_label in text


def test_arc_page_shows_about_both_ends_and_success_from_every_viewpoint(client: TestClient) -> None:
    arc = FRAMEWORK.arc("green")
    soup = page(client, "/arcs/green")
    text = soup.get_text(" ", strip=True)
    assert soup.h1.get_text(strip=True) == arc.title
    for passage in (arc.about, arc.integrated, arc.fragmented, *arc.success.values()):
        assert " ".join(passage.split()) in text
    cards = soup.select("article.viewpoint-card")
    assert [card["id"] for card in cards] == list(FRAMEWORK.viewpoint_keys)


def test_arc_page_lists_the_statements_for_every_viewpoint(client: TestClient) -> None:
    soup = page(client, "/arcs/pink")
    for viewpoint in FRAMEWORK.viewpoint_keys:
        card = soup.select_one(f"article#{viewpoint}")
        codes = [code.get_text(strip=True) for code in card.select("code.item-code")]
        assert codes == [item.code for item in BOOK.items("pink", viewpoint)]
    child_card_text = soup.select_one("article#child").get_text(" ", strip=True)
    for item in BOOK.items("pink", "child"):
        assert item.child_text in child_card_text


def test_every_link_on_every_walkthrough_page_resolves(client: TestClient) -> None:
    to_visit, visited = ["/"], set()
    while to_visit:
        path = to_visit.pop()
        if path in visited:
            continue
        visited.add(path)
        soup = page(client, path)
        for anchor in soup.find_all("a", href=True):
            href, fragment = urldefrag(anchor["href"])
            if urlparse(href).netloc:
                raise AssertionError(f"{path} links off-site to {href}")
            target = href or path
            if fragment:
                assert page(client, target).find(id=fragment), f"{path}: #{fragment} not found on {target}"
            if target not in visited:
                to_visit.append(target)
    assert visited >= {"/", *(f"/arcs/{key}" for key in FRAMEWORK.arc_keys)}


def test_every_stylesheet_and_script_is_served_by_the_app_itself(client: TestClient) -> None:
    for path in ("/", "/arcs/red"):
        soup = page(client, path)
        assets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
        assets += [script["src"] for script in soup.find_all("script", src=True)]
        assert any("htmx" in asset for asset in assets)
        for asset in assets:
            assert not urlparse(asset).netloc, f"{asset} is third-party"
            assert client.get(asset).status_code == 200, asset


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    for path in ("/", "/arcs/yellow"):
        soup = page(client, path)
        assert not [s for s in soup.find_all("script") if not s.get("src")]
        assert not soup.find_all("style")
        assert not soup.find_all(style=True)


def test_pages_have_a_language_a_title_one_h1_and_a_skip_link(client: TestClient) -> None:
    for path in ("/", "/arcs/indigo"):
        soup = page(client, path)
        assert soup.html["lang"] == "en-GB"
        assert soup.title.get_text(strip=True)
        assert len(soup.find_all("h1")) == 1
        assert soup.select_one("a.skip-link")["href"] == "#main"
        assert soup.find(id="main")


def test_unknown_arc_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/arcs/turquoise")
    assert response.status_code == 404
    assert "There is no arc" in BeautifulSoup(response.text, "html.parser").get_text()


def test_each_walkthrough_page_gets_exactly_its_page_context(client: TestClient) -> None:
    rainbow = rendered_with(client.get("/"), "walkthrough/rainbow.html", RainbowPage)
    assert [drawn.href for drawn in rainbow["drawn_arcs"]] == [f"/arcs/{arc.key}" for arc in FRAMEWORK.arcs]
    first = rendered_with(client.get(f"/arcs/{FRAMEWORK.arcs[0].key}"), "walkthrough/arc.html", ArcPage)
    assert first["previous_arc"] is None and first["next_arc"] == FRAMEWORK.arcs[1]
