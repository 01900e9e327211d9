"""Liveness and readiness: the service answers, and so does its database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine

from app.db.engine import database_answers
from app.web.state import AppState, get_state

router = APIRouter(tags=["health"])
SQLITE_PROBE_TIMEOUT_S = 1.0


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is not answering"}},
)
def healthz(state: Annotated[AppState, Depends(get_state)]) -> JSONResponse:
    if database_answers(state.engine) and sqlite_file_answers(state.engine):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "detail": "the database is not answering"}, status_code=503)


def sqlite_file_answers(engine: Engine) -> bool:
    """On SQLite, whether the database file can be opened afresh and read; True for other databases.

    A pooled SQLite connection keeps its file open after the file has gone (renamed, deleted, its disk
    unmounted), so ``SELECT 1`` on it still succeeds while every new connection, and the next start, fail.
    The probe opens the file read-write without ever creating it, and reads its schema.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or engine.url.query.get("uri"):
        return True  # not SQLite, in memory, or a URI filename we leave to SQLite itself
    uri = f"{Path(path).resolve().as_uri()}?mode=rw"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=SQLITE_PROBE_TIMEOUT_S)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return False
    return True
