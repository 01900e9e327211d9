"""Path parameters shared by routes. Ids are bounded by the database's integer columns, so an absurd id is a
clear 422 rather than an overflow deep in the database driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2_147_483_647  # PostgreSQL's integer; SQLite's is wider

TrustId = Annotated[int, Path(ge=1, le=MAX_ID, description="A trust's id")]
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="A round's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A staff account's id")]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="A focus-group session's id")]
