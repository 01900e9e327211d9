"""Pages for what a trust will do next: its action plan (here), and a round's targets, support needs and
coverage (`app.routes.pages.targets`, whose routes this module's router includes). Leads change them; every
member of the trust reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, field_validator
from sqlmodel import Session

from app.choices import ActionStatus
from app.db.engine import read_session, write_session
from app.db.tables import Action, Round, Trust
from app.errors import Invalid
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can
from app.routes.pages import targets
from app.routes.pages.trust import TrustLead
from app.schemas.plans import ActionIn
from app.services.disclosure.published import published_round
from app.services.insights import arcs_needing_action
from app.store import actions, disclosures, rounds, trusts
from app.store import targets as target_store
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
from app.web.params import ActionId, TrustId
from app.web.state import AppState, State

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
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
ACTION_FORMATS = {"title": "must not be blank"}
ACTION_MESSAGES = {"arcs": "Choose at least one arc the action works on."}
TEXT_FIELDS = ("title", "outcomes", "timescale", "due", "lead_officer", "resources", "status")
Filter = Annotated[str | None, Query(max_length=40)]


class ActionForm(ActionIn):
    """The form adding or changing an action: the API's model, with a blank optional field left out."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("outcomes", "timescale", "due", "lead_officer", "resources", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


@dataclass(frozen=True)
class PlanFilters:
    arc: str  # "" for every arc
    status: str  # "" for any status
    sort: str


@dataclass(frozen=True)
class ActionPlanPage:
    trust: Trust
    actions: list[Action]  # those the filters show
    total: int  # actions in the whole plan
    latest: Round | None  # the trust's latest round, whose scores flag arcs needing an action
    needing_action: list[str]
    filters: PlanFilters
    can_plan: bool
    form: dict[str, Any]  # the add-an-action form as typed
    errors: dict[str, str]
    added: bool


@dataclass(frozen=True)
class ActionEditPage:
    trust: Trust
    action: Action
    form: dict[str, Any]
    errors: dict[str, str]


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
    filters = PlanFilters(arc=arc or "", status=status or "", sort=sort)
    return _plan_page(request, state, staff, trust_id, filters)


def _show_add_form(request: Request, invalid: InvalidForm) -> Response:
    errors = invalid.errors(ACTION_NOUNS, ACTION_FORMATS, ACTION_MESSAGES)
    state, staff = app_state(request), signed_in(request)
    trust_id = path_id(request, "trust_id")
    return _plan_page(request, state, staff, trust_id, form=_typed(invalid), errors=errors, status=422)


@router.post("/{trust_id}/actions", response_class=HTMLResponse, name="plans.add_action")
@shows_form_again(_show_add_form)
def add_action(
    trust_id: TrustId,
    request: Request,
    staff: TrustLead,
    state: State,
    action_in: Annotated[ActionForm, Form()],
) -> Response:
    """Leads of the trust: add an action at the end of the plan."""
    try:
        with write_session(state.engine) as db:
            trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
            actions.add_action(
                db, actor=staff, trust_id=trust_id, action_in=action_in, framework=state.framework
            )
    except Invalid as error:
        form, errors = _form_of(action_in), refused_fields(error)
        return _plan_page(request, state, staff, trust_id, form=form, errors=errors, status=422)
    return redirect_to(request, "plans.action_plan", trust_id=trust_id, query={"added": 1}, fragment="plan")


@router.get(
    "/{trust_id}/actions/{action_id}/edit", response_class=HTMLResponse, name="plans.edit_action_page"
)
def edit_action_page(
    trust_id: TrustId, action_id: ActionId, request: Request, staff: StaffUser, state: State
) -> Response:
    """Leads of the trust: change an action."""
    return _edit_page(request, state, staff, trust_id, action_id)


def _show_edit_form(request: Request, invalid: InvalidForm) -> Response:
    trust_id, action_id = path_id(request, "trust_id"), path_id(request, "action_id")
    errors = invalid.errors(ACTION_NOUNS, ACTION_FORMATS, ACTION_MESSAGES)
    state, staff = app_state(request), signed_in(request)
    return _edit_page(request, state, staff, trust_id, action_id, _typed(invalid), errors)


@router.post("/{trust_id}/actions/{action_id}/edit", response_class=HTMLResponse, name="plans.edit_action")
@shows_form_again(_show_edit_form)
def edit_action(
    trust_id: TrustId,
    action_id: ActionId,
    request: Request,
    staff: TrustLead,
    state: State,
    action_in: Annotated[ActionForm, Form()],
) -> Response:
    """Leads of the trust: save the changed action."""
    try:
        with write_session(state.engine) as db:
            action = _editable(db, staff, trust_id, action_id)
            actions.update_action(
                db, actor=staff, action=action, action_in=action_in, framework=state.framework
            )
    except Invalid as error:
        form, errors = _form_of(action_in), refused_fields(error)
        return _edit_page(request, state, staff, trust_id, action_id, form, errors)
    return redirect_to(request, "plans.action_plan", trust_id=trust_id, fragment=f"action-{action_id}")


@router.post(
    "/{trust_id}/actions/{action_id}/delete", response_class=HTMLResponse, name="plans.delete_action"
)
def delete_action(
    trust_id: TrustId, action_id: ActionId, request: Request, staff: StaffUser, state: State
) -> Response:
    """Leads of the trust: remove an action from the plan."""
    with write_session(state.engine) as db:
        actions.delete_action(db, actor=staff, action=_editable(db, staff, trust_id, action_id))
    return redirect_to(request, "plans.action_plan", trust_id=trust_id, fragment="plan")


@router.post("/{trust_id}/actions/{action_id}/move", response_class=HTMLResponse, name="plans.move_action")
def move_action(
    trust_id: TrustId,
    action_id: ActionId,
    request: Request,
    staff: StaffUser,
    state: State,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
) -> Response:
    """Leads of the trust: move an action up or down the plan."""
    with write_session(state.engine) as db:
        action = _editable(db, staff, trust_id, action_id)
        actions.move_action(db, action=action, by=-1 if direction == "up" else 1)
    return redirect_to(request, "plans.action_plan", trust_id=trust_id, fragment=f"action-{action_id}")


# The routes of a round's targets, support needs and coverage, under the same /trust prefix.
router.include_router(targets.router)


# --- helpers -----------------------------------------------------------------------------------------------


def _plan_page(
    request: Request,
    state: AppState,
    staff: Staff,
    trust_id: int,
    filters: PlanFilters | None = None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The action plan (all of it, or as `filters` choose), with the add-an-action form as `form` and
    `errors` say (empty, for a chosen arc, when absent)."""
    filters = filters or PlanFilters(arc="", status="", sort="plan")
    if filters.arc and filters.arc not in state.framework.arc_keys:
        raise Invalid("arc", f"'{filters.arc}' is not an arc; choose one from the list")
    chosen_status = ActionStatus(filters.status) if filters.status in set(ActionStatus) else None
    with read_session(state.engine) as db:
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        shown = actions.actions_of(
            db, trust_id=trust_id, arc=filters.arc or None, status=chosen_status, sort=filters.sort
        )
        every = actions.actions_of(db, trust_id=trust_id)
        latest = rounds.latest_round(_published(db, rounds.rounds_of(db, trust_id=trust_id)))
        needing = _arcs_needing_action(db, state, latest, every)
    page = ActionPlanPage(
        trust=trust,
        actions=shown,
        total=len(every),
        latest=latest,
        needing_action=needing,
        filters=filters,
        can_plan=can(staff, trust_id, LEADS),
        form=form or _empty_form(filters.arc),
        errors=errors or {},
        added=request.query_params.get("added") == "1",
    )
    return render_page(request, "plans/actions.html", page, status=status)


def _published(db: Session, trust_rounds: Sequence[Round]) -> list[Round]:
    """The rounds that have been published: only their scores can flag arcs."""
    published = disclosures.published_ids(db, round_ids=[r.id for r in trust_rounds if r.id is not None])
    return [r for r in trust_rounds if r.id in published]


def _arcs_needing_action(db: Session, state: AppState, latest: Round | None, plan: list[Action]) -> list[str]:
    if latest is None or latest.id is None:
        return []
    scores = published_round(
        db, round_id=latest.id, framework=state.framework, min_group_size=state.settings.min_group_size
    ).scores
    return arcs_needing_action(
        scores,
        targets=target_store.by_key(target_store.targets_of(db, round_id=latest.id)),
        arcs_with_actions=set(actions.actions_by_arc(plan)),
        framework=state.framework,
    )


def _edit_page(
    request: Request,
    state: AppState,
    staff: Staff,
    trust_id: int,
    action_id: int,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The form changing an action: as stored, or (with `errors`, status 422) as typed."""
    with read_session(state.engine) as db:
        action = _editable(db, staff, trust_id, action_id)
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
    page = ActionEditPage(trust=trust, action=action, form=form or _stored(action), errors=errors or {})
    return render_page(request, "plans/action_edit.html", page, status=422 if errors else 200)


def _editable(db: Session, staff: Staff, trust_id: int, action_id: int) -> Action:
    trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
    return actions.get_action(db, trust_id=trust_id, action_id=action_id)


def _empty_form(arc: str) -> dict[str, Any]:
    return {**dict.fromkeys(TEXT_FIELDS, ""), "arcs": [arc] if arc else [], "status": "not_started"}


def _typed(invalid: InvalidForm) -> dict[str, Any]:
    """The action form as typed, to show it again."""
    return {
        **{name: invalid.text(name).strip() for name in TEXT_FIELDS},
        "arcs": invalid.texts("arcs"),
    }


def _form_of(action_in: ActionIn) -> dict[str, Any]:
    """The action form holding `action_in`, to show it again."""
    form: dict[str, Any] = {name: getattr(action_in, name) or "" for name in TEXT_FIELDS}
    form["due"] = action_in.due.isoformat() if action_in.due else ""
    form["status"] = str(action_in.status)
    form["arcs"] = list(action_in.arcs)
    return form


def _stored(action: Action) -> dict[str, Any]:
    """The action form holding the stored `action`."""
    form: dict[str, Any] = {name: getattr(action, name) or "" for name in TEXT_FIELDS}
    form["due"] = action.due.isoformat() if action.due else ""
    form["status"] = str(action.status)
    form["arcs"] = action.arc_keys
    return form
