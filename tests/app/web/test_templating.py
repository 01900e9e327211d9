"""The pages' Jinja environment: links built from route names, figures as pages show them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.web.templating import TEMPLATES_DIR, figure, signed
from tests.factories import World, browse_as
from tests.pages import get_page

# A path written into a template: after a quote or an equals sign (``url=/…`` in a meta refresh), a slash
# that does not start a self-closing tag's end (``"/>``) or an external ``//host`` link.
WRITTEN_PATH = re.compile(r"""["'=](/(?![/>])[^"'\s>]*)""")


def test_no_template_writes_out_an_internal_path() -> None:
    """Every link, form action, script and image goes through ``url_for``, so a route can move without a
    template going stale. ``#fragment``, ``?query`` and ``https://`` links are not paths: they may stay."""
    written = [
        f"{path.relative_to(TEMPLATES_DIR)}:{number}: {match.group(1)}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in WRITTEN_PATH.finditer(line)
    ]
    assert written == []


@pytest.mark.parametrize(
    "line",
    [
        '<a href="/trust">',
        "<form action='/login'>",
        '<img src="/static/img/face-1.svg">',
        '<div hx-get="/facilitate/sessions/{{ focus.id }}">',
        '<meta http-equiv="refresh" content="600;url=/respond/idle">',
        '{{ breadcrumbs(trust, round, ("Gaps", "/trust/rounds/" ~ round.id ~ "/gaps")) }}',
    ],
)
def test_the_check_finds_a_path_written_out(line: str) -> None:
    assert WRITTEN_PATH.search(line)


@pytest.mark.parametrize(
    "line",
    [
        '<a href="#main">',
        '<a href="?arc=red#add">',
        '<a href="https://www.example.org/">',
        '<rect width="100" height="10" fill="#e4e4ea"/>',
        "</a></li>",
        "<a href=\"{{ url_for('trust.my_trusts') }}\">",
    ],
)
def test_the_check_lets_fragments_queries_external_links_and_closing_tags_be(line: str) -> None:
    assert not WRITTEN_PATH.search(line)


def test_links_are_paths_on_the_site_not_absolute_urls(client: TestClient) -> None:
    soup = get_page(client, "/")
    assert soup.select_one('link[rel="stylesheet"][href="/static/css/rainbow.css"]') is not None
    assert soup.select_one('link[rel="stylesheet"][href="/framework.css"]') is not None
    assert soup.select_one('script[src="/static/vendor/htmx.min.js"]') is not None
    assert soup.select_one('a[href="/arcs/red"]') is not None
    assert soup.select_one('a.brand[href="/"]') is not None


def test_links_stay_paths_over_https(world_https: tuple[TestClient, World]) -> None:
    client, world = world_https
    browse_as(client, world.users["lead_a"])
    soup = get_page(client, f"/trust/rounds/{world.round_a}")
    hrefs = [str(a["href"]) for a in soup.select("a[href]")] + [str(f["action"]) for f in soup.select("form")]
    assert f"/trust/rounds/{world.round_a}/targets" in hrefs
    assert f"/api/rounds/{world.round_a}/export.csv" in {href.split("?")[0] for href in hrefs}
    assert not [href for href in hrefs if href.startswith(("http:", "https:", "//"))]


def test_figures_have_two_decimals_and_none_is_empty() -> None:
    assert figure(3.14159) == "3.14"
    assert figure(3.0, 1) == "3.0"
    assert figure(None) == ""


def test_a_change_carries_its_sign_with_a_real_minus() -> None:
    assert signed(0.25) == "+0.25"
    assert signed(-0.1) == "\u22120.10"
    assert signed(0.001) == "±0.00"
    assert signed(None) == ""
