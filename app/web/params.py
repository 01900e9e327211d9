"""Path parameters shared by routes. Ids are bounded by the database's integer columns, so an absurd id is a
clear 422 rather than an overflow deep in the database driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path, Request

from app.errors import Invalid

MAX_ID = 2_147_483_647  # PostgreSQL's integer; SQLite's is wider

TrustId = Annotated[int, Path(ge=1, le=MAX_ID, description="A trust's id")]
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="A round's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A staff account's id")]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="A focus-group session's id")]
TargetId = Annotated[int, Path(ge=1, le=MAX_ID, description="A target's id")]
ActionId = Annotated[int, Path(ge=1, le=MAX_ID, description="An action's id")]
SupportNeedId = Annotated[int, Path(ge=1, le=MAX_ID, description="A support need's id")]


def known_query(*names: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing query parameters the route does not take, so a mistyped one (``?baseine=3``)
    is a clear 422 rather than silently ignored."""

    async def check(request: Request) -> None:  # async: no thread-pool hop for a check this small
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            allowed = ", ".join(names) or "none"
            raise Invalid(f"query.{unknown[0]}", f"is not a parameter of this request (it takes: {allowed})")

    return check
