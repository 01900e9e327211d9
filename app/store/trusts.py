"""Trusts: the tenants. Each sees only its own data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from app.choices import Role
from app.db.tables import Trust
from app.errors import Conflict, NotFound
from app.identity import Staff
from app.permissions import check_trust_access
from app.schemas.staff import TrustCreate
from app.store import audit


def create_trust(db: Session, *, actor: Staff, trust_in: TrustCreate) -> Trust:
    """A new trust, recorded in the audit log. :raises Conflict: when a trust of that name exists."""
    if db.scalar(select(Trust).where(col(Trust.name) == trust_in.name)) is not None:
        raise Conflict(f"There is already a trust called {trust_in.name!r}.")
    trust = Trust(name=trust_in.name)
    db.add(trust)
    db.flush()
    audit.record(db, action="trust.create", actor=actor, trust_id=trust.id, target=f"trust {trust.id}")
    return trust


def visible_trusts(db: Session, *, staff: Staff) -> Sequence[Trust]:
    """Every trust for a site administrator; otherwise the trusts `staff` belongs to."""
    query = select(Trust).order_by(Trust.name)
    if not staff.is_admin:
        query = query.where(col(Trust.id).in_(list(staff.roles)))
    return db.scalars(query).all()


def all_trusts(db: Session) -> Sequence[Trust]:
    return db.scalars(select(Trust).order_by(Trust.name)).all()


def get_trust_for_staff(db: Session, *, staff: Staff, trust_id: int, roles: frozenset[Role]) -> Trust:
    """:raises NotFound: unknown trust, or one `staff` is not in; :raises Forbidden: role not in `roles`."""
    check_trust_access(staff, trust_id, roles=roles)
    trust = db.get(Trust, trust_id)
    if trust is None:
        raise NotFound("There is no trust with that id.")
    return trust
