"""Pages for trust staff: their trusts, a trust's rounds, a round, and deleting a round after confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.db.engine import read_session, write_session
from app.db.tables import Round, Trust
from app.errors import AppError
from app.identity import Staff
from app.permissions import ANY_MEMBER, LEADS, can, check_trust_access
from app.schemas.staff import RoundCreate
from app.store import rounds, trusts
from app.web.auth import StaffUser
from app.web.pages import PageRoute, field_errors, render
from app.web.params import RoundId, TrustId
from app.web.state import AppState, get_state

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)
ROUND_FORM_NOUNS = {
    "name": "the name of the round",
    "period_start": "the start of the period",
    "period_end": "the end of the period",
}
State = Annotated[AppState, Depends(get_state)]


@dataclass(frozen=True)
class TrustPage:
    trust: Trust
    rounds: list[Round]
    role_label: str
    can_create_round: bool


@router.get("", response_class=HTMLResponse, name="trust.my_trusts")
def my_trusts(request: Request, staff: StaffUser, state: State) -> Response:
    """Any staff: the trusts they belong to (site administrators: all)."""
    with read_session(state.engine) as db:
        visible = list(trusts.visible_trusts(db, staff=staff))
    if len(visible) == 1 and not staff.is_admin:
        return RedirectResponse(f"/trust/{visible[0].id}", status_code=303)
    return render(request, "trust/index.html", trusts=visible)


@router.get("/{trust_id}", response_class=HTMLResponse, name="trust.trust_page")
def trust_page(trust_id: TrustId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the trust: its rounds; leads also get the form to start one."""
    return _trust_page(request, state, staff, trust_id)


@router.post("/{trust_id}/rounds", response_class=HTMLResponse, name="trust.create_round")
def create_round(
    trust_id: TrustId,
    request: Request,
    staff: StaffUser,
    state: State,
    name: Annotated[str, Form(max_length=500)] = "",
    period_start: Annotated[str, Form(max_length=20)] = "",
    period_end: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Leads of the trust: start a round; a bad form is shown again with what is wrong."""
    form = {"name": name, "period_start": period_start, "period_end": period_end}
    check_trust_access(staff, trust_id, roles=LEADS)  # before validation: others learn nothing from errors
    try:
        round_in = RoundCreate(name=name, period_start=period_start or None, period_end=period_end or None)
    except ValidationError as error:
        errors = field_errors(error, ROUND_FORM_NOUNS)
        return _trust_page(request, state, staff, trust_id, form=form, errors=errors, status=422)
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
        return _trust_page(
            request, state, staff, trust_id, form=form, errors={"name": error.detail}, status=409
        )
    return RedirectResponse(f"/trust/rounds/{round_id}", status_code=303)


@router.get("/rounds/{round_id}/delete", response_class=HTMLResponse, name="trust.confirm_delete_round")
def confirm_delete_round(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: ask for confirmation before deleting."""
    with read_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        trust = trust_of(db, staff, db_round)
    return render(request, "trust/delete_round.html", round=db_round, trust=trust, error=None, typed="")


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
        db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
        trust_id = db_round.trust_id
        if confirm_name.strip() != db_round.name:
            error = f"Type the name of the round exactly as it is shown, {db_round.name}, to delete it."
            return render(
                request,
                "trust/delete_round.html",
                round=db_round,
                trust=trust_of(db, staff, db_round),
                error=error,
                typed=confirm_name,
                status=422,
            )
        rounds.delete_round(db, actor=staff, db_round=db_round)
    return RedirectResponse(f"/trust/{trust_id}?deleted=1", status_code=303)


def _trust_page(
    request: Request,
    state: AppState,
    staff: Staff,
    trust_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
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
    )
    return render(
        request,
        "trust/trust.html",
        page=page,
        form=form or {"name": "", "period_start": "", "period_end": ""},
        errors=errors or {},
        deleted=request.query_params.get("deleted") == "1",
        status=status,
    )


def trust_of(db: Session, staff: Staff, db_round: Round) -> Trust:
    return trusts.get_trust_for_staff(db, staff=staff, trust_id=db_round.trust_id, roles=ANY_MEMBER)
