"""Pages for running focus groups (under /facilitate): the sessions a member of staff may run, by round, and
the form to create one (here); the live room (`app.routes.pages.room`), the room screen
(`app.routes.pages.room_screen`) and typing in paper questionnaires (`app.routes.pages.paper`), whose routes
this module's router includes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, Field, field_validator
from sqlmodel import Session

from app.choices import RoundStatus, SessionState
from app.db.engine import read_session, write_session
from app.db.tables import FocusSession, Round
from app.errors import Conflict, Forbidden, Invalid
from app.identity import Staff
from app.permissions import LEADS_AND_FACILITATORS, can
from app.routes.pages import paper, room, room_close, room_screen
from app.routes.pages.room import LONDON, STATE_WORDS, london_time
from app.schemas.sessions import SessionCreate
from app.store import focus_sessions, rounds, trusts
from app.web.auth import StaffUser
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    redirect_to,
    render_page,
    shows_form_again,
    signed_in,
)
from app.web.params import MAX_ID
from app.web.state import AppState, State

router = APIRouter(prefix="/facilitate", include_in_schema=False, route_class=PageRoute)
SESSION_FORM_NOUNS = {
    "round_id": "the round",
    "viewpoint": "who the group is",
    "arcs": "the arcs",
    "title": "the title",
    "place": "the place",
    "starts_at": "the start",
}
SESSION_FORM_MESSAGES = {
    "round_id": "Choose the round this session belongs to.",
    "viewpoint": "Choose who the group is.",
    "arcs": "Choose at least one arc to talk about.",
    "starts_at": "The start must be a date and a time, such as 2 March 2010 at 10:00.",
}
TEXT_FIELDS = ("round_id", "viewpoint", "title", "place", "starts_at")


def parse_local_time(text: str) -> datetime | None:
    """A datetime-local value ("2010-03-02T10:00"), read as Europe/London time, in UTC.

    :raises ValueError: for text that is not a date and time.
    """
    if not text.strip():
        return None
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is not None:
        raise ValueError("has a time zone")
    return moment.replace(tzinfo=LONDON).astimezone(UTC)


class SessionForm(SessionCreate):
    """The form creating a session: the API's model, the round it belongs to (the API's path), and the
    values a browser sends: a local time, and a ticked box."""

    model_config = ConfigDict(extra="ignore")

    round_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    children_comments: bool = False

    @field_validator("place", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("starts_at", mode="before")
    @classmethod
    def _london_time(cls, value: Any) -> Any:
        return parse_local_time(value) if isinstance(value, str) else value


async def facilitator(staff: StaffUser) -> Staff:
    """:raises Forbidden: for staff who run no focus groups (checked before their form is read)."""
    if not staff.can_facilitate:
        raise Forbidden("Only trust leads and facilitators run focus groups.")
    return staff


Facilitator = Annotated[Staff, Depends(facilitator)]


@dataclass(frozen=True)
class SessionRow:
    focus: FocusSession
    viewpoint_label: str
    starts: str
    state_label: str


@dataclass(frozen=True)
class RoundGroup:
    round: Round
    trust_name: str
    sessions: list[SessionRow]


@dataclass(frozen=True)
class RoundChoice:
    id: int
    label: str


@dataclass(frozen=True)
class SessionsPage:
    groups: list[RoundGroup]
    choices: list[RoundChoice]  # the open rounds the staff member may create sessions in
    filtered_name: str | None  # the round ?round=ID shows alone
    form: dict[str, Any]  # the create form as typed
    errors: dict[str, str]


@router.get("", response_class=HTMLResponse, name="facilitate.sessions_page")
def sessions_page(request: Request, staff: Facilitator, state: State) -> Response:
    """Leads, facilitators and site administrators: the sessions they may run, by round, and a form to
    create one. ``?round=ID`` shows one round's sessions."""
    return _sessions_page(request, state, staff)


def _show_session_form(request: Request, invalid: InvalidForm) -> Response:
    form: dict[str, Any] = {name: invalid.text(name) for name in TEXT_FIELDS}
    form |= {"arcs": invalid.texts("arcs"), "children_comments": bool(invalid.text("children_comments"))}
    errors = invalid.errors(SESSION_FORM_NOUNS, messages=SESSION_FORM_MESSAGES)
    return _sessions_page(request, app_state(request), signed_in(request), form, errors, status=422)


@router.post("/sessions", response_class=HTMLResponse, name="facilitate.create_session")
@shows_form_again(_show_session_form)
def create_session(
    request: Request, staff: Facilitator, state: State, session_in: Annotated[SessionForm, Form()]
) -> Response:
    """Leads and facilitators of the round's trust: create a draft session, then go to its room."""
    try:
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(
                db, staff=staff, round_id=session_in.round_id, roles=LEADS_AND_FACILITATORS
            )
            focus = focus_sessions.create_session(
                db, actor=staff, db_round=db_round, session_in=session_in, framework=state.framework
            )
            session_id = focus.id
    except (Invalid, Conflict) as error:
        form = _form_of(session_in)
        if isinstance(error, Conflict):
            return _sessions_page(request, state, staff, form, {"round_id": error.detail}, status=409)
        errors = {error.field: f"Choose again: {error.message}."}
        return _sessions_page(request, state, staff, form, errors, status=422)
    assert session_id is not None
    return redirect_to(request, "facilitate.room_page", session_id=session_id)


# The room, its screen and paper questionnaires, under the same /facilitate prefix.
router.include_router(room.router)
router.include_router(room_close.router)
router.include_router(room_screen.router)
router.include_router(paper.router)


# --- helpers -----------------------------------------------------------------------------------------------


def _sessions_page(
    request: Request,
    state: AppState,
    staff: Staff,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
) -> Response:
    chosen_round = _int_or_none(request.query_params.get("round", ""))
    with read_session(state.engine) as db:
        groups = _groups(db, state, staff, chosen_round)
        choices = _round_choices(db, staff)
    default_round = chosen_round or (choices[0].id if len(choices) == 1 else "")
    page = SessionsPage(
        groups=groups,
        choices=choices,
        filtered_name=next((c.label for c in choices if c.id == chosen_round), None),
        form=form or _empty_form(str(default_round)),
        errors=errors or {},
    )
    return render_page(request, "facilitate/index.html", page, status=status)


def _groups(db: Session, state: AppState, staff: Staff, round_id: int | None) -> list[RoundGroup]:
    """The sessions `staff` may run (of one round, when given), by round."""
    groups: dict[int, RoundGroup] = {}
    for focus in focus_sessions.sessions_for_staff(db, staff=staff, round_id=round_id):
        if focus.round_id not in groups:
            db_round = rounds.get_round_for_staff(
                db, staff=staff, round_id=focus.round_id, roles=LEADS_AND_FACILITATORS
            )
            trust = trusts.get_trust_for_staff(
                db, staff=staff, trust_id=db_round.trust_id, roles=LEADS_AND_FACILITATORS
            )
            groups[focus.round_id] = RoundGroup(round=db_round, trust_name=trust.name, sessions=[])
        groups[focus.round_id].sessions.append(
            SessionRow(
                focus=focus,
                viewpoint_label=state.framework.viewpoint(focus.viewpoint).label,
                starts=london_time(focus.starts_at),
                state_label=STATE_WORDS[focus.state][0],
            )
        )
    for group in groups.values():  # sessions still running first, then drafts, closed ones last
        group.sessions.sort(key=lambda row: SESSION_ORDER[row.focus.state])
    return list(groups.values())


SESSION_ORDER = {SessionState.OPEN: 0, SessionState.LOCKED: 1, SessionState.DRAFT: 2, SessionState.CLOSED: 3}


def _round_choices(db: Session, staff: Staff) -> list[RoundChoice]:
    """The open rounds of the trusts where `staff` may run sessions."""
    choices: list[RoundChoice] = []
    for trust in trusts.visible_trusts(db, staff=staff):
        assert trust.id is not None
        if not can(staff, trust.id, LEADS_AND_FACILITATORS):
            continue
        for db_round in rounds.rounds_of(db, trust_id=trust.id):
            if db_round.status == RoundStatus.OPEN and db_round.id is not None:
                choices.append(RoundChoice(id=db_round.id, label=f"{trust.name}: {db_round.name}"))
    return choices


def _int_or_none(text: str) -> int | None:
    # ASCII digits only: str.isdigit() also passes "²" and "①", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


def _empty_form(round_id: str) -> dict[str, Any]:
    return {**dict.fromkeys(TEXT_FIELDS, ""), "round_id": round_id, "arcs": [], "children_comments": False}


def _form_of(session_in: SessionForm) -> dict[str, Any]:
    """The create form holding `session_in`, with the start as it was typed (local time)."""
    return {
        "round_id": str(session_in.round_id),
        "viewpoint": session_in.viewpoint,
        "arcs": list(session_in.arcs),
        "title": session_in.title,
        "place": session_in.place or "",
        "starts_at": _typed_start(session_in),
        "children_comments": session_in.children_comments,
    }


def _typed_start(session_in: SessionForm) -> str:
    if session_in.starts_at is None:
        return ""
    return session_in.starts_at.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")
