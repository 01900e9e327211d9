"""Pages for trust staff: their trusts, a trust's rounds, a round, and deleting a round after confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict

from app.db.engine import read_session, write_session
from app.db.tables import Round, Trust
from app.errors import AppError
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can, check_trust_access
from app.schemas.staff import RoundCreate
from app.store import rounds, trusts
from app.web.auth import StaffUser
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
from app.web.params import RoundId, TrustId
from app.web.state import AppState, State

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
ROUND_FORM_NOUNS = {
    "name": "the name of the round",
    "period_start": "the start of the period",
    "period_end": "the end of the period",
}
ROUND_FORM_FIELDS = tuple(ROUND_FORM_NOUNS)


class RoundForm(RoundCreate):
    """The form starting a round: the API's model, with the page's CSRF token besides."""

    model_config = ConfigDict(extra="ignore")


async def trust_lead(trust_id: TrustId, staff: StaffUser) -> Staff:
    """The staff member, once they are known to lead the trust (checked before their form is read, so
    that others learn nothing from its errors).

    :raises NotFound: not a member of the trust; :raises Forbidden: a member but not a lead.
    """
    check_trust_access(staff, trust_id, roles=LEADS)
    return staff


TrustLead = Annotated[Staff, Depends(trust_lead)]


@dataclass(frozen=True)
class TrustsPage:
    trusts: list[Trust]


@dataclass(frozen=True)
class TrustPage:
    trust: Trust
    rounds: list[Round]
    role_label: str
    can_create_round: bool
    form: dict[str, str]  # the start-a-round form as typed
    errors: dict[str, str]
    deleted: bool


@dataclass(frozen=True)
class DeleteRoundPage:
    round: Round
    trust: Trust
    error: str | None
    typed: str


@router.get("", response_class=HTMLResponse, name="trust.my_trusts")
def my_trusts(request: Request, staff: StaffUser, state: State) -> Response:
    """Any staff: the trusts they belong to (site administrators: all)."""
    with read_session(state.engine) as db:
        visible = list(trusts.visible_trusts(db, staff=staff))
    if len(visible) == 1 and not staff.is_admin:
        assert visible[0].id is not None
        return redirect_to(request, "trust.trust_page", trust_id=visible[0].id)
    return render_page(request, "trust/index.html", TrustsPage(trusts=visible))


@router.get("/{trust_id}", response_class=HTMLResponse, name="trust.trust_page")
def trust_page(trust_id: TrustId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the trust: its rounds; leads also get the form to start one."""
    return _trust_page(request, state, staff, trust_id)


def _show_round_form(request: Request, invalid: InvalidForm) -> Response:
    form = {name: invalid.text(name) for name in ROUND_FORM_FIELDS}
    trust_id = path_id(request, "trust_id")
    errors = invalid.errors(ROUND_FORM_NOUNS)
    return _trust_page(request, app_state(request), signed_in(request), trust_id, form, errors, status=422)


@router.post("/{trust_id}/rounds", response_class=HTMLResponse, name="trust.create_round")
@shows_form_again(_show_round_form)
def create_round(
    trust_id: TrustId,
    request: Request,
    staff: TrustLead,
    state: State,
    round_in: Annotated[RoundForm, Form()],
) -> Response:
    """Leads of the trust: start a round; a bad form is shown again with what is wrong."""
    try:
        with write_session(state.engine) as db:
            trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=LEADS)
            db_round = rounds.create_round(
                db,
                actor=staff,
                trust_id=trust_id,
                round_in=round_in,
                framework_version=state.framework.version,
            )
            round_id = db_round.id
    except AppError as error:
        if error.status != 409:
            raise
        form = {name: str(getattr(round_in, name) or "") for name in ROUND_FORM_FIELDS}
        return _trust_page(request, state, staff, trust_id, form, {"name": error.detail}, status=409)
    assert round_id is not None
    return redirect_to(request, "results.round_dashboard", round_id=round_id)


@router.get("/rounds/{round_id}/delete", response_class=HTMLResponse, name="trust.confirm_delete_round")
def confirm_delete_round(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: ask for confirmation before deleting."""
    with read_session(state.engine) as db:
        db_round, trust = rounds.get_round_with_trust(db, staff=staff, round_id=round_id, roles=LEADS)
        page = DeleteRoundPage(round=db_round, trust=trust, error=None, typed="")
    return render_page(request, "trust/delete_round.html", page)


@router.post("/rounds/{round_id}/delete", response_class=HTMLResponse, name="trust.delete_round")
def delete_round(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    confirm_name: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Leads of the round's trust: delete it, once they have typed its name to confirm."""
    with write_session(state.engine) as db:
        db_round, trust = rounds.get_round_with_trust(db, staff=staff, round_id=round_id, roles=LEADS)
        trust_id = db_round.trust_id
        if confirm_name.strip() != db_round.name:
            error = f"Type the name of the round exactly as it is shown, {db_round.name}, to delete it."
            page = DeleteRoundPage(round=db_round, trust=trust, error=error, typed=confirm_name)
            return render_page(request, "trust/delete_round.html", page, status=422)
        rounds.delete_round(db, actor=staff, db_round=db_round)
    return redirect_to(request, "trust.trust_page", trust_id=trust_id, query={"deleted": 1})


def _trust_page(
    request: Request,
    state: AppState,
    staff: Staff,
    trust_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
        trust_rounds = list(rounds.rounds_of(db, trust_id=trust_id))
    role = staff.role_in(trust_id)
    page = TrustPage(
        trust=trust,
        rounds=trust_rounds,
        role_label=role.value if role else "site administrator",
        can_create_round=can(staff, trust_id, LEADS),
        form=form or dict.fromkeys(ROUND_FORM_FIELDS, ""),
        errors=errors or {},
        deleted=request.query_params.get("deleted") == "1",
    )
    return render_page(request, "trust/trust.html", page, status=status)
