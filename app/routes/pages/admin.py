"""Pages for site administrators: trusts, staff accounts, memberships and the audit log (all under /admin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, field_validator

from app.choices import Role
from app.db.engine import read_session, write_session
from app.db.tables import Membership, Trust, User
from app.errors import Conflict, Invalid
from app.schemas.staff import TrustCreate, UserCreate
from app.store import trusts, users
from app.web.auth import AdminUser
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    redirect_to,
    render_page,
    shows_form_again,
)
from app.web.params import TrustId, UserId
from app.web.state import AppState, get_state

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)
TRUST_FORM_NOUNS = {"name": "the name of the trust"}
USER_FORM_NOUNS = {"email": "the email address", "password": "the starting password"}
USER_FORM_FORMATS = {"email": "must look like name@example.org"}
State = Annotated[AppState, Depends(get_state)]


class TrustForm(TrustCreate):
    """The form adding a trust: the API's model, with the page's CSRF token besides."""

    model_config = ConfigDict(extra="ignore")


class UserForm(UserCreate):
    """The form adding an account: the API's model, read from a browser's form."""

    model_config = ConfigDict(extra="ignore")

    is_admin: bool = False  # a ticked box sends "true"; the API takes a JSON boolean only

    @field_validator("email", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        # Browsers trim email fields; so does this form, for people who paste with a space.
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class OverviewPage:
    trusts: list[Trust]
    users: list[User]
    trust_form: dict[str, str]  # the add-a-trust form as typed
    trust_errors: dict[str, str]
    user_form: dict[str, Any]  # the add-an-account form as typed
    user_errors: dict[str, str]
    added: str | None  # "trust" just after adding one


@dataclass(frozen=True)
class UserPage:
    user: User
    memberships: list[tuple[Membership, Trust]]
    trusts: list[Trust]  # those the user is not a member of
    is_self: bool
    roles: list[Role]
    error: str | None
    saved: bool


@router.get("", response_class=HTMLResponse, name="admin.overview")
def overview(request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: every trust and account, with forms to add them."""
    return _overview(request, state, added=request.query_params.get("added"))


def _show_trust_form(request: Request, invalid: InvalidForm) -> Response:
    form, errors = {"name": invalid.text("name")}, invalid.errors(TRUST_FORM_NOUNS)
    return _overview(request, app_state(request), trust_form=form, trust_errors=errors, status=422)


@router.post("/trusts", response_class=HTMLResponse, name="admin.create_trust")
@shows_form_again(_show_trust_form)
def create_trust(
    request: Request, staff: AdminUser, state: State, trust_in: Annotated[TrustForm, Form()]
) -> Response:
    """Site administrators: add a trust."""
    try:
        with write_session(state.engine) as db:
            trusts.create_trust(db, actor=staff, trust_in=trust_in)
    except Conflict as error:
        form = {"name": trust_in.name}
        return _overview(request, state, trust_form=form, trust_errors={"name": error.detail}, status=409)
    return redirect_to(request, "admin.overview", query={"added": "trust"})


def _show_user_form(request: Request, invalid: InvalidForm) -> Response:
    form = {"email": invalid.text("email"), "is_admin": bool(invalid.text("is_admin"))}
    errors = invalid.errors(USER_FORM_NOUNS, USER_FORM_FORMATS)
    return _overview(request, app_state(request), user_form=form, user_errors=errors, status=422)


@router.post("/users", response_class=HTMLResponse, name="admin.create_user")
@shows_form_again(_show_user_form)
def create_user(
    request: Request, staff: AdminUser, state: State, user_in: Annotated[UserForm, Form()]
) -> Response:
    """Site administrators: add a staff account."""
    try:
        with write_session(state.engine) as db:
            user = users.create_user(db, actor=staff, user_in=user_in)
            user_id = user.id
    except Conflict as error:
        form = {"email": user_in.email, "is_admin": user_in.is_admin}
        return _overview(request, state, user_form=form, user_errors={"email": error.detail}, status=409)
    assert user_id is not None
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"added": 1})


@router.get("/users/{user_id}", response_class=HTMLResponse, name="admin.user_page")
def user_page(user_id: UserId, request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: one account, its memberships, and enabling or disabling it."""
    return _user_page(request, state, user_id, staff_id=staff.user_id)


@router.post("/users/{user_id}/memberships", response_class=HTMLResponse, name="admin.set_membership")
def set_membership(
    user_id: UserId,
    request: Request,
    staff: AdminUser,
    state: State,
    trust_id: Annotated[int, Form()],
    role: Annotated[Role, Form()],
) -> Response:
    """Site administrators: give the user a role in a trust, or change it."""
    with write_session(state.engine) as db:
        users.set_membership(db, actor=staff, user_id=user_id, trust_id=trust_id, role=role)
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"saved": 1})


@router.post(
    "/users/{user_id}/memberships/{trust_id}/delete",
    response_class=HTMLResponse,
    name="admin.remove_membership",
)
def remove_membership(
    user_id: UserId, trust_id: TrustId, request: Request, staff: AdminUser, state: State
) -> Response:
    """Site administrators: take the user out of a trust."""
    with write_session(state.engine) as db:
        users.remove_membership(db, actor=staff, user_id=user_id, trust_id=trust_id)
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"saved": 1})


@router.post("/users/{user_id}/active", response_class=HTMLResponse, name="admin.set_active")
def set_active(
    user_id: UserId, request: Request, staff: AdminUser, state: State, active: Annotated[bool, Form()]
) -> Response:
    """Site administrators: enable or disable an account (disabling signs it out at once)."""
    try:
        with write_session(state.engine) as db:
            users.set_active(db, actor=staff, user_id=user_id, active=active)
    except Invalid as error:
        return _user_page(request, state, user_id, staff_id=staff.user_id, error=error.message, status=422)
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"saved": 1})


def _overview(
    request: Request,
    state: AppState,
    *,
    trust_form: dict[str, str] | None = None,
    trust_errors: dict[str, str] | None = None,
    user_form: dict[str, Any] | None = None,
    user_errors: dict[str, str] | None = None,
    added: str | None = None,
    status: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        page = OverviewPage(
            trusts=list(trusts.all_trusts(db)),
            users=list(users.all_users(db)),
            trust_form=trust_form or {"name": ""},
            trust_errors=trust_errors or {},
            user_form=user_form or {"email": "", "is_admin": False},
            user_errors=user_errors or {},
            added=added,
        )
    return render_page(request, "admin/overview.html", page, status=status)


def _user_page(
    request: Request,
    state: AppState,
    user_id: int,
    *,
    staff_id: int,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        user = users.get_user(db, user_id=user_id)
        memberships = list(users.memberships_of(db, user_id=user_id))
        member_of = {membership.trust_id for membership, _ in memberships}
        other_trusts = [trust for trust in trusts.all_trusts(db) if trust.id not in member_of]
    page = UserPage(
        user=user,
        memberships=memberships,
        trusts=other_trusts,
        is_self=user_id == staff_id,
        roles=list(Role),
        error=error,
        saved=request.query_params.get("saved") == "1" or request.query_params.get("added") == "1",
    )
    return render_page(request, "admin/user.html", page, status=status)
