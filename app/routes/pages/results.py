"""Pages for trust staff about a round's results: the dashboard, the comparison with a baseline, an arc in
detail, and the gaps between viewpoints. Every figure comes through the scoring rules, suppression included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.db.engine import read_session
from app.db.tables import Round, Trust
from app.errors import Invalid, NotFound
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can
from app.services.insights import (
    arcs_needing_action,
    biggest_moves,
    cells_by_key,
    natural_baseline,
    rainbow_chart,
    viewpoint_gaps,
)
from app.store import actions, rounds, targets, trusts
from app.store.peer_bands import peer_bands
from app.store.round_detail import agreed_ratings, coverage, statement_figures
from app.store.scores import RoundResults, Thresholds, round_results, with_comments
from app.web.auth import StaffUser
from app.web.pages import render
from app.web.params import MAX_ID, RoundId
from app.web.state import AppState, get_state
from framework.charts.rainbow import describe

router = APIRouter(prefix="/trust", include_in_schema=False)
State = Annotated[AppState, Depends(get_state)]
BaselineChoice = Annotated[
    str | None,
    Query(max_length=12, description="A round id of the same trust, or 'none'; the round before by default"),
]
NO_BASELINE = "none"


@dataclass(frozen=True)
class Chart:
    url: str
    alt: str


@dataclass(frozen=True)
class ResultsContext:
    trust: Trust
    results: RoundResults
    other_rounds: list[Round]
    baseline_choice: str  # what the baseline chooser shows as selected: a round id or "none"
    targets: dict[tuple[str, str | None], float] = field(default_factory=dict)

    @property
    def round(self) -> Round:
        return self.results.round


def _load(
    db: Session, state: AppState, staff: Staff, round_id: int, baseline: str | None, *, default_baseline: bool
) -> ResultsContext:
    db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
    trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=db_round.trust_id, roles=ANY_MEMBER)
    siblings = list(rounds.rounds_of(db, trust_id=db_round.trust_id))
    others = [r for r in siblings if r.id != db_round.id]
    baseline_round = _chosen_baseline(db_round, others, baseline, default_baseline=default_baseline)
    results = round_results(
        db,
        db_round=db_round,
        baseline=baseline_round,
        framework=state.framework,
        surveys=state.surveys,
        thresholds=Thresholds.of(state.settings),
    )
    choice = str(baseline_round.id) if baseline_round is not None else NO_BASELINE
    levels = targets.by_key(targets.targets_of(db, round_id=round_id))
    return ResultsContext(
        trust=trust, results=results, other_rounds=others, baseline_choice=choice, targets=levels
    )


def _chosen_baseline(
    current: Round, others: list[Round], choice: str | None, *, default_baseline: bool
) -> Round | None:
    if choice is None or choice == "":
        return natural_baseline(current, others) if default_baseline else None
    if choice == NO_BASELINE:
        return None
    if not choice.isdigit() or not 1 <= int(choice) <= MAX_ID:
        raise Invalid("baseline", "choose a round of this trust from the list, or no baseline")
    if int(choice) == current.id:
        raise Invalid("baseline", "choose another round of the trust as the baseline, not the round itself")
    for other in others:
        if other.id == int(choice):
            return other
    raise NotFound("There is no round with that id in this trust to compare with.")


def _chart(
    context: ResultsContext, state: AppState, *, viewpoint: str | None = None, small: bool = False
) -> Chart:
    params: dict[str, str] = {}
    if context.results.baseline is not None:
        params["baseline"] = str(context.results.baseline.id)
    if viewpoint is not None:
        params["viewpoint"] = viewpoint
    if small:
        params["size"] = "small"
    chart = rainbow_chart(
        context.results,
        framework=state.framework,
        trust_name=context.trust.name,
        viewpoint=viewpoint,
        targets=context.targets,
    )
    query = f"?{urlencode(params)}" if params else ""
    return Chart(url=f"/api/rounds/{context.round.id}/rainbow.svg{query}", alt=describe(chart))


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_dashboard(
    round_id: RoundId, request: Request, staff: StaffUser, state: State, baseline: BaselineChoice = None
) -> Response:
    """Members of the round's trust: the round, its rainbow, its scores, who took part, exports."""
    thresholds = Thresholds.of(state.settings)
    with read_session(state.engine) as db:
        context = _load(db, state, staff, round_id, baseline, default_baseline=True)
        who = coverage(
            db,
            round_id=round_id,
            viewpoints=state.framework.viewpoint_keys,
            min_group_size=thresholds.min_group_size,
        )
        bands = peer_bands(
            db,
            db_round=context.round,
            framework=state.framework,
            thresholds=thresholds,
            min_trusts=state.settings.benchmark_min_trusts,
        )
        plan = actions.actions_of(db, trust_id=context.round.trust_id)
    return render(
        request,
        "results/dashboard.html",
        targets=context.targets,
        needing_action=arcs_needing_action(
            context.results.scores,
            targets=context.targets,
            arcs_with_actions=set(actions.actions_by_arc(plan)),
            framework=state.framework,
        ),
        can_plan=can(staff, context.round.trust_id, LEADS),
        ctx=context,
        results=context.results,
        round=context.round,
        trust=context.trust,
        cells=cells_by_key(context.results.scores),
        baseline_cells=cells_by_key(context.results.baseline_scores)
        if context.results.baseline_scores
        else {},
        chart=_chart(context, state),
        viewpoint_charts=[
            (viewpoint, _chart(context, state, viewpoint=viewpoint.key, small=True))
            for viewpoint in state.framework.viewpoints
        ],
        coverage=who,
        bands=bands,
        thresholds=thresholds,
        can_delete=can(staff, context.round.trust_id, LEADS),
        export_query=f"?baseline={context.results.baseline.id}" if context.results.baseline else "",
    )


@router.get("/rounds/{round_id}/compare", response_class=HTMLResponse)
def compare_page(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineChoice = None,
    view: Annotated[
        str, Query(pattern="^(overlay|side)$", description="overlay or side by side")
    ] = "overlay",
) -> Response:
    """Members of the round's trust: the round against a baseline, arc by arc and cell by cell."""
    with read_session(state.engine) as db:
        context = _load(db, state, staff, round_id, baseline, default_baseline=True)
        baseline_alone = None
        if context.results.baseline is not None:
            baseline_alone = _load(
                db, state, staff, context.results.baseline.id or 0, NO_BASELINE, default_baseline=False
            )
        plan = actions.actions_by_arc(actions.actions_of(db, trust_id=context.round.trust_id))
    comparison = context.results.comparison
    current_alone = ResultsContext(
        trust=context.trust,
        results=RoundResults(round=context.round, scores=context.results.scores),
        other_rounds=context.other_rounds,
        baseline_choice=NO_BASELINE,
    )
    return render(
        request,
        "results/compare.html",
        plan=plan,
        ctx=context,
        round=context.round,
        trust=context.trust,
        results=context.results,
        comparison=comparison,
        moves=biggest_moves(comparison) if comparison else None,
        view=view,
        overlay=_chart(context, state) if comparison else None,
        side_by_side=(
            [_chart(baseline_alone, state), _chart(current_alone, state)]
            if baseline_alone is not None
            else []
        ),
        thresholds=Thresholds.of(state.settings),
    )


@router.get("/rounds/{round_id}/arcs/{arc}", response_class=HTMLResponse)
def arc_page(
    round_id: RoundId,
    arc: Annotated[str, Path(max_length=40)],
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineChoice = None,
) -> Response:
    """Members of the round's trust: one arc's cells by viewpoint, its statements, the groups' agreed
    ratings with their evidence, and comments from groups large enough for them."""
    if arc not in state.framework.arc_keys:
        raise NotFound(f"The framework has no arc called '{arc}'.")
    thresholds = Thresholds.of(state.settings)
    with read_session(state.engine) as db:
        context = _load(db, state, staff, round_id, baseline, default_baseline=True)
        scores = with_comments(
            db, round_id=round_id, scores=context.results.scores, arc=arc, thresholds=thresholds
        )
        statements = statement_figures(
            db, round_id=round_id, arc=arc, min_group_size=thresholds.min_group_size
        )
        agreed = agreed_ratings(db, round_id=round_id, arc=arc)
    comparison = context.results.comparison
    return render(
        request,
        "results/arc.html",
        ctx=context,
        round=context.round,
        trust=context.trust,
        results=context.results,
        arc=state.framework.arc(arc),
        cells=cells_by_key(scores),
        deltas={(c.arc, c.viewpoint): c for c in comparison.cells} if comparison else {},
        statements=statements,
        agreed=agreed,
        surveys=state.surveys,
        thresholds=thresholds,
    )


@router.get("/rounds/{round_id}/gaps", response_class=HTMLResponse)
def gaps_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: where the viewpoints see an arc differently, children and the trust
    above all."""
    with read_session(state.engine) as db:
        context = _load(db, state, staff, round_id, NO_BASELINE, default_baseline=False)
    return render(
        request,
        "results/gaps.html",
        ctx=context,
        round=context.round,
        trust=context.trust,
        cells=cells_by_key(context.results.scores),
        gaps=viewpoint_gaps(context.results.scores, state.framework),
        thresholds=Thresholds.of(state.settings),
    )
