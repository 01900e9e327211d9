"""Joining a session by its code, with the join-code throttle.

Wrong codes are counted per device (the browser's own cookie, with its network address) and per network
address. A device with 10 wrong codes in 5 minutes gets 429, and so does every device of an address with 100:
35 tablets behind one school's address are not blocked because one child mistyped, while someone guessing
codes is stopped whether or not they keep cookies. Right codes are never counted. These buckets are the
join flow's own: sign-in failures never touch them, nor they sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from app.db.engine import write_session
from app.errors import NotFound, TooManyRequests
from app.store.participants import Joined, find_live_session, join
from app.store.throttle import Throttle
from app.web.csrf import CSRF_COOKIE
from app.web.state import AppState

WRONG_CODE = "No session has that code. Check the code on the screen and try again."


@dataclass(frozen=True)
class JoinThrottles:
    per_device: Throttle
    per_network: Throttle

    @classmethod
    def for_state(cls, state: AppState) -> JoinThrottles:
        window = timedelta(seconds=state.settings.join_failure_window_seconds)
        return cls(
            Throttle("join-device", state.settings.join_failure_limit, window),
            Throttle("join-network", state.settings.join_network_failure_limit, window),
        )


def join_by_code(state: AppState, request: Request, *, code: str) -> Joined:
    """A new participant in the open session with this code.

    :raises TooManyRequests: after too many wrong codes from this device or network;
    :raises NotFound: for a wrong code; :raises Conflict: for a session that is not open.
    """
    throttles = JoinThrottles.for_state(state)
    address = request.client.host if request.client else "unknown"
    device = f"{address}|{request.cookies.get(CSRF_COOKIE, '-')}"
    device_key = throttles.per_device.key_for(state.secret_key, device)
    network_key = throttles.per_network.key_for(state.secret_key, address)
    with write_session(state.engine) as db:
        _refuse_if_throttled(db, throttles, device_key, network_key)
        focus = find_live_session(db, code=code)
        if focus is not None:
            return join(db, focus=focus)
        throttles.per_device.record_failure(db, key=device_key)
        throttles.per_network.record_failure(db, key=network_key)
    with write_session(state.engine) as db:
        _refuse_if_throttled(db, throttles, device_key, network_key)
    raise NotFound(WRONG_CODE)


def _refuse_if_throttled(db, throttles: JoinThrottles, device_key: str, network_key: str) -> None:  # type: ignore[no-untyped-def]
    waits = [
        throttles.per_device.retry_after(db, key=device_key),
        throttles.per_network.retry_after(db, key=network_key),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests(
            "Too many wrong codes from this device. Wait a few minutes, then check the code with your "
            "facilitator.",
            retry_after=wait,
        )
