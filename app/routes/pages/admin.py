"""Pages for site administrators: trusts, staff accounts, memberships and the audit log (all under /admin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, field_validator

from app.choices import Role
from app.db.engine import read_session, write_session
from app.db.identity_tables import AccountLink
from app.db.tables import Membership, Trust, User
from app.errors import Conflict, Invalid, NotFound
from app.routes.pages.accounts import link_builder, send_invitation
from app.schemas.staff import InvitationCreate, TrustCreate
from app.services import accounts, second_factor
from app.store import account_links, trusts, users
from app.web.auth import AdminUser
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    field_errors,
    redirect_to,
    render_page,
    shows_form_again,
)
from app.web.params import TrustId, UserId
from app.web.state import AppState, State

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)
TRUST_FORM_NOUNS = {"name": "the name of the trust"}
USER_FORM_NOUNS = {"email": "the email address", "trust_id": "the trust", "role": "the role"}
USER_FORM_FORMATS = {"email": "must look like name@example.org"}


class TrustForm(TrustCreate):
    """The form adding a trust: the API's model, with the page's CSRF token besides."""

    model_config = ConfigDict(extra="ignore")


class InvitationForm(InvitationCreate):
    """The form inviting a person: the API's model, read from a browser's form."""

    model_config = ConfigDict(extra="ignore")

    is_admin: bool = False  # a ticked box sends "true"; the API takes a JSON boolean only

    @field_validator("email", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        # Browsers trim email fields; so does this form, for people who paste with a space.
        return value.strip() if isinstance(value, str) else value

    @field_validator("trust_id", "role", mode="before")
    @classmethod
    def _none_chosen(cls, value: Any) -> Any:
        return None if value == "" else value


@dataclass(frozen=True)
class AccountRow:
    user: User
    roles: list[tuple[str, Role]]  # (trust name, role)
    invitation: AccountLink | None  # the newest, while no password has been chosen


@dataclass(frozen=True)
class OverviewPage:
    trusts: list[Trust]
    accounts: list[AccountRow]
    roles: list[Role]
    filter_trust: int | None  # the accounts list shows only this trust's members
    filter_role: Role | None  # ... or only those with this role somewhere
    trust_form: dict[str, str]  # the add-a-trust form as typed
    trust_errors: dict[str, str]
    user_form: dict[str, Any]  # the add-an-account form as typed
    user_errors: dict[str, str]
    added: str | None  # "trust" just after adding one


@dataclass(frozen=True)
class UserPage:
    user: User
    links: list[AccountLink]  # invitations and password resets, newest first, with how their email went
    invited: bool
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
    form: dict[str, Any] = {name: invalid.text(name) for name in ("email", "trust_id", "role")}
    form["is_admin"] = bool(invalid.text("is_admin"))
    whole_form = [p for p in invalid.problems if tuple(p["loc"]) == ("body",)]  # the role and trust together
    by_field = [p for p in invalid.problems if tuple(p["loc"]) != ("body",)]
    errors = field_errors(by_field, USER_FORM_NOUNS, USER_FORM_FORMATS)
    if whole_form and "role" not in errors:
        errors["role"] = str(whole_form[0]["msg"])
    return _overview(request, app_state(request), user_form=form, user_errors=errors, status=422)


@router.post("/users", response_class=HTMLResponse, name="admin.create_user")
@shows_form_again(_show_user_form)
def create_user(
    request: Request, staff: AdminUser, state: State, invitation: Annotated[InvitationForm, Form()]
) -> Response:
    """Site administrators: invite a person, with their trust and role (or as a site administrator); they
    are emailed a single-use link to choose their own password."""
    try:
        user_id = send_invitation(request, staff, invitation)
    except (Conflict, NotFound) as error:
        form = invitation.model_dump(mode="json")
        field = "email" if isinstance(error, Conflict) else "trust_id"
        return _overview(request, state, user_form=form, user_errors={field: error.detail}, status=409)
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"invited": 1})


@router.post("/users/{user_id}/invitation", response_class=HTMLResponse, name="admin.resend_invitation")
def resend_invitation(user_id: UserId, request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: send a new invitation link to a person who has not yet chosen a password."""
    try:
        accounts.resend_invitation(
            state.runtime,
            state.mailer,
            actor=staff,
            user_id=user_id,
            link_for=link_builder(request, "accounts.invitation_page"),
        )
    except Conflict as error:
        return _user_page(request, state, user_id, staff_id=staff.user_id, error=error.detail, status=409)
    return redirect_to(request, "admin.user_page", user_id=user_id, query={"invited": 1})


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


@router.post(
    "/users/{user_id}/second-factor/reset", response_class=HTMLResponse, name="admin.reset_second_factor"
)
def reset_second_factor(user_id: UserId, request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: take away a person's second factor (a lost phone); they are signed out and set
    it up again on their next sign-in. Audited."""
    second_factor.reset(state.runtime, actor=staff, user_id=user_id)
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
    filter_trust, filter_role = _filters(request)
    with read_session(state.engine) as db:
        invitations = account_links.latest_invitations(db)
        rows = users.accounts_with_roles(db, trust_id=filter_trust, role=filter_role)
        page = OverviewPage(
            trusts=list(trusts.all_trusts(db)),
            accounts=[
                AccountRow(user, roles, invitations.get(user.id) if user.password_hash is None else None)
                for user, roles in rows
                if user.id is not None
            ],
            roles=list(Role),
            filter_trust=filter_trust,
            filter_role=filter_role,
            trust_form=trust_form or {"name": ""},
            trust_errors=trust_errors or {},
            user_form=user_form or {"email": "", "trust_id": "", "role": "", "is_admin": False},
            user_errors=user_errors or {},
            added=added,
        )
    return render_page(request, "admin/overview.html", page, status=status)


def _filters(request: Request) -> tuple[int | None, Role | None]:
    """The accounts list's filters from the query; what is not a trust id or a role is ignored."""
    trust, role = request.query_params.get("trust", ""), request.query_params.get("role", "")
    trust_id = int(trust) if trust.isascii() and trust.isdigit() and len(trust) < 10 else None
    return trust_id, Role(role) if role in {r.value for r in Role} else None


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
        links = list(account_links.links_of(db, user_id=user_id))
        member_of = {membership.trust_id for membership, _ in memberships}
        other_trusts = [trust for trust in trusts.all_trusts(db) if trust.id not in member_of]
    page = UserPage(
        user=user,
        links=links,
        invited=request.query_params.get("invited") == "1",
        memberships=memberships,
        trusts=other_trusts,
        is_self=user_id == staff_id,
        roles=list(Role),
        error=error,
        saved=request.query_params.get("saved") == "1" or request.query_params.get("added") == "1",
    )
    return render_page(request, "admin/user.html", page, status=status)
