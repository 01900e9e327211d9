"""A person's second factor: their TOTP secret (pending until confirmed with a code) and their ten one-time
recovery codes, kept as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.identity_tables import RecoveryCode
from app.db.tables import User
from app.store.users import get_user


def code_hash(key: bytes, code: str) -> str:
    """What is stored of a recovery code: keyed, so a copy of the database alone cannot test guesses."""
    plain = code.strip().lower().replace("-", "").replace(" ", "")
    return hmac.new(key, f"recovery:{plain}".encode(), hashlib.sha256).hexdigest()


def pending_secret(db: Session, *, user_id: int, new_secret: str) -> str:
    """The secret being set up: the one already pending, else `new_secret`, kept for the confirmation.

    Only for an account whose second factor is not in use (the caller checks).
    """
    user = get_user(db, user_id=user_id)
    if user.totp_secret is None:
        user.totp_secret = new_secret
        db.flush()
    return user.totp_secret


def enable(db: Session, *, user_id: int, hashes: Sequence[str], now: datetime | None = None) -> None:
    """Put the pending secret in use, with a fresh set of recovery codes."""
    user = get_user(db, user_id=user_id)
    user.mfa_enabled_at = now or utcnow()
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    db.add_all(RecoveryCode(user_id=user_id, code_hash=value) for value in hashes)
    db.flush()


def clear(db: Session, *, user_id: int) -> User:
    """Take the second factor away (an administrator's reset): the person sets it up afresh."""
    user = get_user(db, user_id=user_id)
    user.totp_secret = None
    user.mfa_enabled_at = None
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    db.flush()
    return user


def use_recovery_code(db: Session, *, user_id: int, hashed: str, now: datetime | None = None) -> bool:
    """Use up the unused recovery code with this hash; False when there is none."""
    used = db.exec(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user_id,
            col(RecoveryCode.code_hash) == hashed,
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now or utcnow())
    ).rowcount
    return bool(used)


def recovery_codes_left(db: Session, *, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None))
    )
    return int(db.scalar(query) or 0)
