"""The live room of a focus group (under /facilitate/sessions/{id}): its state (open, lock, close after
asking), join code, progress, the statements with the room's answers once revealed, and the group's agreed
rating and evidence for each. Also the words for a session's state and time that the other facilitating pages
share.

The progress polls the room's own URL with ``HX-Request``; `app.routes.pages.room_progress` then answers
with that block alone, read from the database on every request, so any app process can answer. Saving an
agreed rating with htmx answers with that statement's block alone.

Its router is included by `app.routes.pages.facilitate`, under the /facilitate prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, Field
from sqlmodel import Session

from app.choices import SessionState
from app.db.engine import read_session, write_session
from app.db.tables import Consensus, FocusSession, Round
from app.errors import Conflict, Invalid
from app.identity import Staff
from app.permissions import LEADS_AND_FACILITATORS
from app.routes.pages.room_progress import active_for, progress_poll
from app.schemas.responses import Progress
from app.schemas.sessions import NOTES_MAX_LENGTH, ConsensusIn
from app.services.disclosure.room import RoomStatement, reveal_preview, room_results
from app.store import consensus, focus_sessions, participants, rounds
from app.web.auth import StaffUser
from app.web.pages import (
    InvalidForm,
    PageRoute,
    app_state,
    is_htmx,
    redirect_to,
    render_page,
    shows_form_again,
    signed_in,
)
from app.web.params import SessionId
from app.web.state import AppState, State
from framework.model import ScalePoint
from surveys import CHILD_VIEWPOINT, Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)
LONDON = ZoneInfo("Europe/London")
CONSENSUS_NOUNS = {"item": "the statement", "rating": "the agreed rating", "notes": "the evidence notes"}
CONSENSUS_MESSAGES = {"rating": "Choose an agreed rating from 1 to 5, or Not agreed."}
STATE_ACTIONS = {
    SessionState.OPEN: "Open",
    SessionState.LOCKED: "Lock",
    SessionState.CLOSED: "Close",
}
STATE_WORDS = {
    SessionState.DRAFT: ("Not open yet", "People cannot join until you open the session."),
    SessionState.OPEN: ("Open", "People can join with the code and answer."),
    SessionState.LOCKED: ("Locked", "No new people can join; those already in can go on answering."),
    SessionState.CLOSED: ("Closed", "The session has finished: no one can join or answer."),
}


def london_time(moment: datetime | None) -> str:
    """A stored UTC time as people in England read it, e.g. "Tue 2 Mar 2010, 10:00"."""
    if moment is None:
        return ""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


def spaced_code(code: str) -> str:
    """A join code split in two for reading across a room: "ABCDEFG" -> "ABC DEFG"."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def scale_words(scale: list[ScalePoint], *, child: bool) -> dict[int, str]:
    """Each rating's words on the group's own scale: the children's for a child group."""
    return {point.value: point.child_label if child else point.label for point in scale}


def anchor_of(code: str) -> str:
    """The id of a statement's place on a page: "orange.child.2" -> "item-orange-child-2"."""
    return "item-" + code.replace(".", "-")


class ConsensusForm(ConsensusIn):
    """The form recording a statement's agreed rating: the API's model, as a browser sends it."""

    model_config = ConfigDict(extra="ignore")

    # The select sends "1".."5", or nothing for "Not agreed"; the API takes a JSON number or null.
    rating: Annotated[int, Field(ge=1, le=5)] | None = None


@dataclass
class StatementEntry:
    """One statement of the room: the room's answers (once revealed) and the group's agreed rating; marked
    saved, or with the errors and what was typed, after a form about it."""

    item: Item
    number: int
    arc_key: str
    anchor: str
    consensus: Consensus | None
    distribution: RoomStatement | None  # the room's answers, or (before the reveal) who is still needed
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    saved: bool = False

    @property
    def chosen_rating(self) -> str:
        if "rating" in self.form:
            return self.form["rating"]
        if self.consensus is not None and self.consensus.rating is not None:
            return str(self.consensus.rating)
        return ""

    @property
    def notes(self) -> str:
        if "notes" in self.form:
            return self.form["notes"]
        return self.consensus.notes or "" if self.consensus is not None else ""


@dataclass(frozen=True)
class ArcSection:
    key: str
    title: str
    entries: list[StatementEntry]


@dataclass(frozen=True)
class RoomPage:
    focus: FocusSession
    round: Round
    sections: list[ArcSection]
    progress: Progress
    state_label: str
    state_hint: str
    actions: list[tuple[SessionState, str]]  # the states it may move to, with the button's word
    viewpoint_label: str
    starts: str
    spaced_code: str
    scale: list[ScalePoint]
    child: bool
    live: bool  # polls for progress
    active_for: str  # "2 minutes": how recently someone answering was seen
    k: int  # raters a statement needs before the room sees its answers
    notes_limit: int = NOTES_MAX_LENGTH  # characters of evidence a statement takes
    room_error: str | None = None
    entry: StatementEntry | None = None  # the statement a form was about, for its block alone
    on_screen: StatementEntry | None = None  # the statement the room screen shows after the reveal
    statement_total: int = 0
    screen_error: str | None = None  # a move of the screen that was refused
    poll_version: str = ""  # the progress block's version, which its next poll sends (app.web.fragments)

    def find(self, code: str) -> StatementEntry | None:
        return next((e for s in self.sections for e in s.entries if e.item.code == code), None)


@router.get("/sessions/{session_id}", response_class=HTMLResponse, name="facilitate.room_page")
def room_page(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: the live room. With ``HX-Request``, only the progress (204
    when the page shows it already)."""
    if is_htmx(request):  # a poll of the progress: nothing else is read
        return progress_poll(request, staff, state, session_id)
    with write_session(state.engine) as db:  # what the room newly sees is recorded in the ledger
        page = room_context(db, state, staff, session_id)
    saved = page.find(request.query_params.get("saved", ""))
    if saved is not None:
        saved.saved = True
    return render_page(request, "facilitate/room.html", page, htmx_block="progress")


@router.post("/sessions/{session_id}/state", response_class=HTMLResponse, name="facilitate.change_state")
def change_state(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    to: Annotated[str, Form(alias="state", max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
    then: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Its facilitator, and leads of its trust: open, lock or close the session (closing asks first)."""
    target = SessionState(to) if to in set(SessionState) else None
    if target == SessionState.CLOSED and confirm != "yes":
        with read_session(state.engine) as db:
            focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        return redirect_to(request, "facilitate.confirm_close", session_id=session_id)
    try:
        if target is None or target == SessionState.DRAFT:
            raise Invalid("state", "choose Open, Lock or Close")
        with write_session(state.engine) as db:
            focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
            focus_sessions.change_state(db, actor=staff, focus=focus, to=target)
    except (Conflict, Invalid) as error:
        message = error.message if isinstance(error, Invalid) else error.detail
        with write_session(state.engine) as db:
            page = room_context(db, state, staff, session_id, room_error=message)
        return render_page(request, "facilitate/room.html", page, status=error.status)
    if then == "close" and target == SessionState.LOCKED:  # lock and wait, on the page that asks to close
        return redirect_to(request, "facilitate.confirm_close", session_id=session_id)
    return redirect_to(request, "facilitate.room_page", session_id=session_id)


@router.post("/sessions/{session_id}/reveal", response_class=HTMLResponse, name="facilitate.reveal")
def reveal(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    revealed: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Its facilitator, and leads of its trust: show or hide the room's answers to each statement."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        if revealed not in ("true", "false"):
            raise Invalid("revealed", "must be true or false")
        focus_sessions.set_revealed(db, actor=staff, focus=focus, revealed=revealed == "true")
    return redirect_to(request, "facilitate.room_page", session_id=session_id, fragment="statements")


def _show_consensus_form(request: Request, invalid: InvalidForm) -> Response:
    """The statement again, with the errors at its fields (an unknown statement's at the rating)."""
    errors = {
        name if name in ("rating", "notes") else "rating": message
        for name, message in invalid.errors(CONSENSUS_NOUNS, messages=CONSENSUS_MESSAGES).items()
    }
    typed = {"rating": invalid.text("rating"), "notes": invalid.text("notes")}
    session_id = int(request.path_params["session_id"])
    state, staff = app_state(request), signed_in(request)
    with write_session(state.engine) as db:
        page = room_context(db, state, staff, session_id)
    entry = _entry(page, invalid.text("item"))
    entry.errors, entry.form = errors, typed
    return render_page(
        request, "facilitate/room.html", replace(page, entry=entry), status=422, htmx_block="statement"
    )


@router.post(
    "/sessions/{session_id}/consensus", response_class=HTMLResponse, name="facilitate.record_consensus"
)
@shows_form_again(_show_consensus_form)
def record_consensus(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    consensus_in: Annotated[ConsensusForm, Form()],
) -> Response:
    """Its facilitator, and leads of its trust: save the group's agreed rating and evidence for a statement.
    With ``HX-Request``, the answer is only that statement's block (with what is wrong, when it is)."""
    try:
        with write_session(state.engine) as db:
            focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
            items = participants.session_items(state.framework, state.surveys, focus)
            consensus.record_consensus(db, actor=staff, focus=focus, items=items, consensus_in=consensus_in)
    except (Invalid, Conflict) as error:
        return _statement_again(request, staff, state, consensus_in, error)
    with write_session(state.engine) as db:
        page = room_context(db, state, staff, session_id)
    entry = _entry(page, consensus_in.item)
    if is_htmx(request):
        entry.saved = True
        return render_page(
            request, "facilitate/room.html", replace(page, entry=entry), htmx_block="statement"
        )
    query = {"saved": consensus_in.item}
    return redirect_to(
        request, "facilitate.room_page", session_id=session_id, query=query, fragment=entry.anchor
    )


def _statement_again(
    request: Request, staff: Staff, state: AppState, consensus_in: ConsensusForm, error: Invalid | Conflict
) -> Response:
    """The statement again after the store refused its agreed rating, with the reason at the rating (422,
    or the conflict's status); a statement not of the session has no block, so it is the error alone."""
    session_id = int(request.path_params["session_id"])
    with write_session(state.engine) as db:
        page = room_context(db, state, staff, session_id)
    entry = page.find(consensus_in.item)
    if entry is None:
        raise error
    message = error.message if isinstance(error, Invalid) else error.detail
    entry.errors = {"rating": message}
    entry.form = {"rating": str(consensus_in.rating or ""), "notes": consensus_in.notes}
    return render_page(
        request,
        "facilitate/room.html",
        replace(page, entry=entry),
        status=error.status,
        htmx_block="statement",
    )


# --- helpers -----------------------------------------------------------------------------------------------


def room_context(
    db: Session,
    state: AppState,
    staff: Staff,
    session_id: int,
    *,
    room_error: str | None = None,
) -> RoomPage:
    """The room page, with its statements and (once revealed) the room's answers to them."""
    focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
    db_round = rounds.get_round_for_staff(
        db, staff=staff, round_id=focus.round_id, roles=LEADS_AND_FACILITATORS
    )
    state_label, state_hint = STATE_WORDS[focus.state]
    sections = _sections(db, state, staff, focus)
    entries = [entry for section in sections for entry in section.entries]
    return RoomPage(
        focus=focus,
        round=db_round,
        sections=sections,
        progress=participants.progress(db, session_id=session_id, active_within=state.settings.active_window),
        state_label=state_label,
        state_hint=state_hint,
        actions=[
            (to, STATE_ACTIONS[to])
            for to in (SessionState.OPEN, SessionState.LOCKED, SessionState.CLOSED)
            if to in focus_sessions.TRANSITIONS[focus.state]
        ],
        viewpoint_label=state.framework.viewpoint(focus.viewpoint).label,
        starts=london_time(focus.starts_at),
        spaced_code=spaced_code(focus.join_code) if focus.join_code else "",
        scale=state.framework.scale,
        child=focus.viewpoint == CHILD_VIEWPOINT,
        live=focus.state != SessionState.CLOSED,
        active_for=active_for(state.settings.active_seconds),
        k=state.settings.min_group_size,
        room_error=room_error,
        on_screen=entries[min(focus.screen_position, len(entries) - 1)] if entries else None,
        statement_total=len(entries),
    )


def _sections(db: Session, state: AppState, staff: Staff, focus: FocusSession) -> list[ArcSection]:
    """The session's statements by arc, with the agreed ratings and the room's answers: once revealed, as the
    rules of disclosure let the room see them (and recorded in the ledger); before, how many more raters each
    statement needs to be shown."""
    assert focus.id is not None
    recorded = consensus.consensus_of(db, session_id=focus.id)
    items = participants.session_items(state.framework, state.surveys, focus)
    k = state.settings.min_group_size
    shown: dict[str, RoomStatement] = {}
    if focus.state in (SessionState.OPEN, SessionState.LOCKED):
        if focus.results_revealed:
            found = room_results(db, actor=staff, focus=focus, items=items, k=k)
        else:
            found = reveal_preview(db, focus=focus, items=items, k=k)
        shown = {statement.item: statement for statement in found}
    return [
        ArcSection(
            key=arc_key,
            title=state.framework.arc(arc_key).title,
            entries=[
                StatementEntry(
                    item=item,
                    number=number,
                    arc_key=arc_key,
                    anchor=anchor_of(item.code),
                    consensus=recorded.get(item.code),
                    distribution=shown.get(item.code),
                )
                for number, item in enumerate(state.surveys.items(arc_key, focus.viewpoint), start=1)
            ],
        )
        for arc_key in focus.arc_keys
    ]


def _entry(page: RoomPage, code: str) -> StatementEntry:
    """:raises Invalid: `code` is not a statement of the session."""
    entry = page.find(code)
    if entry is None:
        raise Invalid("item", f"'{code}' is not a statement of this session")
    return entry
