"""A trust's leads invite colleagues to their own trust (pages): /trust/{trust_id}/invite.

Site administrators invite from /admin, where they can also choose any trust or make an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, field_validator

from app.choices import Role
from app.db.engine import read_session
from app.db.tables import Trust
from app.errors import Conflict
from app.permissions import LEADS
from app.routes.pages.accounts import send_invitation
from app.routes.pages.trust import TrustLead
from app.schemas.common import Email
from app.schemas.staff import InvitationCreate
from app.store import trusts
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    path_id,
    redirect_to,
    render_page,
    shows_form_again,
    signed_in,
)
from app.web.params import TrustId
from app.web.state import State

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
NOUNS = {"email": "the email address", "role": "the role"}
FORMATS = {"email": "must look like name@example.org"}


class LeadInvitationForm(BaseModel):
    """A lead's invitation: an email and a role in the lead's trust (the trust is the page's)."""

    model_config = ConfigDict(extra="ignore")

    email: Email
    role: Role

    @field_validator("email", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class InvitePage:
    trust: Trust
    roles: list[Role]
    form: dict[str, str]
    errors: dict[str, str]
    invited: str | None  # the email just invited


def _page(
    request: Request,
    trust_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    staff = signed_in(request)
    with read_session(app_state(request).engine) as db:
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
    page = InvitePage(
        trust=trust,
        roles=list(Role),
        form=form or {"email": "", "role": ""},
        errors=errors or {},
        invited=request.query_params.get("invited"),
    )
    return render_page(request, "account/invite.html", page, status=status)


@router.get("/{trust_id}/invite", response_class=HTMLResponse, name="invitations.invite_form")
def invite_form(trust_id: TrustId, request: Request, staff: TrustLead) -> Response:
    """The trust's leads (and site administrators): the form inviting a colleague to the trust."""
    return _page(request, trust_id)


def _show_again(request: Request, invalid: InvalidForm) -> Response:
    form = {"email": invalid.text("email"), "role": invalid.text("role")}
    trust_id = path_id(request, "trust_id")
    errors = invalid.errors(NOUNS, FORMATS, {"role": "Choose the role they will have in the trust."})
    return _page(request, trust_id, form=form, errors=errors, status=422)


@router.post("/{trust_id}/invite", response_class=HTMLResponse, name="invitations.invite")
@shows_form_again(_show_again)
def invite(
    trust_id: TrustId,
    request: Request,
    staff: TrustLead,
    state: State,
    form: Annotated[LeadInvitationForm, Form()],
) -> Response:
    """The trust's leads (and site administrators): invite a colleague with a role in the trust; they are
    emailed a single-use link to choose their password."""
    invitation = InvitationCreate(email=form.email, trust_id=trust_id, role=form.role)
    try:
        send_invitation(request, staff, invitation)
    except Conflict as error:
        typed = {"email": form.email, "role": form.role.value}
        return _page(request, trust_id, form=typed, errors={"email": error.detail}, status=409)
    return redirect_to(request, "invitations.invite_form", trust_id=trust_id, query={"invited": form.email})
