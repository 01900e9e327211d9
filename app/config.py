"""Settings: one typed class, read from ``RAINBOW_*`` environment variables (or a ``.env`` file).

Every field has a description; the README's configuration table lists every field (a test holds that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from framework.model import DEFAULT_FRAMEWORK_FILE
from surveys import DEFAULT_SURVEYS_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAINBOW_", env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///var/rainbow.db",
        description=(
            "SQLAlchemy database URL. The default is a SQLite file in ./var/ (WAL mode); use "
            "postgresql://user@host:5432/dbname for PostgreSQL (driver psycopg 3)."
        ),
    )
    sqlite_busy_timeout_ms: int = Field(
        5000,
        ge=0,
        le=120_000,
        description="How long a SQLite write waits for the lock before failing, in ms.",
    )
    framework_file: Path = Field(
        DEFAULT_FRAMEWORK_FILE, description="The framework YAML (arcs, viewpoints, scale) the service uses."
    )
    surveys_dir: Path = Field(
        DEFAULT_SURVEYS_DIR, description="Folder of questionnaire YAML files, one per arc."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level of the service and of uvicorn."
    )
    secret_key: SecretStr | None = Field(
        None,
        description=(
            "Signs cookies and CSRF tokens. Give every process of one installation the same random value; "
            "when unset, one is generated once and kept in RAINBOW_SECRET_KEY_FILE."
        ),
    )
    secret_key_file: Path = Field(
        Path("var/secret_key"),
        description="Where the generated secret key is kept when RAINBOW_SECRET_KEY is unset.",
    )
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Staff are signed out after this idle time."
    )
    session_max_hours: int = Field(
        12, ge=1, le=7 * 24, description="Staff are signed out this long after signing in."
    )
    login_failure_limit: int = Field(
        10,
        ge=1,
        le=100,
        description="Failed sign-ins per account, and per client, before sign-in answers 429.",
    )
    login_failure_window_seconds: int = Field(
        300, ge=10, le=86_400, description="The window in which failed sign-ins are counted, in seconds."
    )
    min_group_size: int = Field(
        5, ge=2, le=100, description="Figures from fewer people than this are suppressed in every output."
    )
    comment_min_group_size: int = Field(
        10,
        ge=2,
        le=1000,
        description="Free-text comments are shown only from cells with at least this many people.",
    )
    benchmark_min_trusts: int = Field(
        5,
        ge=5,
        le=1000,
        description="Trusts that must have a round in the same year before any trust sees where it sits.",
    )
    max_publications_per_day: int = Field(
        3,
        ge=1,
        le=100,
        description=(
            "How many times a trust may publish (or publish again) its rounds in any 24 hours: figures "
            "cannot then be probed by publishing, reading and deleting over and over."
        ),
    )
    join_failure_limit: int = Field(
        10, ge=1, le=1000, description="Wrong join codes per device (browser) before joining answers 429."
    )
    join_network_failure_limit: int = Field(
        100,
        ge=1,
        le=100_000,
        description="Wrong join codes per network address, from all its devices, before 429.",
    )
    join_failure_window_seconds: int = Field(
        300, ge=10, le=86_400, description="The window in which wrong join codes are counted, in seconds."
    )
    respondent_idle_seconds: int = Field(
        600,
        ge=30,
        le=86_400,
        description="A respondent's page returns to the start after this long untouched.",
    )
    offline_pass_hours: int = Field(
        12,
        ge=1,
        le=7 * 24,
        description=(
            "How long a tablet's offline join pass lasts after it joins a session: the next people on it "
            "may join offline, and its queued answers are kept, for this long (and only while the session "
            "is open or locked)."
        ),
    )
    offline_pass_participants: int = Field(
        60,
        ge=1,
        le=1000,
        description="The most people one tablet's offline join pass may bring into its session.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @model_validator(mode="after")
    def _comments_need_larger_groups(self) -> Settings:
        if self.comment_min_group_size < self.min_group_size:
            raise ValueError(
                "RAINBOW_COMMENT_MIN_GROUP_SIZE must be at least RAINBOW_MIN_GROUP_SIZE: comments say more "
                "about who wrote them than figures do"
            )
        return self
