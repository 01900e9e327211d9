"""Typing in a paper questionnaire (/facilitate/sessions/{id}/paper): each paper becomes one anonymous
participant who has finished, and the form comes back empty for the next.

Its router is included by `app.routes.pages.facilitate`, under the /facilitate prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.db.engine import read_session, write_session
from app.db.tables import FocusSession
from app.errors import Conflict, Invalid
from app.identity import Staff
from app.routes.pages.room import anchor_of
from app.schemas.responses import Progress
from app.schemas.sessions import PaperRating
from app.store import consensus, focus_sessions, participants
from app.web.auth import StaffUser
from app.web.pages import PageRoute, redirect_to, render_page
from app.web.params import SessionId
from app.web.state import AppState, State
from framework.model import ScalePoint
from surveys import CHILD_VIEWPOINT, Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PAPER_VALUES: tuple[PaperRating, ...] = ("1", "2", "3", "4", "5", "dk", "na")


@dataclass(frozen=True)
class PaperItem:
    item: Item
    anchor: str  # the start of its options' ids


@dataclass(frozen=True)
class PaperSection:
    title: str
    arc: str
    items: list[PaperItem]


@dataclass(frozen=True)
class PaperPage:
    focus: FocusSession
    sections: list[PaperSection]
    scale: list[ScalePoint]
    child: bool
    chosen: Mapping[str, str]  # statement code -> the option chosen, when shown again
    error: str | None
    added: bool  # a paper was saved just before
    progress: Progress


@router.get("/sessions/{session_id}/paper", response_class=HTMLResponse, name="facilitate.paper_form")
def paper_form(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: a form to type in one paper questionnaire."""
    return _paper_page(request, state, staff, session_id)


@router.post("/sessions/{session_id}/paper", response_class=HTMLResponse, name="facilitate.add_paper")
async def add_paper(session_id: SessionId, request: Request, staff: StaffUser, state: State) -> Response:
    """Its facilitator, and leads of its trust: save one paper questionnaire as a submitted, anonymous
    participant; then the form again, empty, for the next one.

    One field per statement (``rating-<code>``), so the form is read here rather than into one model.
    """
    chosen = _chosen(await request.form())
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
    return redirect_to(request, "facilitate.paper_form", session_id=session_id, query={"added": 1})


def _chosen(form: FormData) -> dict[str, str]:
    """Statement code -> the option chosen, for the statements not left blank."""
    return {
        str(name).removeprefix("rating-"): value
        for name, value in form.multi_items()
        if str(name).startswith("rating-") and isinstance(value, str) and value
    }


def _save_paper(state: AppState, staff: Staff, session_id: int, chosen: Mapping[str, str]) -> None:
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        items = participants.session_items(state.framework, state.surveys, focus)
        ratings: dict[str, PaperRating] = {}
        for code, value in chosen.items():
            if value not in PAPER_VALUES:
                raise Invalid(
                    f"rating-{code}", "choose 1 to 5, don't know, not applicable, or leave it blank"
                )
            ratings[code] = value
        consensus.record_paper(db, actor=staff, focus=focus, items=items, ratings=ratings)


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
        items = participants.session_items(state.framework, state.surveys, focus)
        progress = participants.progress(
            db, session_id=session_id, active_within=state.settings.active_window
        )
    sections = [
        PaperSection(
            title=state.framework.arc(arc).title,
            arc=arc,
            items=[
                PaperItem(item, anchor_of(item.code)) for item in items if item.code.startswith(f"{arc}.")
            ],
        )
        for arc in focus.arc_keys
    ]
    page = PaperPage(
        focus=focus,
        sections=sections,
        scale=state.framework.scale,
        child=focus.viewpoint == CHILD_VIEWPOINT,
        chosen=chosen or {},
        error=error,
        added=request.query_params.get("added") == "1",
        progress=progress,
    )
    return render_page(request, "facilitate/paper.html", page, status=status)
