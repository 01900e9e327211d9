"""Pages for a round's plans: each arc's target and the support the trust needs (one page), and the coverage
of each arc and viewpoint still to be heard. Leads change them; every member of the trust reads them.

Its router is included by `app.routes.pages.plans`, under the same /trust prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.db.engine import read_session, write_session
from app.db.tables import Round, SupportNeed, Target, Trust
from app.errors import Invalid
from app.identity import Staff
from app.permissions import LEADS, can
from app.schemas.plans import SupportNeedIn, TargetIn
from app.services.disclosure.coverage import CellCoverage, cells_short, coverage_by_cell
from app.services.disclosure.published import NotPublished, published_round
from app.services.reports import Thresholds
from app.store import rounds, support_needs, targets
from app.store.targets import TargetKey
from app.web.auth import StaffUser
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    path_id,
    redirect_to,
    refused_fields,
    render_page,
    shows_form_again,
    signed_in,
)
from app.web.params import RoundId, SupportNeedId
from app.web.state import AppState, State
from framework.model import Framework
from framework.scoring import Scores

router = APIRouter(include_in_schema=False, route_class=PageRoute)
NEED_NOUNS = {"arc": "the arc", "kind": "the kind of support", "description": "what help is needed"}
NEED_FIELDS = tuple(NEED_NOUNS)


class SupportNeedForm(SupportNeedIn):
    """The form adding a support need: the API's model, with the page's CSRF token besides."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class TargetsPage:
    round: Round
    trust: Trust
    scores: Scores | None  # None before the round is first published
    targets: dict[TargetKey, float]
    needs: list[SupportNeed]
    form: dict[str, str]  # both forms as typed: "target-<arc>" and "need-<field>"
    errors: dict[str, str]
    can_plan: bool
    thresholds: Thresholds
    saved: bool


@dataclass(frozen=True)
class CoveragePage:
    round: Round
    trust: Trust
    cells: dict[tuple[str, str], CellCoverage]
    short: int  # cells still needing people
    threshold: int


@router.get("/rounds/{round_id}/targets", response_class=HTMLResponse, name="plans.targets_page")
def targets_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: each arc's score and target, and the support the trust needs."""
    return _targets_page(request, state, staff, round_id)


@router.post("/rounds/{round_id}/targets", response_class=HTMLResponse, name="plans.set_targets")
async def set_targets(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: set each arc's target (a blank clears it). All or nothing.

    One field per arc (``target-<arc>``), each read into the API's `TargetIn`, so the form is read here
    rather than into one model: the arcs are the framework's, known only once the app has loaded it.
    """
    form = _target_form(await request.form(), state.framework)
    levels, errors = _target_levels(form, state.framework)
    if errors:
        return _targets_page(request, state, staff, round_id, form=form, errors=errors, status=422)
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        current = {t.arc: t for t in targets.targets_of(db, round_id=round_id) if t.viewpoint == "all"}
        for arc, level in levels.items():
            _set_target(db, staff, db_round, current.get(arc), arc, level, state.framework)
    return redirect_to(request, "plans.targets_page", round_id=round_id, query={"saved": 1})


def _show_need_form(request: Request, invalid: InvalidForm) -> Response:
    round_id = path_id(request, "round_id")
    form = {f"need-{name}": invalid.text(name).strip() for name in NEED_FIELDS}
    errors = {f"need-{name}": message for name, message in invalid.errors(NEED_NOUNS).items()}
    state, staff = app_state(request), signed_in(request)
    return _targets_page(request, state, staff, round_id, form=form, errors=errors, status=422)


@router.post("/rounds/{round_id}/support-needs", response_class=HTMLResponse, name="plans.add_support_need")
@shows_form_again(_show_need_form)
def add_support_need(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    need_in: Annotated[SupportNeedForm, Form()],
) -> Response:
    """Leads of the round's trust: record help the trust needs on an arc."""
    try:
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
            support_needs.add_support_need(
                db, actor=staff, db_round=db_round, need_in=need_in, framework=state.framework
            )
    except Invalid as error:
        form = {f"need-{name}": str(getattr(need_in, name)) for name in NEED_FIELDS}
        errors = refused_fields(error, prefix="need-")
        return _targets_page(request, state, staff, round_id, form=form, errors=errors, status=422)
    return redirect_to(request, "plans.targets_page", round_id=round_id, fragment="support")


@router.post(
    "/rounds/{round_id}/support-needs/{need_id}/delete",
    response_class=HTMLResponse,
    name="plans.remove_support_need",
)
def remove_support_need(
    round_id: RoundId, need_id: SupportNeedId, request: Request, staff: StaffUser, state: State
) -> Response:
    """Leads of the round's trust: remove a support need."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        support_needs.remove_support_need(db, actor=staff, db_round=db_round, need_id=need_id)
    return redirect_to(request, "plans.targets_page", round_id=round_id, fragment="support")


@router.get("/rounds/{round_id}/coverage", response_class=HTMLResponse, name="plans.coverage_page")
def coverage_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: for each arc and viewpoint, how many have answered against the
    threshold, and the focus groups still to run, to plan the groups needed before the round closes."""
    threshold = state.settings.min_group_size
    with read_session(state.engine) as db:
        db_round, trust = rounds.get_round_with_trust(db, staff=staff, round_id=round_id)
        cells = coverage_by_cell(db, round_id=round_id, framework=state.framework, threshold=threshold)
    page = CoveragePage(
        round=db_round,
        trust=trust,
        cells=cells,
        short=cells_short(cells),
        threshold=threshold,
    )
    return render_page(request, "plans/coverage.html", page)


# --- helpers -----------------------------------------------------------------------------------------------


def _targets_page(
    request: Request,
    state: AppState,
    staff: Staff,
    round_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The targets and support needs, with the forms as `form` and `errors` say (as stored when absent)."""
    thresholds = Thresholds.of(state.settings)
    with read_session(state.engine) as db:
        db_round, trust = rounds.get_round_with_trust(db, staff=staff, round_id=round_id)
        scores = _published_scores(db, round_id, state.framework, thresholds.min_group_size)
        levels = targets.by_key(targets.targets_of(db, round_id=round_id))
        needs = list(support_needs.support_needs_of(db, round_id=round_id))
    stored = {
        f"target-{arc}": f"{levels[(arc, None)]:g}"
        for arc in state.framework.arc_keys
        if (arc, None) in levels
    }
    page = TargetsPage(
        round=db_round,
        trust=trust,
        scores=scores,
        targets=levels,
        needs=needs,
        form=form or stored,
        errors=errors or {},
        can_plan=can(staff, db_round.trust_id, LEADS),
        thresholds=thresholds,
        saved=request.query_params.get("saved") == "1",
    )
    return render_page(request, "plans/targets.html", page, status=status)


def _published_scores(db: Session, round_id: int, framework: Framework, k: int) -> Scores | None:
    """The round's published scores; None before its first publication (targets can be set before)."""
    try:
        return published_round(db, round_id=round_id, framework=framework, min_group_size=k).scores
    except NotPublished:
        return None


def _target_form(submitted: FormData, framework: Framework) -> dict[str, str]:
    return {f"target-{arc}": str(submitted.get(f"target-{arc}", "")).strip() for arc in framework.arc_keys}


def _target_levels(
    form: dict[str, str], framework: Framework
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each arc's target level as the form gives it (None: blank), and what is wrong, by field."""
    levels: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for arc in framework.arc_keys:
        text = form[f"target-{arc}"]
        try:
            levels[arc] = TargetIn(arc=arc, level=float(text)).level if text else None
        except (ValueError, ValidationError):
            title = framework.arc(arc).short_title
            errors[f"target-{arc}"] = f"The target for {title} must be a number from 1 to 5, such as 3.5."
    return levels, errors


def _set_target(
    db: Session,
    staff: Staff,
    db_round: Round,
    current: Target | None,
    arc: str,
    level: float | None,
    framework: Framework,
) -> None:
    """Make the arc's whole-arc target `level` (None: no target), writing only what changes."""
    if level is None and current is not None and current.id is not None:
        targets.clear_target(db, actor=staff, db_round=db_round, target_id=current.id)
    elif level is not None and (current is None or current.level != level):
        target_in = TargetIn(arc=arc, level=level)
        targets.set_target(db, actor=staff, db_round=db_round, target_in=target_in, framework=framework)
