"""Staff accounts and their memberships of trusts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.choices import Role
from app.db.tables import ApiToken, Membership, Trust, User
from app.errors import Conflict, Invalid, NotFound
from app.identity import Staff
from app.passwords import hash_password
from app.schemas.staff import UserCreate
from app.store import audit
from app.store.staff_sessions import end_all_sessions


def create_user(db: Session, *, actor: Staff | None, user_in: UserCreate) -> User:
    """A new account, recorded in the audit log as made by `actor`; None for the command line, which has the
    database and is trusted: the new account then stands as its own maker in the log.

    :raises Conflict: when the email already has an account.
    """
    if find_user(db, email=user_in.email) is not None:
        raise Conflict(f"There is already an account for {user_in.email}.")
    user = User(email=user_in.email, password_hash=hash_password(user_in.password), is_admin=user_in.is_admin)
    db.add(user)
    db.flush()
    assert user.id is not None
    notes = ["site administrator" if user_in.is_admin else "", "command line" if actor is None else ""]
    audit.record(
        db,
        action="user.create",
        actor=actor or Staff(user_id=user.id, email=user.email, is_admin=user.is_admin),
        target=f"user {user.id}",
        detail=", ".join(note for note in notes if note) or None,
    )
    return user


def find_user(db: Session, *, email: str) -> User | None:
    return db.scalar(select(User).where(col(User.email) == email.strip().lower()))


def get_user(db: Session, *, user_id: int) -> User:
    """:raises NotFound: for an unknown id."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("There is no user with that id.")
    return user


def all_users(db: Session) -> Sequence[User]:
    return db.scalars(select(User).order_by(User.email)).all()


def memberships_of(db: Session, *, user_id: int) -> Sequence[tuple[Membership, Trust]]:
    rows = db.execute(
        select(Membership, Trust)
        .join(Trust, col(Trust.id) == Membership.trust_id)
        .where(col(Membership.user_id) == user_id)
        .order_by(Trust.name)
    ).all()
    return [(membership, trust) for membership, trust in rows]


def set_membership(db: Session, *, actor: Staff, user_id: int, trust_id: int, role: Role) -> Membership:
    """Give `user_id` the `role` in `trust_id`, or change the role they have there.

    :raises NotFound: for an unknown user or trust.
    """
    get_user(db, user_id=user_id)
    if db.get(Trust, trust_id) is None:
        raise NotFound("There is no trust with that id.")
    membership = db.scalar(
        select(Membership).where(col(Membership.user_id) == user_id, col(Membership.trust_id) == trust_id)
    )
    before = membership.role if membership else None
    if membership is None:
        membership = Membership(user_id=user_id, trust_id=trust_id, role=role)
        db.add(membership)
    else:
        membership.role = role
    db.flush()
    audit.record(
        db,
        action="membership.set",
        actor=actor,
        trust_id=trust_id,
        target=f"user {user_id}",
        detail=f"role {before or 'none'} -> {role.value}",
    )
    return membership


def remove_membership(db: Session, *, actor: Staff, user_id: int, trust_id: int) -> None:
    """:raises NotFound: when the user is not a member of the trust."""
    removed = db.exec(
        delete(Membership).where(col(Membership.user_id) == user_id, col(Membership.trust_id) == trust_id)
    ).rowcount
    if not removed:
        raise NotFound("That user is not a member of that trust.")
    audit.record(db, action="membership.remove", actor=actor, trust_id=trust_id, target=f"user {user_id}")


def set_active(db: Session, *, actor: Staff, user_id: int, active: bool) -> User:
    """Enable or disable an account; disabling signs the user out everywhere and revokes their API tokens.

    :raises Invalid: when an administrator tries to disable themselves.
    """
    user = get_user(db, user_id=user_id)
    if not active and user_id == actor.user_id:
        raise Invalid("active", "You cannot disable your own account.")
    user.is_active = active
    if not active:
        end_all_sessions(db, user_id=user_id)
        db.execute(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
    db.flush()
    audit.record(
        db, action="user.enable" if active else "user.disable", actor=actor, target=f"user {user_id}"
    )
    return user


def count_admins(db: Session) -> int:
    admins = select(func.count()).select_from(User).where(col(User.is_admin), col(User.is_active))
    return int(db.scalar(admins) or 0)


def accounts_with_roles(
    db: Session, *, trust_id: int | None = None, role: Role | None = None
) -> list[tuple[User, list[tuple[str, Role]]]]:
    """Every account with its (trust name, role) pairs; with `trust_id` or `role`, only the accounts that have
    such a membership (the pairs shown are all of theirs)."""
    rows = db.execute(
        select(User, col(Trust.name), col(Membership.role))
        .outerjoin(Membership, col(Membership.user_id) == User.id)
        .outerjoin(Trust, col(Trust.id) == Membership.trust_id)
        .order_by(User.email, Trust.name)
    ).all()
    found: dict[int, tuple[User, list[tuple[str, Role]]]] = {}
    matching: set[int] = set()
    for user, trust_name, member_role in rows:
        assert user.id is not None
        entry = found.setdefault(user.id, (user, []))
        if trust_name is not None:
            entry[1].append((trust_name, member_role))
    if trust_id is None and role is None:
        return list(found.values())
    member_rows = db.execute(
        select(col(Membership.user_id), col(Membership.trust_id), col(Membership.role))
    ).all()
    for user_id, member_trust, member_role in member_rows:
        if (trust_id is None or member_trust == trust_id) and (role is None or member_role == role):
            matching.add(user_id)
    return [entry for user_id, entry in found.items() if user_id in matching]
