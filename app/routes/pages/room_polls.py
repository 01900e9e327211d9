"""A room's polls answered before routing, when nothing needs drawing.

A projector's room screen polls every second and a facilitator's room page every three; on a national day
that is hundreds of polls a second, nearly all of them finding that nothing has changed. Through the whole
app (its middleware, its router, FastAPI's dependencies, a hop to a worker thread) a poll costs several
times the work of answering it.

So this middleware, just inside the security headers, takes a poll of either fragment (``GET`` with
``HX-Request`` of ``/facilitate/sessions/{id}`` or ``/facilitate/sessions/{id}/screen``). It works out who
asks and the fragment's key in one read transaction (`screen_poll_key`, `progress_poll_key`, which check
who may see the room as the routes do), and answers with `app.web.fragments.cached_answer`: 204 when the
page shows that version, or the bytes this process drew for the key. On a SQLite file it reads on the event
loop, through a connection of its own (`app.db.engine.create_loop_reader`): such a read never waits for a
writer and costs less than the hop to a worker thread, which a PostgreSQL read, crossing the network, takes.

Anything else (a version not drawn in this process, nobody signed in, a second factor to set up, a session
that is not theirs, a database that fails) goes on to the route, which answers it as it always does: this is
a shortcut, never the authority on who may see what or on how an error looks.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db.engine import read_session
from app.routes.pages.room_progress import progress_poll_key
from app.routes.pages.room_screen import screen_poll_key
from app.web.auth import second_factor_missing, staff_in
from app.web.fragments import cached_answer
from app.web.pages import is_htmx
from app.web.state import AppState

# A session's id as the routes take it (`app.web.params.SessionId`); a longer one is the route's to refuse.
_POLLED = re.compile(r"/facilitate/sessions/([1-9][0-9]{0,14})(/screen)?")


class RoomPollMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        polled = _POLLED.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if polled is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        answer = None
        if is_htmx(request):
            state: AppState = scope["app"].state.rainbow
            session_id, screen = int(polled[1]), polled[2] is not None
            if state.loop_reader is not None:  # a read of SQLite in WAL mode: quicker than a hop to a thread
                answer = unchanged_poll(request, state, session_id, screen=screen, on_loop=True)
            else:
                answer = await run_in_threadpool(unchanged_poll, request, state, session_id, screen=screen)
        if answer is None:
            await self.app(scope, receive, send)
        else:
            await answer(scope, receive, send)


def unchanged_poll(
    request: Request, state: AppState, session_id: int, *, screen: bool, on_loop: bool = False
) -> Response | None:
    """The answer to a poll of the room's screen (`screen`) or progress if it needs no drawing, else None;
    read through the event loop's own connection when `on_loop`."""
    engine = state.loop_reader if on_loop and state.loop_reader is not None else state.engine
    try:
        with read_session(engine) as db:
            staff = staff_in(db, request, state)
            if staff is None or second_factor_missing(request, state, staff):
                return None
            if screen:
                key = screen_poll_key(db, request, staff, session_id)
            else:
                key = progress_poll_key(db, staff, state, session_id)
    except Exception:  # the route meets the same problem and answers it properly
        return None
    return cached_answer(request, state.fragments, key)
