"""Joining a focus group, and handing a shared tablet on: ``/join`` takes the code on the facilitator's screen
(or the QR code fills it in) and gives the browser a participant cookie; "Finish and hand on" (and an idle
page, after ``respondent_idle_seconds``) clears the cookie and the browser's data for the next person.

Its router is included by `app.routes.pages.respond`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.errors import Conflict, NotFound, TooManyRequests
from app.routes.pages.respondent import forget_participant
from app.services.joining import join_by_code
from app.store import participants
from app.web.auth import PARTICIPANT_COOKIE
from app.web.csrf import join_origin
from app.web.pages import PageRoute, redirect_to, render_page
from app.web.state import AppState, State

router = APIRouter(include_in_schema=False, route_class=PageRoute)
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


@dataclass(frozen=True)
class JoinPage:
    code: str  # as typed, or from the QR code's ?code=
    error: str | None


@router.get("/join", response_class=HTMLResponse, name="respond.join_page")
def join_page(request: Request, code: Annotated[str, Query(max_length=40)] = "") -> Response:
    """Anyone: the code field (filled in from ?code=, e.g. a QR code) and a Join button."""
    return render_page(request, "respond/join.html", JoinPage(code=code.strip().upper(), error=None))


@router.post("/join", response_class=HTMLResponse, name="respond.join")
def join(request: Request, state: State, code: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Anyone with the code of an open session: a participant cookie, then the questions."""
    if not code.strip():
        page = JoinPage(code="", error="Enter the code on the screen.")
        return render_page(request, "respond/join.html", page, status=422)
    if _already_in(state, request.cookies.get(PARTICIPANT_COOKIE), code[:40]):
        return redirect_to(request, "respond.privacy")  # the same person again, not one more
    try:
        joined = join_by_code(state.runtime, code=code[:40], **join_origin(request))
    except (NotFound, Conflict, TooManyRequests) as error:
        page = JoinPage(code=code.strip().upper()[:40], error=error.detail)
        response = render_page(request, "respond/join.html", page, status=error.status)
        response.headers.update(error.headers)
        return response
    response = redirect_to(request, "respond.privacy")
    response.set_cookie(
        PARTICIPANT_COOKIE, joined.token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


@router.post("/respond/finish", name="respond.finish")
def finish(request: Request, state: State) -> Response:
    """Anyone: forget this browser's participant (answers stay saved) and start again for the next person."""
    return _hand_on(request, state)


@router.get("/respond/idle", name="respond.idle")
def idle(request: Request, state: State) -> Response:
    """Anyone (a respondent page left untouched): as Finish and hand on, so an idle tablet starts again."""
    return _hand_on(request, state)


def _already_in(state: AppState, token: str | None, code: str) -> bool:
    """Whether this browser's participant is already in the session with `code`, still answering."""
    if not token:
        return False
    with read_session(state.engine) as db:
        focus = participants.find_live_session(db, code=code)
        live = focus is not None and focus.state in (SessionState.OPEN, SessionState.LOCKED)
        return live and focus is not None and participants.still_here(db, token=token, session_id=focus.id)


def _hand_on(request: Request, state: AppState) -> Response:
    """Back to the join page (with the session's code while it takes people), the participant forgotten:
    unless they had submitted, they left without submitting (their saved answers stay)."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if token:
        with write_session(state.engine) as db:
            participants.leave(db, token=token, at=utcnow())
    with read_session(state.engine) as db:
        focus = participants.session_of_token(db, token=token)
        code = focus.join_code if focus is not None and focus.state != SessionState.CLOSED else None
    response = redirect_to(request, "respond.join_page", query={"code": code} if code else None)
    forget_participant(response, request)
    if request.headers.get("Outbox") != "keep":
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    # Else the tablet's outbox asked (static/js/outbox.js): it still holds answers to send, and the blank
    # questionnaire for the next person, so only the participant cookie goes.
    return response
