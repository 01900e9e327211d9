"""The pages' Jinja environment: links built from route names, figures as pages show them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2 import Environment, meta, nodes

from app.routes.pages import (
    accounts,
    admin,
    audit,
    auth,
    facilitate,
    invitations,
    join,
    paper,
    plans,
    publication,
    questions,
    respond,
    respondent,
    results,
    review,
    room,
    room_close,
    room_screen,
    security,
    targets,
    trend,
    trust,
    walkthrough,
)
from app.web.templating import TEMPLATES_DIR, create_templates, figure, signed
from framework.model import load_framework
from tests.api import publish
from tests.factories import World, browse_as
from tests.pages import EVERY_PAGE, get_page

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
    publish(client, world, world.round_a)
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


# --- each template uses what its page gives it, and every field is used ----------------------------------

PAGES: dict[str, type[Any]] = {
    "account/change_password.html": accounts.ChangePasswordPage,
    "account/invite.html": invitations.InvitePage,
    "account/reset_request.html": accounts.ResetRequestPage,
    "account/second_factor.html": security.CodePage,
    "account/security.html": security.SecurityPage,
    "account/set_password.html": accounts.SetPasswordPage,
    "admin/overview.html": admin.OverviewPage,
    "admin/user.html": admin.UserPage,
    "admin/audit.html": audit.AuditPage,
    "auth/login.html": auth.LoginPage,
    "trust/index.html": trust.TrustsPage,
    "trust/trust.html": trust.TrustPage,
    "trust/delete_round.html": trust.DeleteRoundPage,
    "results/dashboard.html": results.DashboardPage,
    "results/compare.html": results.ComparePage,
    "results/arc.html": results.ArcPage,
    "results/gaps.html": results.GapsPage,
    "results/trend.html": trend.TrendPage,
    "results/progress.html": publication.ProgressPage,
    "plans/actions.html": plans.ActionPlanPage,
    "plans/action_edit.html": plans.ActionEditPage,
    "plans/targets.html": targets.TargetsPage,
    "plans/coverage.html": targets.CoveragePage,
    "facilitate/index.html": facilitate.SessionsPage,
    "facilitate/room.html": room.RoomPage,
    "facilitate/close.html": room_close.ClosePage,
    "facilitate/screen.html": room_screen.ScreenPage,
    "facilitate/paper.html": paper.PaperPage,
    "respond/join.html": join.JoinPage,
    "respond/finished.html": respondent.FinishedPage,
    "respond/_layout.html": respondent.RespondentPage,
    "respond/privacy.html": respond.PrivacyPage,
    "respond/profile.html": respond.ProfilePage,
    "respond/child_question.html": questions.QuestionPage,
    "respond/staff_arc.html": questions.QuestionPage,
    "respond/review.html": review.ReviewPage,
    "respond/thanks.html": review.ThanksPage,
    "walkthrough/rainbow.html": walkthrough.RainbowPage,
    "walkthrough/arc.html": walkthrough.ArcPage,
}
#: Templates that are no page of their own (layouts, macros, parts), and the error page `app.web.error_pages`
#: renders with a plain dict.
PARTS = (
    "base.html",
    "_macros.html",
    "results/_parts.html",
    "plans/_action_fields.html",
    "facilitate/_head.html",
    "respond/_offline_head.html",
)
ERROR_PAGE = {
    "error.html": {"status", "title", "message"},
    "error_fragment.html": {"status", "title", "message"},
}
#: Templates that are not pages: documents laid out elsewhere (the board pack, as a PDF by app.exports).
DOCUMENTS = {"exports/board_pack.html"}


@pytest.fixture(scope="module")
def environment() -> Environment:
    env: Environment = create_templates(load_framework()).env
    return env


def names_used(environment: Environment, template: str) -> set[str]:
    """The names `template` reads that it does not set, import or define itself (blocks included, which
    Jinja's own `meta.find_undeclared_variables` reads as if apart from the template's imports)."""
    tree = environment.parse((TEMPLATES_DIR / template).read_text(encoding="utf-8"))
    own = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    own |= {macro.name for macro in tree.find_all(nodes.Macro)}
    for imported in tree.find_all(nodes.FromImport):
        own |= {name if isinstance(name, str) else name[1] for name in imported.names}
    return meta.find_undeclared_variables(tree) - own


def field_names(page: type[Any]) -> set[str]:
    return {field.name for field in dataclasses.fields(page)}


def test_every_template_is_a_page_a_part_or_the_error_page() -> None:
    templates = {str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*.html")}
    assert templates == set(PAGES) | set(PARTS) | set(ERROR_PAGE) | DOCUMENTS


@pytest.mark.parametrize("template", sorted(PAGES))
def test_a_page_template_reads_only_its_page_context_and_the_globals(
    environment: Environment, template: str
) -> None:
    given = field_names(PAGES[template]) | set(environment.globals) | EVERY_PAGE
    assert names_used(environment, template) - given == set()


@pytest.mark.parametrize("template", [*PARTS, *ERROR_PAGE])
def test_a_part_reads_only_the_globals(environment: Environment, template: str) -> None:
    given = set(environment.globals) | EVERY_PAGE | ERROR_PAGE.get(template, set())
    assert names_used(environment, template) - given == set()


#: Fields read by a block rendered alone (for htmx), where the full page has a loop variable of that name.
READ_BY_A_BLOCK_ALONE: dict[type[Any], set[str]] = {room.RoomPage: {"entry"}}


def test_every_field_of_a_page_context_is_read_by_its_templates(environment: Environment) -> None:
    read: dict[type[Any], set[str]] = {page: set(names) for page, names in READ_BY_A_BLOCK_ALONE.items()}
    for template, page in PAGES.items():
        read.setdefault(page, set()).update(names_used(environment, template))
    layout = names_used(environment, "respond/_layout.html")
    unread = {
        page.__name__: field_names(page)
        - used
        - (layout if issubclass(page, respondent.RespondentPage) else set())
        for page, used in read.items()
    }
    assert {name: fields for name, fields in unread.items() if fields} == {}
