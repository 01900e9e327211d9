"""Counting failed attempts in the database, so every app process sees the same counts.

Each flow has buckets of its own ("login-account", "login-client"; the join-code flow will have its own):
a success or a failure in one flow never moves another flow's counts. Keys are keyed hashes of what they
count (an email, a client address), so the table holds no personal data, and rows die with their window.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.core import table
from app.db.tables import ThrottleFailure


@dataclass(frozen=True)
class Throttle:
    """At most `limit` failures per key in any `window`, within one `bucket`."""

    bucket: str
    limit: int
    window: timedelta

    def key_for(self, secret: bytes, value: str) -> str:
        return hmac.new(secret, f"{self.bucket}:{value}".encode(), hashlib.sha256).hexdigest()

    def retry_after(self, db: Session, *, key: str, now: datetime | None = None) -> int | None:
        """Seconds until another attempt is allowed, or None when attempts are allowed now."""
        now = now or utcnow()
        since = now - self.window
        count, oldest = (
            db.connection()
            .execute(_RECENT_FAILURES, {"bucket": self.bucket, "key": key, "since": since})
            .one()
        )
        if count < self.limit:
            return None
        oldest_at: datetime = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        return max(1, math.ceil((oldest_at + self.window - now).total_seconds()))

    def record_failure(self, db: Session, *, key: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        db.execute(delete(ThrottleFailure).where(col(ThrottleFailure.at) <= now - self.window))
        db.add(ThrottleFailure(bucket=self.bucket, key=key, at=now))

    def clear(self, db: Session, *, key: str) -> None:
        db.execute(
            delete(ThrottleFailure).where(
                col(ThrottleFailure.bucket) == self.bucket, col(ThrottleFailure.key) == key
            )
        )


# Core on the table, built once: every join and sign-in asks it, and building a statement costs more than
# running it.
_FAILURES = table(ThrottleFailure)
_RECENT_FAILURES = select(func.count(), func.min(_FAILURES.c.at)).where(
    _FAILURES.c.bucket == bindparam("bucket"),
    _FAILURES.c.key == bindparam("key"),
    _FAILURES.c.at > bindparam("since", type_=_FAILURES.c.at.type),
)
