"""Single-use links sent by email: invitations (set a first password) and password resets.

A link carries 256 random bits; only their SHA-256 is stored. A link works once, until it expires, and only
for its purpose. Making a new link of a purpose for an account voids the account's older unused ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.identity_tables import AccountLink
from app.db.tables import User
from app.errors import Gone, NotFound
from app.identity import secret_hash

INVITATION, RESET = "invitation", "reset"


def create_link(
    db: Session, *, user_id: int, purpose: str, lifetime: timedelta, created_by_id: int | None = None
) -> tuple[str, AccountLink]:
    """A new link for `user_id`; returns the token (the one chance to see it) and the stored link."""
    now = utcnow()
    db.execute(
        update(AccountLink)
        .where(
            col(AccountLink.user_id) == user_id,
            col(AccountLink.purpose) == purpose,
            col(AccountLink.used_at).is_(None),
        )
        .values(used_at=now, delivery="replaced by a newer link")
    )
    token = secrets.token_urlsafe(32)
    link = AccountLink(
        token_hash=secret_hash(token),
        user_id=user_id,
        purpose=purpose,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(link)
    db.flush()
    return token, link


def usable_link(
    db: Session, *, token: str, purpose: str, now: datetime | None = None
) -> tuple[AccountLink, User]:
    """The link `token` opens, with its account, when it may still be used.

    :raises NotFound: for a token that was never made (a forged or mistyped link), or of another purpose.
    :raises Gone: for a link that has been used, replaced or has expired, or whose account is disabled.
    """
    now = now or utcnow()
    row = db.execute(
        select(AccountLink, User)
        .join(User, col(User.id) == AccountLink.user_id)
        .where(col(AccountLink.token_hash) == secret_hash(token), col(AccountLink.purpose) == purpose)
    ).first()
    if row is None:
        raise NotFound("This link is not valid. Check that it was copied whole from the email.")
    link, user = row
    if link.used_at is not None:
        raise Gone("This link has already been used, or a newer one has been sent. Each link works once.")
    if link.expires_at <= now:
        raise Gone("This link has expired. Ask for a new one.")
    if not user.is_active:
        raise Gone("This account has been disabled. Ask a site administrator.")
    return link, user


def mark_used(db: Session, *, link: AccountLink, now: datetime | None = None) -> None:
    """Use the link up: only when no one else has in the meantime (two tabs, one link).

    :raises Gone: when another request used it first.
    """
    used = db.exec(
        update(AccountLink)
        .where(col(AccountLink.id) == link.id, col(AccountLink.used_at).is_(None))
        .values(used_at=now or utcnow())
    ).rowcount
    if not used:
        raise Gone("This link has already been used. Each link works once.")


def record_delivery(db: Session, *, link_id: int, outcome: str) -> None:
    db.execute(update(AccountLink).where(col(AccountLink.id) == link_id).values(delivery=outcome[:300]))


def links_of(db: Session, *, user_id: int) -> Sequence[AccountLink]:
    """The account's links, newest first."""
    query = select(AccountLink).where(col(AccountLink.user_id) == user_id)
    return db.scalars(query.order_by(col(AccountLink.created_at).desc(), col(AccountLink.id).desc())).all()


def latest_invitations(db: Session) -> dict[int, AccountLink]:
    """Each account's newest invitation, by user id."""
    links = db.scalars(
        select(AccountLink)
        .where(col(AccountLink.purpose) == INVITATION)
        .order_by(col(AccountLink.created_at), col(AccountLink.id))
    ).all()
    return {link.user_id: link for link in links}
