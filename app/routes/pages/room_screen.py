"""The room screen of a focus group (/facilitate/sessions/{id}/screen), to project: the join code, a QR code
that opens the join page with the code filled in, and how many have joined.

The screen polls its own URL with ``HX-Request``, and then gets only the part that changes. Its router is
included by `app.routes.pages.facilitate`, under the /facilitate prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.choices import SessionState
from app.db.engine import read_session
from app.db.tables import FocusSession
from app.routes.pages.room import spaced_code
from app.schemas.responses import Progress
from app.store import focus_sessions, participants
from app.web.auth import StaffUser
from app.web.pages import PageRoute, render_page
from app.web.params import SessionId
from app.web.state import AppState, get_state

router = APIRouter(include_in_schema=False, route_class=PageRoute)
State = Annotated[AppState, Depends(get_state)]


@dataclass(frozen=True)
class ScreenPage:
    focus: FocusSession
    progress: Progress
    code: str | None  # None once the session has closed
    spaced_code: str
    join_url: str  # the join page with the code filled in
    join_address: str  # the join page, to type in
    qr: str  # an inline SVG of `join_url`, while the session is open


def join_address(request: Request) -> str:
    """The join page's absolute URL, as the request reached this site."""
    return str(request.url_for("respond.join_page"))


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
        progress = participants.progress(
            db, session_id=session_id, active_within=state.settings.active_window
        )
    code = focus.join_code if focus.state != SessionState.CLOSED else None
    url = f"{join_address(request)}?code={code}" if code else ""
    page = ScreenPage(
        focus=focus,
        progress=progress,
        code=code,
        spaced_code=spaced_code(code) if code else "",
        join_url=url,
        join_address=join_address(request),
        qr=qr_svg(url) if code and focus.state == SessionState.OPEN else "",
    )
    return render_page(request, "facilitate/screen.html", page, htmx_block="screen")
