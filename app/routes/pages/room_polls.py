"""A room's polls answered before routing, when nothing needs drawing.

A projector's room screen polls every second and a facilitator's room page every three; on a national day
that is hundreds of polls a second, nearly all of them finding that nothing has changed. Through the whole
app (its middleware, its router, FastAPI's dependencies, a hop to a worker thread) a poll costs several
times the work of answering it.

So this middleware, just inside the security headers, takes a poll of either fragment (``GET`` with
``HX-Request`` of ``/facilitate/sessions/{id}`` or ``/facilitate/sessions/{id}/screen``). It needs who asks
and the fragment's key, checked as the routes check who may run the room (`read_pollers`). The watch of the
polled rooms (`app.web.room_watch`) holds both for the pollers of this process, read for all of them at once
at most every RAINBOW_ROOM_WATCH_SECONDS; a poller it does not hold is read at its poll, in one read
transaction. With them it answers through `app.web.fragments.cached_answer`: 204 when the page shows that
version, or the bytes this process drew for the key.

A poll's own read, on a SQLite file, runs on the event loop through a connection of its own
(`app.db.engine.create_loop_reader`): such a read never waits for a writer and costs less than the hop to a
worker thread, which a PostgreSQL read, crossing the network, takes.

Anything else (a version not drawn in this process, nobody signed in, a second factor to set up, a session
that is not theirs, a database that fails) goes on to the route, which answers it as it always does: this is
a shortcut, never the authority on who may see what or on how an error looks.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import partial

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db.engine import read_session
from app.errors import AppError
from app.routes.pages.room_progress import progress_key
from app.routes.pages.room_screen import screen_key
from app.store import room_versions
from app.web.auth import credential_of, second_factor_missing, staff_of_credentials
from app.web.fragments import Key, cached_answer
from app.web.pages import is_htmx
from app.web.room_watch import Poller, Watched
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
            answer = await unchanged_poll(request, state, int(polled[1]), screen=polled[2] is not None)
        if answer is None:
            await self.app(scope, receive, send)
        else:
            await answer(scope, receive, send)


async def unchanged_poll(
    request: Request, state: AppState, session_id: int, *, screen: bool
) -> Response | None:
    """The answer to a poll of the room's screen (`screen`) or progress if it needs no drawing, else None."""
    credential = credential_of(request, state)
    if credential is None:
        return None
    poller = Poller(credential, session_id, screen, str(request.base_url))
    watch = state.room_watch
    watched = await _from_watch(state, poller) if watch.enabled else None
    if watched is None:
        generation, read_at = watch.generation, watch.clock()
        if state.loop_reader is not None:  # a read of SQLite in WAL mode: quicker than a hop to a thread
            watched = _read_poller(state, poller, on_loop=True)
        else:
            watched = await run_in_threadpool(_read_poller, state, poller)
        if watched is None:
            return None
        if watch.enabled:
            watch.put(poller, watched, read_at=read_at, generation=generation)
    if second_factor_missing(request, state, watched.staff):
        return None
    return cached_answer(request, state.fragments, watched.key)


async def _from_watch(state: AppState, poller: Poller) -> Watched | None:
    """What the watch holds of `poller`, read again with all the others first when it is too old (and
    read again for the next polls, without waiting, when it is getting old)."""
    watch, read = state.room_watch, partial(read_pollers, state)
    watched = watch.get(poller)
    if watched is not None:
        if watch.ageing(poller):
            watch.read_ahead(read)
        return watched
    if not watch.holds(poller):
        return None
    try:
        await watch.refresh(read)
    except Exception:  # the poll reads for itself, and meets the problem again or not
        return None
    return watch.get(poller)


def _read_poller(state: AppState, poller: Poller, *, on_loop: bool = False) -> Watched | None:
    try:
        return read_pollers(state, [poller], on_loop=on_loop).get(poller)
    except Exception:  # the route meets the same problem and answers it properly
        return None


def read_pollers(
    state: AppState, pollers: Collection[Poller], *, on_loop: bool = False
) -> dict[Poller, Watched]:
    """Who each poller is and its fragment's key, read in one transaction (a statement each for the
    credentials, the screens and the progress blocks), through the event loop's own connection when
    `on_loop`. A poller is left out when `app.web.auth.staff_of_credentials` leaves its credential out, or its
    room is unknown or not one they may run."""
    engine = state.loop_reader if on_loop and state.loop_reader is not None else state.engine
    with read_session(engine) as db:
        staff = staff_of_credentials(db, {poller.credential for poller in pollers}, state)
        known = [poller for poller in pollers if poller.credential in staff]
        screen_ids = {poller.session_id for poller in known if poller.screen}
        progress_ids = {poller.session_id for poller in known if not poller.screen}
        screens = room_versions.screen_states(db, session_ids=screen_ids) if screen_ids else {}
        window = state.settings.active_window
        progress = (
            room_versions.progress_states(db, session_ids=progress_ids, active_within=window)
            if progress_ids
            else {}
        )
    found: dict[Poller, Watched] = {}
    for poller in known:
        who = staff[poller.credential]
        key: Key
        try:
            if poller.screen:
                if (now := screens.get(poller.session_id)) is None:
                    continue
                now.runs.check(who)
                key = screen_key(now, poller.base_url)
            else:
                if (counted := progress.get(poller.session_id)) is None:
                    continue
                runs, counts = counted
                runs.check(who)
                key = progress_key(counts, state)
        except AppError:  # not theirs: the route refuses it
            continue
        found[poller] = Watched(who, key)
    return found
