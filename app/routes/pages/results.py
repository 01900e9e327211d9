"""Pages for trust staff about a round's results: the dashboard, the comparison with a baseline, an arc in
detail, and the gaps between viewpoints. Every figure comes from the round's report (`app.services.reports`),
after suppression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.choices import RoundStatus
from app.db.disclosure_tables import Disclosure
from app.db.engine import read_session
from app.db.tables import Action, Round, Trust
from app.errors import Invalid, NotFound
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can
from app.routes.pages.publication import progress_page
from app.services.disclosure.coverage import ViewpointCoverage, open_sessions, viewpoint_coverage
from app.services.disclosure.peers import PeerRules, PeerSixths, peer_sixths
from app.services.disclosure.published import AgreedRatings, StatementFigures, agreed_ratings, arc_comments
from app.services.heatmap import HeatMap, heat_map
from app.services.insights import (
    Moves,
    ViewpointGap,
    arcs_needing_action,
    biggest_moves,
    cells_by_key,
    rainbow_chart,
    viewpoint_gaps,
)
from app.services.reports import ROUND_BEFORE, BaselineChoice, RoundReport, Thresholds, round_report
from app.store import actions, disclosures, rounds
from app.store.targets import TargetKey
from app.web.auth import StaffUser
from app.web.pages import PageRoute, path_for, render_page
from app.web.params import MAX_ID, RoundId
from app.web.state import AppState, State
from framework.charts.rainbow_chart import describe
from framework.model import Arc, Viewpoint
from framework.scoring import Cell, CellComparison, Comparison
from surveys import SurveyBook

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
BaselineParam = Annotated[
    str | None,
    Query(max_length=12, description="A round id of the same trust, or 'none'; the round before by default"),
]
NO_BASELINE = "none"
_ROUND_ID = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Chart:
    """A chart as a page shows it: its SVG, its text alternative, and its downloads."""

    url: str
    alt: str
    png_url: str  # at print size (?scale=2)
    name: str  # what it shows, for the download links' words


@dataclass(frozen=True)
class Chooser:
    """The baseline chooser every results page shows: the trust's other rounds, and which is selected."""

    other_rounds: list[Round]
    baseline_choice: str  # a round id or "none"


@dataclass(frozen=True)
class ResultsPage:
    """What every results page shows: the report, the chooser, and the suppression thresholds."""

    results: RoundReport
    ctx: Chooser
    thresholds: Thresholds

    @property
    def round(self) -> Round:
        return self.results.round

    @property
    def trust(self) -> Trust:
        return self.results.trust


@dataclass(frozen=True)
class PublicationNote:
    """Which publication a published round's dashboard shows, and what a lead may do next."""

    number: int
    published_at: datetime
    taking_late_answers: bool
    can_reopen: bool
    can_publish_again: bool
    just_published: bool

    @classmethod
    def of(
        cls, latest: Disclosure, *, is_lead: bool, round_status: str, groups_open: bool, request: Request
    ) -> PublicationNote:
        """The note of a round's `latest` publication, for a lead or not, while its focus groups are open
        or not; just published when the page is where publishing led."""
        late = round_status == RoundStatus.OPEN
        return cls(
            number=latest.number or 0,
            published_at=latest.at,
            taking_late_answers=late,
            can_reopen=is_lead and not late,
            can_publish_again=is_lead and late and not groups_open,
            just_published=request.query_params.get("published") == "1",
        )


@dataclass(frozen=True)
class DashboardPage:
    results: RoundReport
    ctx: Chooser
    thresholds: Thresholds
    round: Round
    trust: Trust
    targets: dict[TargetKey, float]
    needing_action: list[str]
    can_plan: bool
    can_delete: bool
    cells: dict[tuple[str, str], Cell]
    heat: HeatMap
    chart: Chart
    viewpoint_charts: list[tuple[Viewpoint, Chart]]
    coverage: list[ViewpointCoverage]
    peers: PeerSixths
    min_trusts: int  # trusts with a published round that year before any is placed
    export_query: str
    publication: PublicationNote


@dataclass(frozen=True)
class ComparePage:
    results: RoundReport
    ctx: Chooser
    thresholds: Thresholds
    round: Round
    trust: Trust
    comparison: Comparison | None
    moves: Moves | None
    view: str
    overlay: Chart | None
    side_by_side: list[Chart]
    plan: dict[str, list[Action]]


@dataclass(frozen=True)
class ArcPage:
    results: RoundReport
    ctx: Chooser
    thresholds: Thresholds
    round: Round
    trust: Trust
    arc: Arc
    cells: dict[tuple[str, str], Cell]
    deltas: dict[tuple[str, str], CellComparison]
    statements: Mapping[tuple[str, str], StatementFigures]
    agreed: AgreedRatings
    surveys: SurveyBook
    comments: Mapping[str, list[str]]  # statement code -> comments, where the group is large enough


@dataclass(frozen=True)
class GapsPage:
    thresholds: Thresholds
    round: Round
    trust: Trust
    gaps: list[ViewpointGap]


def _baseline_choice(choice: str | None, *, default: BaselineChoice) -> BaselineChoice:
    """What the page's ``?baseline=`` asks for: a round id, none, or (when absent) `default`.

    :raises Invalid: anything but a round id or "none" (digits of other scripts included).
    """
    if choice is None or choice == "":
        return default
    if choice == NO_BASELINE:
        return None
    if not _ROUND_ID.fullmatch(choice) or not 1 <= int(choice) <= MAX_ID:
        raise Invalid("baseline", "choose a round of this trust from the list, or no baseline")
    return int(choice)


def _results(
    db: Session, state: AppState, staff: Staff, round_id: int, baseline: BaselineChoice
) -> ResultsPage:
    report = round_report(db, staff=staff, round_id=round_id, baseline=baseline, context=state.report_context)
    trust_rounds = rounds.rounds_of(db, trust_id=report.round.trust_id)
    published = disclosures.published_ids(db, round_ids=[r.id for r in trust_rounds if r.id is not None])
    others = [r for r in trust_rounds if r.id != round_id and r.id in published]
    choice = str(report.baseline.id) if report.baseline is not None else NO_BASELINE
    return ResultsPage(report, Chooser(others, choice), state.report_context.thresholds)


def _chart(
    request: Request,
    report: RoundReport,
    state: AppState,
    *,
    viewpoint: str | None = None,
    small: bool = False,
) -> Chart:
    params: dict[str, str | int] = {}
    if report.baseline is not None:
        params["baseline"] = str(report.baseline.id)
    if viewpoint is not None:
        params["viewpoint"] = viewpoint
    if small:
        params["size"] = "small"
    chart = rainbow_chart(report, framework=state.framework, viewpoint=viewpoint)
    assert report.round.id is not None
    url = path_for(request, "rainbow_svg", round_id=report.round.id, query=params)
    png_url = path_for(request, "rainbow_png", round_id=report.round.id, query={**params, "scale": 2})
    name = f"{report.round.name} rainbow" if viewpoint is None else f"{chart.title} rainbow"
    return Chart(url=url, alt=describe(chart), png_url=png_url, name=name)


@router.get("/rounds/{round_id}", response_class=HTMLResponse, name="results.round_dashboard")
def round_dashboard(
    round_id: RoundId, request: Request, staff: StaffUser, state: State, baseline: BaselineParam = None
) -> Response:
    """Members of the round's trust: the round's latest publication (its rainbow, scores, who took part,
    downloads); before its first publication, its progress towards it."""
    thresholds = state.report_context.thresholds
    with read_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        latest = disclosures.latest_publication(db, round_id=round_id)
        if latest is None:
            return progress_page(request, state, staff, round_id)
        base = _results(db, state, staff, round_id, _baseline_choice(baseline, default=ROUND_BEFORE))
        report = base.results
        who = viewpoint_coverage(
            db,
            round_id=round_id,
            viewpoints=state.framework.viewpoint_keys,
            threshold=thresholds.min_group_size,
        )
        plan = actions.actions_of(db, trust_id=report.round.trust_id)
        still_open = bool(open_sessions(db, round_id=round_id))
    peers = _peers(state, db_round)
    is_lead = can(staff, report.round.trust_id, LEADS)
    page = DashboardPage(
        results=report,
        ctx=base.ctx,
        thresholds=thresholds,
        round=report.round,
        trust=report.trust,
        targets=dict(report.targets),
        needing_action=arcs_needing_action(
            report.scores,
            targets=report.targets,
            arcs_with_actions=set(actions.actions_by_arc(plan)),
            framework=state.framework,
        ),
        can_plan=is_lead,
        can_delete=is_lead,
        cells=cells_by_key(report.scores),
        heat=heat_map(report, state.framework),
        chart=_chart(request, report, state),
        viewpoint_charts=[
            (viewpoint, _chart(request, report, state, viewpoint=viewpoint.key, small=True))
            for viewpoint in state.framework.viewpoints
        ],
        coverage=who,
        peers=peers,
        min_trusts=state.settings.benchmark_min_trusts,
        export_query=f"?baseline={report.baseline.id}" if report.baseline else "",
        publication=PublicationNote.of(
            latest, is_lead=is_lead, round_status=db_round.status, groups_open=still_open, request=request
        ),
    )
    return render_page(request, "results/dashboard.html", page)


def _peers(state: AppState, db_round: Round) -> PeerSixths:
    rules = PeerRules(state.settings.min_group_size, state.settings.benchmark_min_trusts)
    return peer_sixths(state.engine, db_round=db_round, framework=state.framework, rules=rules)


@router.get("/rounds/{round_id}/compare", response_class=HTMLResponse, name="results.compare_page")
def compare_page(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineParam = None,
    view: Annotated[
        str, Query(pattern="^(overlay|side)$", description="overlay or side by side")
    ] = "overlay",
) -> Response:
    """Members of the round's trust: the round against a baseline, arc by arc and cell by cell."""
    with read_session(state.engine) as db:
        base = _results(db, state, staff, round_id, _baseline_choice(baseline, default=ROUND_BEFORE))
        report = base.results
        baseline_alone = None
        if report.baseline is not None and report.baseline.id is not None:
            baseline_alone = round_report(
                db, staff=staff, round_id=report.baseline.id, baseline=None, context=state.report_context
            )
        plan = actions.actions_by_arc(actions.actions_of(db, trust_id=report.round.trust_id))
    comparison = report.comparison
    page = ComparePage(
        results=report,
        ctx=base.ctx,
        thresholds=base.thresholds,
        round=report.round,
        trust=report.trust,
        comparison=comparison,
        moves=biggest_moves(comparison) if comparison else None,
        view=view,
        overlay=_chart(request, report, state) if comparison else None,
        side_by_side=(
            [_chart(request, baseline_alone, state), _chart(request, report.without_baseline(), state)]
            if baseline_alone is not None
            else []
        ),
        plan=plan,
    )
    return render_page(request, "results/compare.html", page)


@router.get("/rounds/{round_id}/arcs/{arc}", response_class=HTMLResponse, name="results.arc_page")
def arc_page(
    round_id: RoundId,
    arc: Annotated[str, Path(max_length=40)],
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineParam = None,
) -> Response:
    """Members of the round's trust: one arc's cells by viewpoint, its statements, the groups' agreed
    ratings with their evidence, and comments from groups large enough for them."""
    if arc not in state.framework.arc_keys:
        raise NotFound(f"The framework has no arc called '{arc}'.")
    thresholds = state.report_context.thresholds
    with read_session(state.engine) as db:
        base = _results(db, state, staff, round_id, _baseline_choice(baseline, default=ROUND_BEFORE))
        report = base.results
        published = report.published
        scores, comments = arc_comments(
            db, published=published, round_id=round_id, arc=arc, least=thresholds.comment_min_group_size
        )
        agreed = agreed_ratings(
            db, published=published, round_id=round_id, arc=arc, min_group_size=thresholds.min_group_size
        )

    comparison = report.comparison
    page = ArcPage(
        results=report,
        ctx=base.ctx,
        thresholds=thresholds,
        round=report.round,
        trust=report.trust,
        arc=state.framework.arc(arc),
        cells=cells_by_key(scores),
        deltas={(c.arc, c.viewpoint): c for c in comparison.cells} if comparison else {},
        statements=report.published.statements,
        agreed=agreed,
        surveys=state.surveys,
        comments=comments,
    )
    return render_page(request, "results/arc.html", page)


@router.get("/rounds/{round_id}/gaps", response_class=HTMLResponse, name="results.gaps_page")
def gaps_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: where the viewpoints see an arc differently, children and the trust
    above all."""
    with read_session(state.engine) as db:
        base = _results(db, state, staff, round_id, None)
    report = base.results
    page = GapsPage(
        thresholds=base.thresholds,
        round=report.round,
        trust=report.trust,
        gaps=viewpoint_gaps(report.scores, state.framework),
    )
    return render_page(request, "results/gaps.html", page)
