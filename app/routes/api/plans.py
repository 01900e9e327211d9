"""Targets, the action plan, support needs and coverage as JSON: from scores to what the trust will do next.

Leads set targets, keep the plan and record support needs; every member of the trust reads them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from app.choices import ActionStatus
from app.db.engine import read_session, write_session
from app.permissions import ANY_MEMBER, LEADS
from app.schemas.plans import (
    ActionIn,
    ActionPublic,
    CoverageCellOut,
    CoverageOut,
    PlannedSessionOut,
    SupportNeedIn,
    SupportNeedPublic,
    TargetIn,
    TargetPublic,
)
from app.services.disclosure.coverage import coverage_by_cell
from app.store import actions, rounds, support_needs, targets, trusts
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import ActionId, RoundId, SupportNeedId, TargetId, TrustId, known_query
from app.web.state import State

router = APIRouter(prefix="/api", tags=["plans"])
_READ = error_responses(401, 403, 404)


@router.post(
    "/rounds/{round_id}/targets",
    status_code=201,
    response_model=TargetPublic,
    responses={**_READ, 200: {"model": TargetPublic, "description": "An existing target was replaced"}},
)
def set_target(round_id: RoundId, target_in: TargetIn, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: the level (1 to 5) an arc should reach, as a whole or from one viewpoint.
    Setting it again replaces it (200); a new target answers 201."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        target, created = targets.set_target(
            db, actor=staff, db_round=db_round, target_in=target_in, framework=state.framework
        )
        body = targets.public(target).model_dump()
    return JSONResponse(body, status_code=201 if created else 200)


@router.get("/rounds/{round_id}/targets", response_model=list[TargetPublic], responses=_READ)
def list_targets(round_id: RoundId, staff: StaffUser, state: State) -> list[TargetPublic]:
    """Members of the round's trust: the round's targets."""
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        return [targets.public(t) for t in targets.targets_of(db, round_id=round_id)]


@router.delete("/rounds/{round_id}/targets/{target_id}", status_code=204, responses=_READ)
def clear_target(round_id: RoundId, target_id: TargetId, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: remove a target."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        targets.clear_target(db, actor=staff, db_round=db_round, target_id=target_id)
    return Response(status_code=204)


@router.post("/trusts/{trust_id}/actions", status_code=201, response_model=ActionPublic, responses=_READ)
def add_action(trust_id: TrustId, action_in: ActionIn, staff: StaffUser, state: State) -> ActionPublic:
    """Leads of the trust: add an action to the plan (at its end)."""
    with write_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
        action = actions.add_action(
            db, actor=staff, trust_id=trust_id, action_in=action_in, framework=state.framework
        )
        return actions.public(action)


@router.get(
    "/trusts/{trust_id}/actions",
    response_model=list[ActionPublic],
    responses=_READ,
    dependencies=[Depends(known_query("arc", "status"))],
)
def list_actions(
    trust_id: TrustId,
    staff: StaffUser,
    state: State,
    arc: Annotated[str | None, Query(max_length=40, description="Only actions on this arc")] = None,
    status: Annotated[ActionStatus | None, Query(description="Only actions with this status")] = None,
) -> list[ActionPublic]:
    """Members of the trust: the action plan in its order, filtered by arc and status when asked."""
    with read_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        return [actions.public(a) for a in actions.actions_of(db, trust_id=trust_id, arc=arc, status=status)]


@router.put("/trusts/{trust_id}/actions/{action_id}", response_model=ActionPublic, responses=_READ)
def edit_action(
    trust_id: TrustId, action_id: ActionId, action_in: ActionIn, staff: StaffUser, state: State
) -> ActionPublic:
    """Leads of the trust: replace an action's details."""
    with write_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
        action = actions.get_action(db, trust_id=trust_id, action_id=action_id)
        actions.update_action(db, actor=staff, action=action, action_in=action_in, framework=state.framework)
        return actions.public(action)


@router.delete("/trusts/{trust_id}/actions/{action_id}", status_code=204, responses=_READ)
def delete_action(trust_id: TrustId, action_id: ActionId, staff: StaffUser, state: State) -> Response:
    """Leads of the trust: remove an action from the plan."""
    with write_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
        action = actions.get_action(db, trust_id=trust_id, action_id=action_id)
        actions.delete_action(db, actor=staff, action=action)
    return Response(status_code=204)


@router.post(
    "/rounds/{round_id}/support-needs", status_code=201, response_model=SupportNeedPublic, responses=_READ
)
def add_support_need(
    round_id: RoundId, need_in: SupportNeedIn, staff: StaffUser, state: State
) -> SupportNeedPublic:
    """Leads of the round's trust: help the trust needs on an arc."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        need = support_needs.add_support_need(
            db, actor=staff, db_round=db_round, need_in=need_in, framework=state.framework
        )
        return support_needs.public(need)


@router.get("/rounds/{round_id}/support-needs", response_model=list[SupportNeedPublic], responses=_READ)
def list_support_needs(round_id: RoundId, staff: StaffUser, state: State) -> list[SupportNeedPublic]:
    """Members of the round's trust: the support needs recorded for the round."""
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        return [support_needs.public(n) for n in support_needs.support_needs_of(db, round_id=round_id)]


@router.delete("/rounds/{round_id}/support-needs/{need_id}", status_code=204, responses=_READ)
def remove_support_need(
    round_id: RoundId, need_id: SupportNeedId, staff: StaffUser, state: State
) -> Response:
    """Leads of the round's trust: remove a support need."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        support_needs.remove_support_need(db, actor=staff, db_round=db_round, need_id=need_id)
    return Response(status_code=204)


@router.get("/rounds/{round_id}/coverage", response_model=CoverageOut, responses=_READ)
def coverage(round_id: RoundId, staff: StaffUser, state: State) -> CoverageOut:
    """Members of the round's trust: for each arc x viewpoint, how many people have rated it so far (below the
    threshold only "fewer_than"), the threshold for showing figures, whether that is enough, and the sessions
    not yet closed that ask it."""
    threshold = state.settings.min_group_size
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        cells = coverage_by_cell(db, round_id=round_id, framework=state.framework, threshold=threshold)
    return CoverageOut(
        round_id=round_id,
        threshold=threshold,
        cells=[
            CoverageCellOut(
                arc=c.arc,
                viewpoint=c.viewpoint,
                respondents=c.respondents,
                fewer_than=c.fewer_than,
                threshold=c.threshold,
                enough=c.enough,
                still_needed=None if c.respondents is None else max(0, c.threshold - c.respondents),
                sessions=[PlannedSessionOut(**s.__dict__) for s in c.sessions],
            )
            for c in cells.values()
        ],
    )
