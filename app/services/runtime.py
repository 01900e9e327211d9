"""What the services need of the running installation besides a database session: its settings, its secret
key and its database engine. Built once by the app factory (`app.web.state.AppState.runtime`), so services
never reach into the web layer for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from app.config import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    secret_key: bytes
    engine: Engine
