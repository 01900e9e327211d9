"""The second factor: TOTP (RFC 6238, with pyotp) and ten one-time recovery codes.

Setting it up: a secret is kept pending until the person types a code their app shows; then it is in use and
they see their recovery codes, once. Signing in with it: after the password, a code from the app or a
recovery code. Wrong codes are throttled per account. A site administrator can reset a person's second
factor (audited); the person then sets it up again. `RAINBOW_REQUIRE_MFA_FOR` says who must have one.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlmodel import Session

from app.choices import Role
from app.config import Settings
from app.db.engine import read_session, write_session
from app.errors import Conflict, Invalid, TooManyRequests
from app.identity import Staff
from app.services.runtime import Runtime
from app.store import audit, second_factor, users
from app.store.staff_sessions import end_all_sessions, start_session
from app.store.throttle import Throttle

ISSUER = "OCW Rainbow"
RECOVERY_CODES = 10
WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or one of your recovery codes."


def must_have_second_factor(settings: Settings, staff: Staff) -> bool:
    """Whether `RAINBOW_REQUIRE_MFA_FOR` asks this person for a second factor."""
    required = settings.mfa_required_for
    return ("admin" in required and staff.is_admin) or (
        "lead" in required and Role.LEAD in staff.roles.values()
    )


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into an app by hand
    uri: str  # otpauth://, for the QR code


def start_enrolment(runtime: Runtime, *, staff: Staff) -> Enrolment:
    """The secret to set up (made once, then the same until confirmed).

    :raises Conflict: when the second factor is already in use.
    """
    with write_session(runtime.engine) as db:
        if users.get_user(db, user_id=staff.user_id).mfa_enabled_at is not None:
            raise Conflict("Your second factor is already set up.")
        secret = second_factor.pending_secret(db, user_id=staff.user_id, new_secret=pyotp.random_base32())
    uri = pyotp.TOTP(secret).provisioning_uri(name=staff.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def confirm_enrolment(runtime: Runtime, *, staff: Staff, code: str) -> list[str]:
    """Put the pending secret in use once `code` matches it; returns the recovery codes (shown once).

    :raises Invalid: for a wrong code. :raises TooManyRequests: after too many wrong codes.
    """
    throttle, key = _throttle(runtime, staff.user_id)
    with write_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttle, key)
        user = users.get_user(db, user_id=staff.user_id)
        if user.mfa_enabled_at is not None:
            raise Conflict("Your second factor is already set up.")
        step = _totp_step(user.totp_secret, code) if user.totp_secret else None
        if step is None:
            throttle.record_failure(db, key=key)
            failed = True
        else:
            failed = False
            codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
            hashes = [second_factor.code_hash(runtime.secret_key, c) for c in codes]
            second_factor.enable(db, user_id=staff.user_id, hashes=hashes)
            user.totp_last_step = step
            audit.record(db, action="mfa.enable", actor=staff, target=f"user {staff.user_id}")
    if failed:
        raise Invalid("code", "That code is not right. Type the 6 digits your app shows now.")
    return codes


def sign_in_with_code(runtime: Runtime, *, user_id: int, code: str) -> str:
    """The second step of signing in: a TOTP code or an unused recovery code opens a session (its secret).

    :raises Invalid: for a wrong code (nothing changes but the throttle's count).
    :raises TooManyRequests: after too many wrong codes for this account lately.
    """
    throttle, key = _throttle(runtime, user_id)
    with write_session(runtime.engine) as db:
        _refuse_if_throttled(db, throttle, key)
        user = users.get_user(db, user_id=user_id)
        via = None
        if user.is_active and user.totp_secret and user.mfa_enabled_at is not None:
            step = _totp_step(user.totp_secret, code)
            if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
                user.totp_last_step = step  # the same code, or an older one, never works again
                via = "authenticator app"
            elif second_factor.use_recovery_code(
                db, user_id=user_id, hashed=second_factor.code_hash(runtime.secret_key, code)
            ):
                via = "recovery code"
        if via is None:
            throttle.record_failure(db, key=key)
            audit.record(
                db,
                action="login",
                outcome="failed",
                actor_id=user_id,
                actor_email=user.email,
                detail="wrong second factor code",
            )
        else:
            throttle.clear(db, key=key)
            audit.record(db, action="login", actor_id=user_id, actor_email=user.email, detail=via)
            return start_session(db, user_id=user_id)
    raise Invalid("code", WRONG_CODE)


def reset(runtime: Runtime, *, actor: Staff, user_id: int) -> None:
    """Site administrators: take a person's second factor away; they are signed out and set it up again."""
    with write_session(runtime.engine) as db:
        second_factor.clear(db, user_id=user_id)
        end_all_sessions(db, user_id=user_id)
        audit.record(db, action="mfa.reset", actor=actor, target=f"user {user_id}")


@dataclass(frozen=True)
class Status:
    enabled: bool
    codes_left: int


def status_of(runtime: Runtime, *, user_id: int) -> Status:
    with read_session(runtime.engine) as db:
        user = users.get_user(db, user_id=user_id)
        left = second_factor.recovery_codes_left(db, user_id=user_id)
        return Status(enabled=user.mfa_enabled_at is not None, codes_left=left)


def _totp_step(secret: str, code: str) -> int | None:
    """The time step (of 30 s) whose code `code` is, allowing one step of clock drift either way; None when
    it is none of them."""
    digits = code.strip().replace(" ", "")
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        return None
    totp, now = pyotp.TOTP(secret), time.time()
    for offset in (0, -1, 1):
        if secrets.compare_digest(totp.at(now, counter_offset=offset), digits):
            return int(totp.timecode(now)) + offset
    return None


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 random bits, kept as a keyed hash
    return f"{raw[:5]}-{raw[5:]}"


def _throttle(runtime: Runtime, user_id: int) -> tuple[Throttle, str]:
    window = timedelta(seconds=runtime.settings.login_failure_window_seconds)
    throttle = Throttle("second-factor", runtime.settings.login_failure_limit, window)
    return throttle, throttle.key_for(runtime.secret_key, str(user_id))


def _refuse_if_throttled(db: Session, throttle: Throttle, key: str) -> None:
    wait = throttle.retry_after(db, key=key)
    if wait is not None:
        raise TooManyRequests(
            "Too many wrong codes. Please wait a few minutes and try again.", retry_after=wait
        )
