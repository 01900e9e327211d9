"""A live room's progress, as its page polls it (``GET /facilitate/sessions/{id}`` with ``HX-Request``, every
3 s): who joined, is answering, submitted or left, and the answers so far. The poll reads only the session
(to check who asks) and its counts; the block is rendered once per distinct set of counts in this process,
and a page that shows them already gets 204 (`app.web.fragments`).

No router of its own: `app.routes.pages.room` answers its polls with `progress_poll`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db.engine import read_session
from app.identity import Staff
from app.schemas.responses import Progress
from app.store import room_versions
from app.web.fragments import Key, answer_poll
from app.web.pages import render_page
from app.web.state import AppState


def active_for(seconds: int) -> str:
    """RAINBOW_ACTIVE_SECONDS in words: 120 -> "2 minutes", 90 -> "90 seconds"."""
    if seconds % 60:
        return f"{seconds} seconds"
    return "1 minute" if seconds == 60 else f"{seconds // 60} minutes"


@dataclass(frozen=True)
class ProgressBlock:
    """What the room page's progress block shows: all a poll of it renders."""

    progress: Progress
    active_for: str
    poll_version: str


def progress_poll(request: Request, staff: Staff, state: AppState, session_id: int) -> Response:
    """The room's progress block for a poll; 204 when the page shows these counts already."""
    with read_session(state.engine) as db:
        progress = _polled_progress(db, staff, state, session_id)
    words = active_for(state.settings.active_seconds)
    key = progress_key(progress, state)

    def render(version: str) -> Response:
        block = ProgressBlock(progress=progress, active_for=words, poll_version=version)
        return render_page(request, "facilitate/room.html", block, htmx_block="progress")

    return answer_poll(request, state.fragments, key, render=render, key_now=lambda: key)


def _polled_progress(db: Session, staff: Staff, state: AppState, session_id: int) -> Progress:
    window = state.settings.active_window
    return room_versions.progress_state(db, staff=staff, session_id=session_id, active_within=window)


def progress_key(progress: Progress, state: AppState) -> Key:
    """The progress block's key: all it is rendered from."""
    words = active_for(state.settings.active_seconds)
    return ("progress", words, tuple(progress.model_dump().items()))
