"""Settings: one typed class, read from ``RAINBOW_*`` environment variables (or a ``.env`` file).

Every field has a description; the README's configuration table lists every field (a test holds that).
"""

from __future__ import annotations

from datetime import timedelta
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
        description=(
            "Failed sign-ins per account from one client address, and per client address, before sign-in "
            "answers 429; a browser that signed in to the account before is only slowed down past it."
        ),
    )
    login_slow_seconds: float = Field(
        2.0,
        ge=0,
        le=30,
        description=(
            "How long a sign-in waits before its answer once its known browser, or its account from all "
            "unknown clients, is past the failure limit."
        ),
    )
    login_failure_window_seconds: int = Field(
        300, ge=10, le=86_400, description="The window in which failed sign-ins are counted, in seconds."
    )
    max_body_bytes: int = Field(
        1_000_000,
        ge=10_000,
        le=100_000_000,
        description="The largest request body taken (the CSV import has its own limit); larger ones get 413.",
    )
    max_import_bytes: int = Field(
        5_000_000,
        ge=10_000,
        le=100_000_000,
        description="The largest CSV file the answer import takes, in bytes; larger ones get 413.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description=(
            "Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are "
            "believed (comma-separated IPs or networks, or * for any). Empty: the headers are ignored and "
            "the client is the address that connected."
        ),
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
    active_seconds: int = Field(
        120,
        ge=10,
        le=3_600,
        description="A participant seen within this long, and not finished, counts as answering in the room.",
    )
    room_watch_seconds: float = Field(
        0.5,
        ge=0,
        le=5,
        description=(
            "How old what answers a room's polls may be: each process reads every polled room's key and who "
            "polls it at once, at most this often, instead of once a poll (0 reads at every poll)."
        ),
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

    public_url: str | None = Field(
        None,
        description=(
            "The address people reach the service at (https://rainbow.example.org), used in the links of "
            "emails; when unset, the address of the request that sends the email."
        ),
    )
    smtp_host: str | None = Field(
        None,
        description=(
            "The SMTP server that sends invitations and password resets. When unset, no email is sent and "
            "each link is written to the log, marked as for development only."
        ),
    )
    smtp_port: int = Field(587, ge=1, le=65_535, description="The SMTP server's port.")
    smtp_starttls: bool = Field(True, description="Whether to switch the SMTP connection to TLS (STARTTLS).")
    smtp_user: str | None = Field(None, description="The SMTP user name, when the server asks for one.")
    smtp_password: SecretStr | None = Field(None, description="The SMTP password.")
    smtp_from: str = Field(
        "OCW Rainbow <rainbow@localhost>", description="The sender of the service's emails."
    )
    smtp_timeout_seconds: float = Field(
        10, gt=0, le=300, description="How long to wait for the SMTP server before giving up, in seconds."
    )
    invite_hours: int = Field(
        72, ge=1, le=30 * 24, description="How long an invitation's link works, in hours."
    )
    password_reset_minutes: int = Field(
        60, ge=5, le=24 * 60, description="How long a password reset link works, in minutes."
    )
    password_reset_limit: int = Field(
        5,
        ge=1,
        le=1000,
        description="Password reset requests per email address, and per client, in the sign-in window.",
    )
    oidc_issuer: str | None = Field(
        None,
        description=(
            "Single sign-on: the OpenID Connect provider's issuer URL (Entra ID: "
            "https://login.microsoftonline.com/<tenant>/v2.0; Google: https://accounts.google.com). When "
            "unset, staff sign in with passwords only."
        ),
    )
    oidc_client_id: str | None = Field(None, description="Single sign-on: this service's client id there.")
    oidc_client_secret: SecretStr | None = Field(None, description="Single sign-on: the client secret.")
    oidc_allowed_domains: str = Field(
        "",
        description=(
            "Single sign-on: the email domains it may sign in, comma-separated (council.gov.uk,nhs.net); "
            "empty for any. Only invited accounts ever sign in this way."
        ),
    )
    oidc_label: str = Field(
        "your organisation's account", description="Single sign-on: the button's words, after 'Sign in with'."
    )
    require_mfa_for: str = Field(
        "admin",
        description=(
            "Who must use a second factor (TOTP): `admin`, `admin,lead`, or empty for nobody; others may."
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("require_mfa_for")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        roles = {part.strip() for part in value.split(",") if part.strip()}
        if roles - {"admin", "lead"}:
            raise ValueError("must name only admin and lead, separated by commas")
        return ",".join(sorted(roles))

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def oidc_domains(self) -> frozenset[str]:
        return frozenset(
            d.strip().lower().lstrip("@") for d in self.oidc_allowed_domains.split(",") if d.strip()
        )

    @property
    def mfa_required_for(self) -> frozenset[str]:
        return frozenset(part for part in self.require_mfa_for.split(",") if part)

    @property
    def active_window(self) -> timedelta:
        """How recently a participant must have been seen to count as answering."""
        return timedelta(seconds=self.active_seconds)

    @model_validator(mode="after")
    def _comments_need_larger_groups(self) -> Settings:
        if self.comment_min_group_size < self.min_group_size:
            raise ValueError(
                "RAINBOW_COMMENT_MIN_GROUP_SIZE must be at least RAINBOW_MIN_GROUP_SIZE: comments say more "
                "about who wrote them than figures do"
            )
        return self
