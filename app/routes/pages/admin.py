"""Pages for site administrators: trusts, staff accounts, memberships and the audit log (all under /admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.choices import Role
from app.db.engine import read_session, write_session
from app.errors import Conflict, Invalid
from app.schemas.staff import TrustCreate, UserCreate
from app.store import audit, trusts, users
from app.web.auth import AdminUser
from app.web.pages import PageRoute, field_errors, render
from app.web.params import TrustId, UserId
from app.web.state import AppState, get_state

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)
TRUST_FORM_NOUNS = {"name": "the name of the trust"}
USER_FORM_NOUNS = {"email": "the email address", "password": "the starting password"}
USER_FORM_FORMATS = {"email": "must look like name@example.org"}
State = Annotated[AppState, Depends(get_state)]


@router.get("", response_class=HTMLResponse, name="admin.overview")
def overview(request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: every trust and account, with forms to add them."""
    return _overview(request, state)


@router.post("/trusts", response_class=HTMLResponse, name="admin.create_trust")
def create_trust(
    request: Request, staff: AdminUser, state: State, name: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """Site administrators: add a trust."""
    try:
        trust_in = TrustCreate(name=name)
        with write_session(state.engine) as db:
            trusts.create_trust(db, actor=staff, trust_in=trust_in)
    except ValidationError as error:
        return _overview(
            request,
            state,
            trust_form={"name": name},
            trust_errors=field_errors(error, TRUST_FORM_NOUNS),
            status=422,
        )
    except Conflict as error:
        return _overview(
            request, state, trust_form={"name": name}, trust_errors={"name": error.detail}, status=409
        )
    return RedirectResponse("/admin?added=trust", status_code=303)


@router.post("/users", response_class=HTMLResponse, name="admin.create_user")
def create_user(
    request: Request,
    staff: AdminUser,
    state: State,
    email: Annotated[str, Form(max_length=500)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    """Site administrators: add a staff account."""
    form = {"email": email, "is_admin": is_admin}
    try:
        # Browsers trim email fields; so does this form, for people who paste with a space.
        user_in = UserCreate(email=email.strip(), password=password, is_admin=is_admin)
        with write_session(state.engine) as db:
            user = users.create_user(db, actor=staff, user_in=user_in)
            user_id = user.id
    except ValidationError as error:
        return _overview(
            request,
            state,
            user_form=form,
            user_errors=field_errors(error, USER_FORM_NOUNS, USER_FORM_FORMATS),
            status=422,
        )
    except Conflict as error:
        return _overview(request, state, user_form=form, user_errors={"email": error.detail}, status=409)
    return RedirectResponse(f"/admin/users/{user_id}?added=1", status_code=303)


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
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


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
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


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
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


@router.get("/audit", response_class=HTMLResponse, name="admin.audit_log")
def audit_log(request: Request, staff: AdminUser, state: State) -> Response:
    """Site administrators: the most recent audit events."""
    with read_session(state.engine) as db:
        events = list(audit.recent_events(db, limit=500))
        trust_names = {t.id: t.name for t in trusts.all_trusts(db)}
    return render(request, "admin/audit.html", events=events, trust_names=trust_names)


def _overview(
    request: Request,
    state: AppState,
    *,
    trust_form: dict[str, str] | None = None,
    trust_errors: dict[str, str] | None = None,
    user_form: dict[str, object] | None = None,
    user_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        all_trusts = list(trusts.all_trusts(db))
        all_users = list(users.all_users(db))
    return render(
        request,
        "admin/overview.html",
        status=status,
        trusts=all_trusts,
        users=all_users,
        trust_form=trust_form or {"name": ""},
        trust_errors=trust_errors or {},
        user_form=user_form or {"email": "", "is_admin": False},
        user_errors=user_errors or {},
        added=request.query_params.get("added"),
    )


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
    return render(
        request,
        "admin/user.html",
        status=status,
        user=user,
        memberships=memberships,
        trusts=other_trusts,
        is_self=user_id == staff_id,
        roles=list(Role),
        error=error,
        saved=request.query_params.get("saved") == "1" or request.query_params.get("added") == "1",
    )
