"""Asking before a focus group closes (/facilitate/sessions/{id}/close): who is still answering, polled with
``HX-Request`` while the facilitator locks the room and waits, then closing for good.

Its router is included by `app.routes.pages.facilitate`, under the /facilitate prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.db.engine import read_session
from app.db.tables import FocusSession
from app.routes.pages.room import active_for
from app.schemas.responses import Progress
from app.store import focus_sessions, participants
from app.web.auth import StaffUser
from app.web.pages import PageRoute, render_page
from app.web.params import SessionId
from app.web.state import State

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@dataclass(frozen=True)
class ClosePage:
    """Asking before closing: who is still answering (polled while the facilitator locks and waits)."""

    focus: FocusSession
    progress: Progress
    active_for: str


@router.get("/sessions/{session_id}/close", response_class=HTMLResponse, name="facilitate.confirm_close")
def confirm_close(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: ask before closing, which cannot be undone."""
    with read_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        progress = participants.progress(
            db, session_id=session_id, active_within=state.settings.active_window
        )
    page = ClosePage(focus=focus, progress=progress, active_for=active_for(state.settings.active_seconds))
    return render_page(request, "facilitate/close.html", page, htmx_block="waiting")
