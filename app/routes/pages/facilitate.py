"""Pages for running focus groups (under /facilitate): the sessions a member of staff may run and a form to
create one, the live room (state, join code, progress, the statements with the room's answers once revealed
and the group's agreed ratings), the room screen to project, and typing in paper questionnaires.

The live parts poll the same URL with ``HX-Request``; the handler then renders only the named block, read
from the database on every request, so any app process can answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.choices import RoundStatus, SessionState
from app.db.engine import read_session, write_session
from app.db.tables import Consensus, FocusSession, Round
from app.errors import Conflict, Forbidden, Invalid
from app.identity import Staff
from app.permissions import LEADS_AND_FACILITATORS, can
from app.schemas.sessions import ConsensusIn, Distribution, PaperRating, SessionCreate
from app.store import consensus, focus_sessions, responses, rounds, trusts
from app.web.auth import StaffUser
from app.web.pages import PageRoute, field_errors, render
from app.web.params import SessionId
from app.web.state import AppState, get_state
from surveys import CHILD_VIEWPOINT, Item

router = APIRouter(prefix="/facilitate", include_in_schema=False, route_class=PageRoute)
State = Annotated[AppState, Depends(get_state)]
LONDON = ZoneInfo("Europe/London")
SESSION_FORM_NOUNS = {
    "round_id": "the round",
    "viewpoint": "who the group is",
    "arcs": "the arcs",
    "title": "the title",
    "place": "the place",
    "starts_at": "the start",
}
CONSENSUS_NOUNS = {"item": "the statement", "rating": "the agreed rating", "notes": "the evidence notes"}
PAPER_VALUES: tuple[PaperRating, ...] = ("1", "2", "3", "4", "5", "dk", "na")
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


def _require_facilitator(staff: Staff) -> None:
    if not staff.can_facilitate:
        raise Forbidden("Only trust leads and facilitators run focus groups.")


def _hx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _fragment(
    request: Request, name: str, context: dict[str, Any], *, block: str | None, status: int = 200
) -> Response:
    templates = request.app.state.rainbow.templates
    response: Response = templates.TemplateResponse(
        request, name, context, status_code=status, block_name=block
    )
    response.headers["Vary"] = "HX-Request"
    return response


def london_time(moment: datetime | None) -> str:
    """A stored UTC time as people in England read it, e.g. "Tue 2 Mar 2010, 10:00"."""
    if moment is None:
        return ""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


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


def spaced_code(code: str) -> str:
    """A join code split in two for reading across a room: "ABCDEFG" -> "ABC DEFG"."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


# --- the list of sessions and the form to create one -------------------------------------------------------


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


def _session_row(state: AppState, focus: FocusSession) -> SessionRow:
    return SessionRow(
        focus=focus,
        viewpoint_label=state.framework.viewpoint(focus.viewpoint).label,
        starts=london_time(focus.starts_at),
        state_label=STATE_WORDS[focus.state][0],
    )


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


def _list_page(
    request: Request,
    state: AppState,
    staff: Staff,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    chosen_round = _int_or_none(request.query_params.get("round", ""))
    with read_session(state.engine) as db:
        groups: dict[int, RoundGroup] = {}
        for focus in focus_sessions.sessions_for_staff(db, staff=staff, round_id=chosen_round):
            if focus.round_id not in groups:
                db_round = rounds.get_round_for_staff(
                    db, staff=staff, round_id=focus.round_id, roles=LEADS_AND_FACILITATORS
                )
                trust = trusts.get_trust_for_staff(
                    db, staff=staff, trust_id=db_round.trust_id, roles=LEADS_AND_FACILITATORS
                )
                groups[focus.round_id] = RoundGroup(round=db_round, trust_name=trust.name, sessions=[])
            groups[focus.round_id].sessions.append(_session_row(state, focus))
        choices = _round_choices(db, staff)
    filtered_name = next((c.label for c in choices if c.id == chosen_round), None)
    default_form = {
        "round_id": str(chosen_round or (choices[0].id if len(choices) == 1 else "")),
        "viewpoint": "",
        "arcs": [],
        "title": "",
        "place": "",
        "starts_at": "",
        "children_comments": False,
    }
    return render(
        request,
        "facilitate/index.html",
        groups=list(groups.values()),
        choices=choices,
        chosen_round=chosen_round,
        filtered_name=filtered_name,
        form=form or default_form,
        errors=errors or {},
        status=status,
    )


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


@router.get("", response_class=HTMLResponse, name="facilitate.sessions_page")
def sessions_page(request: Request, staff: StaffUser, state: State) -> Response:
    """Leads, facilitators and site administrators: the sessions they may run, by round, and a form to
    create one. ``?round=ID`` shows one round's sessions."""
    _require_facilitator(staff)
    return _list_page(request, state, staff)


@router.post("/sessions", response_class=HTMLResponse, name="facilitate.create_session")
def create_session(
    request: Request,
    staff: StaffUser,
    state: State,
    round_id: Annotated[str, Form(max_length=20)] = "",
    viewpoint: Annotated[str, Form(max_length=40)] = "",
    arcs: Annotated[list[str] | None, Form(max_length=20)] = None,
    title: Annotated[str, Form(max_length=500)] = "",
    place: Annotated[str, Form(max_length=500)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    children_comments: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Leads and facilitators of the round's trust: create a draft session, then go to its room."""
    _require_facilitator(staff)
    chosen = [arc for arc in (arcs or []) if arc]
    form = {
        "round_id": round_id,
        "viewpoint": viewpoint,
        "arcs": chosen,
        "title": title,
        "place": place,
        "starts_at": starts_at,
        "children_comments": bool(children_comments),
    }
    errors: dict[str, str] = {}
    round_number = _int_or_none(round_id)
    if round_number is None:
        errors["round_id"] = "Choose the round this session belongs to."
    if not viewpoint:
        errors["viewpoint"] = "Choose who the group is."
    if not chosen:
        errors["arcs"] = "Choose at least one arc to talk about."
    starts: datetime | None = None
    try:
        starts = parse_local_time(starts_at)
    except ValueError:
        errors["starts_at"] = "The start must be a date and a time, such as 2 March 2010 at 10:00."
    session_in: SessionCreate | None = None
    try:
        session_in = SessionCreate(
            viewpoint=viewpoint or "practitioner",
            arcs=chosen or ["-"],
            title=title,
            place=place.strip() or None,
            starts_at=starts,
            children_comments=bool(children_comments),
        )
    except ValidationError as error:
        for name, message in field_errors(error, SESSION_FORM_NOUNS).items():
            errors.setdefault(name, message)
    if errors or session_in is None or round_number is None:
        return _list_page(request, state, staff, form=form, errors=errors, status=422)
    try:
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(
                db, staff=staff, round_id=round_number, roles=LEADS_AND_FACILITATORS
            )
            focus = focus_sessions.create_session(
                db, actor=staff, db_round=db_round, session_in=session_in, framework=state.framework
            )
            session_id = focus.id
    except Invalid as error:
        message = f"Choose again: {error.message}."
        return _list_page(request, state, staff, form=form, errors={error.field: message}, status=422)
    except Conflict as error:
        return _list_page(request, state, staff, form=form, errors={"round_id": error.detail}, status=409)
    return RedirectResponse(f"/facilitate/sessions/{session_id}", status_code=303)


# --- the live room ---------------------------------------------------------------------------------------


@dataclass
class StatementEntry:
    item: Item
    number: int
    arc_key: str
    anchor: str
    consensus: Consensus | None
    distribution: Distribution | None
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    saved: bool = False

    @property
    def text(self) -> str:
        return self.item.text

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


def anchor_of(code: str) -> str:
    return "item-" + code.replace(".", "-")


def _room_context(db: Session, state: AppState, staff: Staff, session_id: int) -> dict[str, Any]:
    focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
    db_round = rounds.get_round_for_staff(
        db, staff=staff, round_id=focus.round_id, roles=LEADS_AND_FACILITATORS
    )
    items = responses.session_items(state.framework, state.surveys, focus)
    recorded = consensus.consensus_of(db, session_id=session_id)
    shown = (
        {
            d.item: d
            for d in consensus.distributions(
                db, focus=focus, items=items, min_group_size=state.settings.min_group_size
            )
        }
        if focus.results_revealed
        else {}
    )
    sections: list[ArcSection] = []
    for arc_key in focus.arc_keys:
        entries = [
            StatementEntry(
                item=item,
                number=number,
                arc_key=arc_key,
                anchor=anchor_of(item.code),
                consensus=recorded.get(item.code),
                distribution=shown.get(item.code),
            )
            for number, item in enumerate(state.surveys.items(arc_key, focus.viewpoint), start=1)
        ]
        sections.append(ArcSection(key=arc_key, title=state.framework.arc(arc_key).title, entries=entries))
    state_label, state_hint = STATE_WORDS[focus.state]
    return {
        "focus": focus,
        "round": db_round,
        "sections": sections,
        "progress": responses.progress(db, session_id=session_id),
        "state_label": state_label,
        "state_hint": state_hint,
        "actions": [
            (to, STATE_ACTIONS[to])
            for to in (SessionState.OPEN, SessionState.LOCKED, SessionState.CLOSED)
            if to in focus_sessions.TRANSITIONS[focus.state]
        ],
        "viewpoint_label": state.framework.viewpoint(focus.viewpoint).label,
        "starts": london_time(focus.starts_at),
        "spaced_code": spaced_code(focus.join_code) if focus.join_code else "",
        "scale": state.framework.scale,
        "child": focus.viewpoint == CHILD_VIEWPOINT,
        "live": focus.state != SessionState.CLOSED,
        "room_error": None,
    }


def _entry(context: Mapping[str, Any], code: str) -> StatementEntry | None:
    for section in context["sections"]:
        for entry in section.entries:
            if entry.item.code == code:
                return entry  # type: ignore[no-any-return]
    return None


@router.get("/sessions/{session_id}", response_class=HTMLResponse, name="facilitate.room_page")
def room_page(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: the live room. With ``HX-Request``, only the progress."""
    with read_session(state.engine) as db:
        context = _room_context(db, state, staff, session_id)
    saved = request.query_params.get("saved", "")
    entry = _entry(context, saved) if saved else None
    if entry is not None:
        entry.saved = True
    return _fragment(request, "facilitate/room.html", context, block="progress" if _hx(request) else None)


@router.post("/sessions/{session_id}/state", response_class=HTMLResponse, name="facilitate.change_state")
def change_state(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    to: Annotated[str, Form(alias="state", max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Its facilitator, and leads of its trust: open, lock or close the session (closing asks first)."""
    try:
        target = SessionState(to)
    except ValueError:
        target = None
    if target == SessionState.CLOSED and confirm != "yes":
        with read_session(state.engine) as db:
            focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        return RedirectResponse(f"/facilitate/sessions/{session_id}/close", status_code=303)
    try:
        if target is None or target == SessionState.DRAFT:
            raise Invalid("state", "choose Open, Lock or Close")
        with write_session(state.engine) as db:
            focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
            focus_sessions.change_state(db, actor=staff, focus=focus, to=target)
    except (Conflict, Invalid) as error:
        with read_session(state.engine) as db:
            context = _room_context(db, state, staff, session_id)
        context["room_error"] = error.message if isinstance(error, Invalid) else error.detail
        return _fragment(request, "facilitate/room.html", context, block=None, status=error.status)
    return RedirectResponse(f"/facilitate/sessions/{session_id}", status_code=303)


@router.get("/sessions/{session_id}/close", response_class=HTMLResponse, name="facilitate.confirm_close")
def confirm_close(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: ask before closing, which cannot be undone."""
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        progress = responses.progress(db, session_id=session_id)
    return render(request, "facilitate/close.html", focus=focus, progress=progress)


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
    return RedirectResponse(f"/facilitate/sessions/{session_id}#statements", status_code=303)


@router.post(
    "/sessions/{session_id}/consensus", response_class=HTMLResponse, name="facilitate.record_consensus"
)
def record_consensus(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    item: Annotated[str, Form(max_length=60)] = "",
    rating: Annotated[str, Form(max_length=10)] = "",
    notes: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    """Its facilitator, and leads of its trust: save the group's agreed rating and evidence for a statement.
    With ``HX-Request``, the answer is only that statement's block."""
    errors: dict[str, str] = {}
    consensus_in: ConsensusIn | None = None
    if rating not in ("", "1", "2", "3", "4", "5"):
        errors["rating"] = "Choose an agreed rating from 1 to 5, or Not agreed."
    else:
        try:
            consensus_in = ConsensusIn(item=item, rating=int(rating) if rating else None, notes=notes)
        except ValidationError as error:
            errors = field_errors(error, CONSENSUS_NOUNS)
    if consensus_in is not None:
        with write_session(state.engine) as db:
            focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
            items = responses.session_items(state.framework, state.surveys, focus)
            consensus.record_consensus(db, actor=staff, focus=focus, items=items, consensus_in=consensus_in)
    with read_session(state.engine) as db:
        context = _room_context(db, state, staff, session_id)
    entry = _entry(context, item)
    if entry is None:
        raise Invalid("item", f"'{item}' is not a statement of this session")
    if errors:
        entry.errors = {
            key if key in ("rating", "notes") else "rating": value for key, value in errors.items()
        }
        entry.form = {"rating": rating, "notes": notes}
        block = "statement" if _hx(request) else None
        return _fragment(
            request, "facilitate/room.html", {**context, "entry": entry}, block=block, status=422
        )
    if _hx(request):
        entry.saved = True
        return _fragment(request, "facilitate/room.html", {**context, "entry": entry}, block="statement")
    return RedirectResponse(f"/facilitate/sessions/{session_id}?saved={item}#{entry.anchor}", status_code=303)


# --- the room screen -------------------------------------------------------------------------------------


def join_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/join?code={code}"


def qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG (no style attributes, so the page's CSP allows it)."""
    return str(
        segno.make(url, error="m").svg_inline(
            omitsize=True, light="#fff", dark="#000", svgclass="qr-code", lineclass=None, title=None
        )
    )


@router.get("/sessions/{session_id}/screen", response_class=HTMLResponse, name="facilitate.room_screen")
def room_screen(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: the screen to project, with the code, a QR code and how
    many have joined. With ``HX-Request``, only the part that changes."""
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        progress = responses.progress(db, session_id=session_id)
    code = focus.join_code if focus.state != SessionState.CLOSED else None
    url = join_url(request, code) if code else ""
    context = {
        "focus": focus,
        "progress": progress,
        "code": code,
        "spaced_code": spaced_code(code) if code else "",
        "join_url": url,
        "join_address": f"{str(request.base_url).rstrip('/')}/join",
        "qr": qr_svg(url) if code and focus.state == SessionState.OPEN else "",
        "state_label": STATE_WORDS[focus.state][0],
        "viewpoint_label": state.framework.viewpoint(focus.viewpoint).label,
    }
    return _fragment(request, "facilitate/screen.html", context, block="screen" if _hx(request) else None)


# --- paper questionnaires --------------------------------------------------------------------------------


def _paper_page(
    request: Request,
    state: AppState,
    staff: Staff,
    session_id: int,
    *,
    chosen: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = responses.session_items(state.framework, state.surveys, focus)
        progress = responses.progress(db, session_id=session_id)
    sections = [
        (state.framework.arc(arc).title, arc, [i for i in items if i.code.startswith(f"{arc}.")])
        for arc in focus.arc_keys
    ]
    return render(
        request,
        "facilitate/paper.html",
        focus=focus,
        sections=sections,
        scale=state.framework.scale,
        child=focus.viewpoint == CHILD_VIEWPOINT,
        chosen=chosen or {},
        error=error,
        added=request.query_params.get("added") == "1",
        progress=progress,
        anchor_of=anchor_of,
        status=status,
    )


@router.get("/sessions/{session_id}/paper", response_class=HTMLResponse, name="facilitate.paper_form")
def paper_form(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: a form to type in one paper questionnaire."""
    return _paper_page(request, state, staff, session_id)


def _save_paper(state: AppState, staff: Staff, session_id: int, chosen: Mapping[str, str]) -> None:
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = responses.session_items(state.framework, state.surveys, focus)
        ratings: dict[str, PaperRating] = {}
        for code, value in chosen.items():
            if value not in PAPER_VALUES:
                raise Invalid(
                    f"rating-{code}", "choose 1 to 5, don't know, not applicable, or leave it blank"
                )
            ratings[code] = value  # type: ignore[assignment]
        consensus.record_paper(db, actor=staff, focus=focus, items=items, ratings=ratings)


@router.post("/sessions/{session_id}/paper", response_class=HTMLResponse, name="facilitate.add_paper")
async def add_paper(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: save one paper questionnaire as a submitted, anonymous
    participant; then the form again, empty, for the next one."""
    form = await request.form()
    chosen = {
        str(name).removeprefix("rating-"): str(value)
        for name, value in form.multi_items()
        if str(name).startswith("rating-") and isinstance(value, str) and value
    }
    try:
        await run_in_threadpool(_save_paper, state, staff, session_id, chosen)
    except (Invalid, Conflict) as error:
        message = error.message if isinstance(error, Invalid) else error.detail
        message = message[0].upper() + message[1:]
        status = error.status
        return await run_in_threadpool(
            lambda: _paper_page(
                request, state, staff, session_id, chosen=chosen, error=message, status=status
            )
        )
    return RedirectResponse(f"/facilitate/sessions/{session_id}/paper?added=1", status_code=303)
