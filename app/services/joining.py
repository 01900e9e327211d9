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

from sqlmodel import Session

from app.db.engine import write_session
from app.errors import Conflict, NotFound, TooManyRequests
from app.services.runtime import Runtime
from app.store.participants import SESSION_FINISHED, Joined, code_was_retired, find_live_session, join
from app.store.throttle import Throttle

WRONG_CODE = "No session has that code. Check the code on the screen and try again."


@dataclass(frozen=True)
class JoinThrottles:
    per_device: Throttle
    per_network: Throttle

    @classmethod
    def of(cls, runtime: Runtime) -> JoinThrottles:
        settings = runtime.settings
        window = timedelta(seconds=settings.join_failure_window_seconds)
        return cls(
            Throttle("join-device", settings.join_failure_limit, window),
            Throttle("join-network", settings.join_network_failure_limit, window),
        )


def join_by_code(runtime: Runtime, *, code: str, network: str, device: str) -> Joined:
    """A new participant in the open session with this code, joining from the `network` address and a
    `device` (the browser's own random cookie, or "-").

    :raises TooManyRequests: after too many wrong codes from this device or network;
    :raises NotFound: for a wrong code; :raises Conflict: for a session that is not open.
    """
    throttles = JoinThrottles.of(runtime)
    device_key = throttles.per_device.key_for(runtime.secret_key, f"{network}|{device}")
    network_key = throttles.per_network.key_for(runtime.secret_key, network)
    with write_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttles, device_key, network_key)
        focus = find_live_session(db, code=code)
        if focus is not None:
            return join(db, focus=focus)
        if code_was_retired(db, code=code):
            raise Conflict(SESSION_FINISHED)
        throttles.per_device.record_failure(db, key=device_key)
        throttles.per_network.record_failure(db, key=network_key)
    with write_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttles, device_key, network_key)
    raise NotFound(WRONG_CODE)


def _refuse_if_throttled(db: Session, throttles: JoinThrottles, device_key: str, network_key: str) -> None:
    waits = [
        throttles.per_device.retry_after(db, key=device_key),
        throttles.per_network.retry_after(db, key=network_key),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests(
            "Too many wrong codes from this device. Wait a few minutes, then check the code with the person "
            "running the group.",
            retry_after=wait,
        )
