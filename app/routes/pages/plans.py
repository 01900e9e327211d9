"""Pages for what a trust will do next: its action plan, a round's targets and support needs, and the coverage
of each arc and viewpoint still to be heard. Leads change them; every member of the trust reads them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.choices import ActionStatus
from app.db.engine import read_session, write_session
from app.db.tables import Action
from app.errors import AppError, Invalid
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can
from app.schemas.plans import ActionIn, SupportNeedIn, TargetIn
from app.services.insights import arcs_needing_action
from app.store import actions, rounds, support_needs, targets, trusts
from app.store.actions import SORTS
from app.store.round_detail import cell_coverage
from app.store.scores import Thresholds, round_scores
from app.web.auth import StaffUser
from app.web.pages import PageRoute, field_errors, render
from app.web.params import ActionId, RoundId, SupportNeedId, TrustId
from app.web.state import AppState, get_state

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
State = Annotated[AppState, Depends(get_state)]
ACTION_NOUNS = {
    "title": "the action",
    "arcs": "the arcs it works on",
    "outcomes": "the outcomes",
    "timescale": "the timescale",
    "due": "the due date",
    "lead_officer": "the lead officer",
    "resources": "the resources",
    "status": "the status",
}
TEXT_FIELDS = ("title", "outcomes", "timescale", "due", "lead_officer", "resources", "status")


# --- the action plan --------------------------------------------------------------------------------------


def _plan_page(
    request: Request,
    state: AppState,
    staff: Staff,
    trust_id: int,
    *,
    arc: str | None,
    status: str | None,
    sort: str,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if arc is not None and arc not in state.framework.arc_keys:
        raise Invalid("arc", f"'{arc}' is not an arc; choose one from the list")
    chosen_status = ActionStatus(status) if status in set(ActionStatus) else None
    with read_session(state.engine) as db:
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        shown = actions.actions_of(db, trust_id=trust_id, arc=arc, status=chosen_status, sort=sort)
        every = actions.actions_of(db, trust_id=trust_id)
        latest = rounds.latest_round(rounds.rounds_of(db, trust_id=trust_id))
        needing: list[str] = []
        if latest is not None and latest.id is not None:
            scores = round_scores(
                db, round_id=latest.id, framework=state.framework, thresholds=Thresholds.of(state.settings)
            )
            needing = arcs_needing_action(
                scores,
                targets=targets.by_key(targets.targets_of(db, round_id=latest.id)),
                arcs_with_actions=set(actions.actions_by_arc(every)),
                framework=state.framework,
            )
    return render(
        request,
        "plans/actions.html",
        status=status_code,
        trust=trust,
        actions=shown,
        total=len(every),
        latest=latest,
        needing_action=needing,
        filters={"arc": arc or "", "status": status or "", "sort": sort},
        sorts=SORTS,
        can_plan=can(staff, trust_id, LEADS),
        form=form
        or {**dict.fromkeys(TEXT_FIELDS, ""), "arcs": [arc] if arc else [], "status": "not_started"},
        errors=errors or {},
        added=request.query_params.get("added") == "1",
    )


Filter = Annotated[str | None, Query(max_length=40)]


@router.get("/{trust_id}/actions", response_class=HTMLResponse, name="plans.action_plan")
def action_plan(
    trust_id: TrustId,
    request: Request,
    staff: StaffUser,
    state: State,
    arc: Filter = None,
    status: Filter = None,
    sort: Annotated[str, Query(pattern="^(plan|due|status)$")] = "plan",
) -> Response:
    """Members of the trust: the action plan, filtered by arc and status; leads add to it here."""
    return _plan_page(request, state, staff, trust_id, arc=arc or None, status=status or None, sort=sort)


async def _action_form(request: Request) -> dict[str, Any]:
    submitted = await request.form()
    form: dict[str, Any] = {name: str(submitted.get(name, "")).strip() for name in TEXT_FIELDS}
    form["arcs"] = [str(value) for value in submitted.getlist("arcs")]
    return form


def _action_in(form: dict[str, Any]) -> ActionIn:
    data = {name: value for name, value in form.items() if value not in ("", [])}
    data.setdefault("arcs", [])
    return ActionIn.model_validate(data)


def _errors_of(error: Exception, form: dict[str, Any]) -> dict[str, str]:
    if isinstance(error, ValidationError):
        errors = field_errors(error, ACTION_NOUNS, {"title": "must not be blank"})
    else:
        assert isinstance(error, Invalid)
        errors = {field.split("[")[0]: message for field, message in error.problems}
    if not form["arcs"]:
        errors["arcs"] = "Choose at least one arc the action works on."
    return errors


@router.post("/{trust_id}/actions", response_class=HTMLResponse, name="plans.add_action")
async def add_action(trust_id: TrustId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the trust: add an action at the end of the plan."""
    form = await _action_form(request)
    try:
        action_in = _action_in(form)
        with write_session(state.engine) as db:
            trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
            actions.add_action(
                db, actor=staff, trust_id=trust_id, action_in=action_in, framework=state.framework
            )
    except (ValidationError, Invalid) as error:
        return _plan_page(
            request, state, staff, trust_id, arc=None, status=None, sort="plan",
            form=form, errors=_errors_of(error, form), status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/trust/{trust_id}/actions?added=1#plan", status_code=303)


def _editable(db: Session, staff: Staff, trust_id: int, action_id: int) -> Action:
    trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
    return actions.get_action(db, trust_id=trust_id, action_id=action_id)


@router.get(
    "/{trust_id}/actions/{action_id}/edit", response_class=HTMLResponse, name="plans.edit_action_page"
)
def edit_action_page(
    trust_id: TrustId, action_id: ActionId, request: Request, staff: StaffUser, state: State
) -> Response:
    """Leads of the trust: change an action."""
    with read_session(state.engine) as db:
        action = _editable(db, staff, trust_id, action_id)
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
    form = {name: getattr(action, name) or "" for name in TEXT_FIELDS}
    form["due"] = action.due.isoformat() if action.due else ""
    form["status"] = str(action.status)
    form["arcs"] = action.arc_keys
    return render(request, "plans/action_edit.html", trust=trust, action=action, form=form, errors={})


@router.post("/{trust_id}/actions/{action_id}/edit", response_class=HTMLResponse, name="plans.edit_action")
async def edit_action(
    trust_id: TrustId, action_id: ActionId, request: Request, staff: StaffUser, state: State
) -> Response:
    """Leads of the trust: save the changed action."""
    form = await _action_form(request)
    try:
        action_in = _action_in(form)
        with write_session(state.engine) as db:
            action = _editable(db, staff, trust_id, action_id)
            actions.update_action(
                db, actor=staff, action=action, action_in=action_in, framework=state.framework
            )
    except (ValidationError, Invalid) as error:
        with read_session(state.engine) as db:
            action = _editable(db, staff, trust_id, action_id)
            trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
        return render(
            request, "plans/action_edit.html", status=422, trust=trust, action=action, form=form,
            errors=_errors_of(error, form),
        )  # fmt: skip
    return RedirectResponse(f"/trust/{trust_id}/actions#action-{action_id}", status_code=303)


@router.post(
    "/{trust_id}/actions/{action_id}/delete", response_class=HTMLResponse, name="plans.delete_action"
)
def delete_action(trust_id: TrustId, action_id: ActionId, staff: StaffUser, state: State) -> Response:
    """Leads of the trust: remove an action from the plan."""
    with write_session(state.engine) as db:
        actions.delete_action(db, actor=staff, action=_editable(db, staff, trust_id, action_id))
    return RedirectResponse(f"/trust/{trust_id}/actions#plan", status_code=303)


@router.post("/{trust_id}/actions/{action_id}/move", response_class=HTMLResponse, name="plans.move_action")
def move_action(
    trust_id: TrustId,
    action_id: ActionId,
    staff: StaffUser,
    state: State,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
) -> Response:
    """Leads of the trust: move an action up or down the plan."""
    with write_session(state.engine) as db:
        action = _editable(db, staff, trust_id, action_id)
        actions.move_action(db, action=action, by=-1 if direction == "up" else 1)
    return RedirectResponse(f"/trust/{trust_id}/actions#action-{action_id}", status_code=303)


# --- a round's targets and support needs ------------------------------------------------------------------


def _targets_page(
    request: Request,
    state: AppState,
    staff: Staff,
    round_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=db_round.trust_id, roles=ANY_MEMBER)
        scores = round_scores(
            db, round_id=round_id, framework=state.framework, thresholds=Thresholds.of(state.settings)
        )
        levels = targets.by_key(targets.targets_of(db, round_id=round_id))
        needs = support_needs.support_needs_of(db, round_id=round_id)
    shown = form or {
        f"target-{arc}": f"{levels[(arc, None)]:g}"
        for arc in state.framework.arc_keys
        if (arc, None) in levels
    }
    return render(
        request,
        "plans/targets.html",
        status=status_code,
        round=db_round,
        trust=trust,
        scores=scores,
        targets=levels,
        needs=needs,
        form=shown,
        errors=errors or {},
        can_plan=can(staff, db_round.trust_id, LEADS),
        thresholds=Thresholds.of(state.settings),
    )


@router.get("/rounds/{round_id}/targets", response_class=HTMLResponse, name="plans.targets_page")
def targets_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: each arc's score and target, and the support the trust needs."""
    return _targets_page(request, state, staff, round_id)


@router.post("/rounds/{round_id}/targets", response_class=HTMLResponse, name="plans.set_targets")
async def set_targets(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: set each arc's target (a blank clears it). All or nothing."""
    submitted = await request.form()
    form = {
        f"target-{arc}": str(submitted.get(f"target-{arc}", "")).strip() for arc in state.framework.arc_keys
    }
    errors: dict[str, str] = {}
    levels: dict[str, float | None] = {}
    for arc in state.framework.arc_keys:
        text = form[f"target-{arc}"]
        if not text:
            levels[arc] = None
            continue
        try:
            levels[arc] = TargetIn(arc=arc, level=float(text)).level
        except (ValueError, ValidationError):
            title = state.framework.arc(arc).short_title
            errors[f"target-{arc}"] = f"The target for {title} must be a number from 1 to 5, such as 3.5."
    if errors:
        return _targets_page(request, state, staff, round_id, form=form, errors=errors, status_code=422)
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        current = {t.arc: t for t in targets.targets_of(db, round_id=round_id) if t.viewpoint == "all"}
        for arc, level in levels.items():
            if level is None and arc in current and current[arc].id is not None:
                targets.clear_target(db, actor=staff, db_round=db_round, target_id=current[arc].id)
            elif level is not None and (arc not in current or current[arc].level != level):
                targets.set_target(
                    db, actor=staff, db_round=db_round, target_in=TargetIn(arc=arc, level=level),
                    framework=state.framework,
                )  # fmt: skip
    return RedirectResponse(f"/trust/rounds/{round_id}/targets?saved=1", status_code=303)


@router.post("/rounds/{round_id}/support-needs", response_class=HTMLResponse, name="plans.add_support_need")
async def add_support_need(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: record help the trust needs on an arc."""
    submitted = await request.form()
    data = {name: str(submitted.get(name, "")).strip() for name in ("arc", "kind", "description")}
    try:
        need_in = SupportNeedIn.model_validate(data)
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
            support_needs.add_support_need(
                db, actor=staff, db_round=db_round, need_in=need_in, framework=state.framework
            )
    except (ValidationError, AppError) as error:
        if isinstance(error, AppError) and error.status != 422:
            raise
        nouns = {"arc": "the arc", "kind": "the kind of support", "description": "what help is needed"}
        errors = (
            field_errors(error, nouns) if isinstance(error, ValidationError) else dict(error.problems)  # type: ignore[attr-defined]
        )
        errors = {f"need-{name}": message for name, message in errors.items()}
        form = {f"need-{name}": value for name, value in data.items()}
        return _targets_page(request, state, staff, round_id, form=form, errors=errors, status_code=422)
    return RedirectResponse(f"/trust/rounds/{round_id}/targets#support", status_code=303)


@router.post(
    "/rounds/{round_id}/support-needs/{need_id}/delete",
    response_class=HTMLResponse,
    name="plans.remove_support_need",
)
def remove_support_need(
    round_id: RoundId, need_id: SupportNeedId, staff: StaffUser, state: State
) -> Response:
    """Leads of the round's trust: remove a support need."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        support_needs.remove_support_need(db, actor=staff, db_round=db_round, need_id=need_id)
    return RedirectResponse(f"/trust/rounds/{round_id}/targets#support", status_code=303)


# --- coverage ---------------------------------------------------------------------------------------------


@router.get("/rounds/{round_id}/coverage", response_class=HTMLResponse, name="plans.coverage_page")
def coverage_page(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: for each arc and viewpoint, how many have answered against the
    threshold, and the focus groups still to run, to plan the groups needed before the round closes."""
    threshold = state.settings.min_group_size
    with read_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=db_round.trust_id, roles=ANY_MEMBER)
        cells = cell_coverage(
            db,
            round_id=round_id,
            arcs=state.framework.arc_keys,
            viewpoints=state.framework.viewpoint_keys,
            threshold=threshold,
        )
    return render(
        request,
        "plans/coverage.html",
        round=db_round,
        trust=trust,
        cells={(c.arc, c.viewpoint): c for c in cells},
        short=sum(1 for c in cells if not c.enough),
        threshold=threshold,
    )
