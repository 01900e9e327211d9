"""The room screen of a focus group (/facilitate/sessions/{id}/screen), to project. Before the reveal: the
join code, a QR code that opens the join page with the code filled in, and how many have joined and
finished. After it, the statement the facilitator has on screen (the children's wording for a child group),
the room's answers to it as a large chart on the group's own scale, "too few answers to show" where the rules
of disclosure (`app.services.disclosure.room`) hide them, and the agreed rating once recorded.

Which statement is on screen is kept in the database (`FocusSession.screen_position`): the facilitator's
Previous and Next post here, and the screen polls its own URL with ``HX-Request`` every second, getting only
the part that changes (or 204 when nothing has: `app.web.fragments`), so it follows the facilitator whichever
app process answers. Its router is included by `app.routes.pages.facilitate`, under the /facilitate prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.choices import SessionState
from app.db.engine import read_session, write_session
from app.db.tables import Consensus, FocusSession
from app.identity import Staff
from app.routes.pages.room import room_context, scale_words, spaced_code
from app.schemas.responses import Progress
from app.services.disclosure.room import RoomStatement, recorded_room_results, room_results
from app.store import consensus, focus_sessions, participants, room_versions
from app.store.focus_sessions import PolledSession
from app.web.auth import StaffUser
from app.web.fragments import Key, answer_poll
from app.web.pages import PageRoute, is_htmx, redirect_to, render_page
from app.web.params import SessionId
from app.web.state import AppState, State
from surveys import CHILD_VIEWPOINT, Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)
MOVES = {"next": 1, "previous": -1}


@dataclass(frozen=True)
class Bar:
    """One answer of the chart: its words, how many gave it, and its share of those answering."""

    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class OnScreen:
    """The statement on the screen after the reveal, as the room may see it."""

    number: int  # 1-based
    total: int
    arc_key: str
    arc_title: str
    text: str  # the children's wording for a child group
    bars: list[Bar]  # empty when the room may not see its answers
    answered: int | None
    hidden_because: str | None  # why the answers are not shown, when they are not
    agreed: str | None  # the rating and its words, or "Not agreed"; once recorded, beside answers shown


@dataclass(frozen=True)
class ScreenPage:
    focus: FocusSession
    progress: Progress
    code: str | None  # None once the session has closed
    spaced_code: str
    join_url: str  # the join page with the code filled in
    join_address: str  # the join page, to type in
    qr: str  # an inline SVG of `join_url`, while the session is open
    statement: OnScreen | None = None  # after the reveal, while the session is open or locked
    poll_version: str = ""  # the fragment's version, which its next poll sends back (app.web.fragments)


def join_address(request: Request) -> str:
    """The join page's absolute URL, as the request reached this site."""
    return str(request.url_for("respond.join_page"))


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG (no style attributes, so the page's CSP allows it); kept, as
    encoding one takes milliseconds and a screen asks for the same one every poll."""
    return str(
        segno.make(url, error="m").svg_inline(
            omitsize=True, light="#fff", dark="#000", svgclass="qr-code", lineclass=None, title=None
        )
    )


@router.get("/sessions/{session_id}/screen", response_class=HTMLResponse, name="facilitate.room_screen")
def room_screen(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: the screen to project (the code, a QR code and who has
    joined; after the reveal, the statement on screen). With ``HX-Request``, only the part that changes: 204
    when the screen shows it already (`app.web.fragments`)."""
    if not is_htmx(request):
        return _screen(request, staff, state, session_id, version="")

    def key_now() -> Key:
        with read_session(state.engine) as db:
            return screen_poll_key(db, request, staff, session_id)

    return answer_poll(
        request,
        state.fragments,
        key_now(),
        render=lambda version: _screen(request, staff, state, session_id, version=version),
        key_now=key_now,
    )


def screen_poll_key(db: Session, request: Request, staff: Staff, session_id: int) -> Key:
    """Everything the screen's fragment is decided from, as `staff` polls it (`screen_key`).

    :raises NotFound: unknown, in another trust, or another facilitator's; :raises Forbidden: viewers.
    """
    now = room_versions.screen_state(db, staff=staff, session_id=session_id)
    return screen_key(now, str(request.base_url))


def screen_key(now: room_versions.ScreenState, base_url: str) -> Key:
    """The screen fragment's key: the session's row, who joined and, after the reveal, the signatures of the
    room's answers, of the figures it saw last and of its agreed ratings (never what it may see of them), and
    the address the join link is drawn with."""
    focus = now.session
    return (
        "screen",
        focus.id,
        base_url,
        str(focus.state),
        focus.title,
        focus.join_code,
        focus.viewpoint,
        focus.arcs,
        focus.results_revealed,
        focus.screen_position,
        now.joined,
        now.submitted,
        now.room if _revealed(focus) else (),
    )


def _screen(request: Request, staff: Staff, state: AppState, session_id: int, *, version: str) -> Response:
    """The screen (its fragment alone for htmx), read and rendered, with the fragment's `version`."""
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        progress = participants.progress(
            db, session_id=session_id, active_within=state.settings.active_window
        )
        statement = _on_screen(db, state, staff, focus, record=False)
    if statement is None and _revealed(focus):  # a figure the room sees for the first time: into the ledger
        with write_session(state.engine) as db:
            focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
            statement = _on_screen(db, state, staff, focus, record=True)
    code = focus.join_code if focus.state != SessionState.CLOSED else None
    address = join_address(request)
    url = f"{address}?code={code}" if code else ""
    shows_qr = statement is None and code is not None and focus.state == SessionState.OPEN
    page = ScreenPage(
        focus=focus,
        progress=progress,
        code=code,
        spaced_code=spaced_code(code) if code else "",
        join_url=url,
        join_address=address,
        qr=qr_svg(url) if shows_qr else "",
        statement=statement,
        poll_version=version,
    )
    return render_page(request, "facilitate/screen.html", page, htmx_block="screen")


@router.post("/sessions/{session_id}/screen", response_class=HTMLResponse, name="facilitate.move_screen")
def move_screen(
    session_id: SessionId,
    request: Request,
    staff: StaffUser,
    state: State,
    to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Its facilitator, and leads of its trust: put the next, previous or a numbered statement on the room
    screen. With ``HX-Request``, the answer is the room's "on the screen" block (and what is wrong)."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        total = len(participants.session_items(state.framework, state.surveys, focus))
        target = _target(to, focus.screen_position, total)
        if target is not None:
            focus_sessions.move_screen(db, focus=focus, to=target, statements=total)
    error = None if target is not None else f"Choose Previous, Next or a statement from 1 to {total}."
    if target is not None and not is_htmx(request):
        return redirect_to(request, "facilitate.room_page", session_id=session_id, fragment="onscreen")
    with write_session(state.engine) as db:
        page = replace(room_context(db, state, staff, session_id), screen_error=error)
    return render_page(
        request, "facilitate/room.html", page, status=200 if error is None else 422, htmx_block="onscreen"
    )


def _target(to: str, position: int, total: int) -> int | None:
    """The position `to` asks for ("next", "previous" or a statement's number), or None when it is none."""
    if to in MOVES:
        return position + MOVES[to]
    if to.isdigit() and 1 <= int(to) <= total:
        return int(to) - 1
    return None


def _revealed(focus: FocusSession | PolledSession) -> bool:
    return focus.results_revealed and focus.state in (SessionState.OPEN, SessionState.LOCKED)


def _on_screen(
    db: Session, state: AppState, staff: Staff, focus: FocusSession, *, record: bool
) -> OnScreen | None:
    """The statement on screen as the room may see it; None before the reveal, or (when not `record`) when
    the room would newly see a figure, which only a writing transaction may record."""
    if not _revealed(focus):
        return None
    items = participants.session_items(state.framework, state.surveys, focus)
    k = state.settings.min_group_size
    if record:
        results: list[RoomStatement] | None = room_results(db, actor=staff, focus=focus, items=items, k=k)
    else:
        results = recorded_room_results(db, focus=focus, items=items, k=k)
    if results is None or not items:
        return None
    position = max(0, min(focus.screen_position, len(items) - 1))
    item, figures = items[position], results[position]
    assert focus.id is not None
    agreed = consensus.consensus_of(db, session_id=focus.id).get(item.code)
    return replace(_statement(state, focus, item, figures, agreed), number=position + 1, total=len(items))


def _statement(
    state: AppState, focus: FocusSession, item: Item, figures: RoomStatement, agreed: Consensus | None
) -> OnScreen:
    """The statement on screen (numbered by the caller): an agreed rating shows only beside answers shown,
    as the rules of disclosure keep a small group's agreed rating back."""
    child = focus.viewpoint == CHILD_VIEWPOINT
    words = scale_words(state.framework.scale, child=child)
    shown = not figures.suppressed
    said = None
    if agreed is not None and shown:
        said = (
            "Not agreed" if agreed.rating is None else f"{agreed.rating} \N{EN DASH} {words[agreed.rating]}"
        )
    return OnScreen(
        number=0,
        total=0,
        arc_key=item.arc,
        arc_title=state.framework.arc(item.arc).title,
        text=(item.child_text or item.text) if child else item.text,
        bars=_bars(figures, words, child=child) if shown else [],
        answered=figures.n if shown else None,
        hidden_because=None if shown else (figures.hidden_because or "too few answers"),
        agreed=said,
    )


def _bars(figures: RoomStatement, words: dict[int, str], *, child: bool) -> list[Bar]:
    assert figures.counts is not None
    bars = [Bar(words[value], figures.counts[str(value)], figures.share(str(value))) for value in words]
    bars.append(Bar("Don\N{RIGHT SINGLE QUOTATION MARK}t know", figures.dk or 0, figures.share("dk")))
    if not child:
        bars.append(Bar("Not applicable", figures.na or 0, figures.share("na")))
    return bars
