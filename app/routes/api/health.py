"""Liveness and readiness: the service answers, and so does its database."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.db.engine import database_ready
from app.web.state import State

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is not answering"}},
)
def healthz(state: State) -> JSONResponse:
    if database_ready(state.engine):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "detail": "the database is not answering"}, status_code=503)
