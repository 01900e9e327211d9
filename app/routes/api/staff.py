"""The staff JSON API: trusts, users and memberships (site administrators), rounds (trust staff).

Who may call each route is stated in its docstring and enforced by its dependencies and `check_trust_access`;
tests/app/test_route_policy.py holds every route to a policy table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.choices import Role
from app.db.engine import read_session, write_session
from app.permissions import ANY_MEMBER, LEADS
from app.schemas.staff import (
    MembershipPublic,
    MembershipSet,
    MePublic,
    RoundCreate,
    RoundPublic,
    TrustCreate,
    TrustPublic,
    UserCreate,
    UserPublic,
)
from app.store import rounds, trusts, users
from app.web.auth import AdminUser, StaffUser
from app.web.openapi import error_responses
from app.web.params import RoundId, TrustId, UserId
from app.web.state import State

router = APIRouter(prefix="/api", tags=["staff"])

_AUTH_ERRORS = error_responses(401, 403, 404)
_CREATE_ERRORS = error_responses(401, 403, 404, 409)
_Public = TypeVar("_Public", bound=BaseModel)


@router.get("/me", response_model=MePublic, responses=_AUTH_ERRORS)
def who_am_i(staff: StaffUser) -> MePublic:
    """Any signed-in staff member: who they are and their role in each trust."""
    return MePublic(
        id=staff.user_id,
        email=staff.email,
        is_admin=staff.is_admin,
        memberships=[
            MembershipPublic(user_id=staff.user_id, trust_id=t, role=r) for t, r in staff.roles.items()
        ],
    )


@router.post("/trusts", status_code=201, response_model=TrustPublic, responses=_CREATE_ERRORS)
def create_trust(trust_in: TrustCreate, staff: AdminUser, state: State) -> TrustPublic:
    """Site administrators: create a trust."""
    with write_session(state.engine) as db:
        trust = trusts.create_trust(db, actor=staff, trust_in=trust_in)
        return TrustPublic.model_validate(trust, from_attributes=True)


@router.get("/trusts", response_model=list[TrustPublic], responses=_AUTH_ERRORS)
def list_trusts(staff: StaffUser, state: State) -> list[TrustPublic]:
    """Any staff: the trusts they belong to (site administrators: every trust)."""
    with read_session(state.engine) as db:
        return _public(TrustPublic, trusts.visible_trusts(db, staff=staff))


@router.get("/trusts/{trust_id}", response_model=TrustPublic, responses=_AUTH_ERRORS)
def get_trust(trust_id: TrustId, staff: StaffUser, state: State) -> TrustPublic:
    """Members of the trust."""
    with read_session(state.engine) as db:
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        return TrustPublic.model_validate(trust, from_attributes=True)


@router.post("/users", status_code=201, response_model=UserPublic, responses=_CREATE_ERRORS)
def create_user(user_in: UserCreate, staff: AdminUser, state: State) -> UserPublic:
    """Site administrators: create a staff account."""
    with write_session(state.engine) as db:
        user = users.create_user(db, actor=staff, user_in=user_in)
        return UserPublic.model_validate(user, from_attributes=True)


@router.put("/trusts/{trust_id}/members/{user_id}", response_model=MembershipPublic, responses=_AUTH_ERRORS)
def set_member(
    trust_id: TrustId, user_id: UserId, membership_in: MembershipSet, staff: AdminUser, state: State
) -> MembershipPublic:
    """Site administrators: give a user a role in a trust, or change it."""
    with write_session(state.engine) as db:
        membership = users.set_membership(
            db, actor=staff, user_id=user_id, trust_id=trust_id, role=membership_in.role
        )
        return MembershipPublic(
            user_id=membership.user_id, trust_id=membership.trust_id, role=Role(membership.role)
        )


@router.delete("/trusts/{trust_id}/members/{user_id}", status_code=204, responses=_AUTH_ERRORS)
def remove_member(trust_id: TrustId, user_id: UserId, staff: AdminUser, state: State) -> Response:
    """Site administrators: take a user out of a trust."""
    with write_session(state.engine) as db:
        users.remove_membership(db, actor=staff, user_id=user_id, trust_id=trust_id)
    return Response(status_code=204)


@router.post(
    "/trusts/{trust_id}/rounds", status_code=201, response_model=RoundPublic, responses=_CREATE_ERRORS
)
def create_round(trust_id: TrustId, round_in: RoundCreate, staff: StaffUser, state: State) -> RoundPublic:
    """Leads of the trust: start a round, pinned to the framework version in use now."""
    with write_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
        db_round = rounds.create_round(
            db, actor=staff, trust_id=trust_id, round_in=round_in, framework_version=state.framework.version
        )
        return RoundPublic.model_validate(db_round, from_attributes=True)


@router.get("/trusts/{trust_id}/rounds", response_model=list[RoundPublic], responses=_AUTH_ERRORS)
def list_rounds(trust_id: TrustId, staff: StaffUser, state: State) -> list[RoundPublic]:
    """Members of the trust: its rounds, newest first."""
    with read_session(state.engine) as db:
        trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        return _public(RoundPublic, rounds.rounds_of(db, trust_id=trust_id))


@router.get("/rounds/{round_id}", response_model=RoundPublic, responses=_AUTH_ERRORS)
def get_round(round_id: RoundId, staff: StaffUser, state: State) -> RoundPublic:
    """Members of the round's trust."""
    with read_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        return RoundPublic.model_validate(db_round, from_attributes=True)


@router.delete("/rounds/{round_id}", status_code=204, responses=_AUTH_ERRORS)
def delete_round(round_id: RoundId, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: delete the round and everything recorded under it."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        rounds.delete_round(db, actor=staff, db_round=db_round)
    return Response(status_code=204)


def _public(model: type[_Public], rows: Iterable[object]) -> list[_Public]:
    """Each stored row as the API shows it."""
    return [model.model_validate(row, from_attributes=True) for row in rows]
