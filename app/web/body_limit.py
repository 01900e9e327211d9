"""A limit on request bodies, enforced before anything reads them.

A body larger than its route's limit is refused with 413: at once when its ``Content-Length`` says so, and
otherwise (a chunked body, or a ``Content-Length`` that lies) as soon as the bytes received pass the limit,
so the app never holds more than the limit of one request in memory. Every route takes
``RAINBOW_MAX_BODY_BYTES`` (1 MB); the CSV import takes ``RAINBOW_MAX_IMPORT_BYTES`` (5 MB).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths with a limit of their own: the CSV import of answers.
IMPORT_PATH = re.compile(r"/api/rounds/[^/]+/answers/import")


@dataclass(frozen=True)
class BodyLimit:
    default: int
    #: (path pattern, limit) pairs, the first that matches the whole path wins.
    special: Sequence[tuple[re.Pattern[str], int]] = ()

    def for_path(self, path: str) -> int:
        for pattern, limit in self.special:
            if pattern.fullmatch(path):
                return limit
        return self.default


def too_large_message(limit: int) -> str:
    return (
        f"The request body is too large: this address takes at most {_size(limit)} ({limit:,} bytes). "
        "Send less, or split it."
    )


def _size(limit: int) -> str:
    if limit >= 1_000_000:
        return f"{limit / 1_000_000:g} MB"
    return f"{limit / 1000:g} kB"


class BodyTooLarge(HTTPException):
    """Raised from the body stream; FastAPI lets an HTTPException out of its body reading unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimit) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Read outside a route (where the error pages would have answered it): answer it here.
            if started:
                raise
            await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_message(limit)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
