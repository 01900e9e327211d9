"""Staff accounts from invitation to password: inviting, setting a password from an emailed link, asking for
a reset, and changing one's own password.

Emails go through `app.services.mail.Mailer` after the transaction that made their link has committed, so a
slow or broken SMTP server never holds a request or a write lock. Changing or resetting a password ends the
account's other sessions (a reset ends them all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.choices import Role
from app.db.engine import read_session, write_session
from app.db.tables import User
from app.errors import Conflict, Forbidden, Invalid, TooManyRequests
from app.identity import Staff
from app.passwords import hash_password, password_problem, verify_password
from app.schemas.staff import InvitationCreate
from app.services.mail import Email, Mailer
from app.services.runtime import Runtime
from app.store import account_links, audit, users
from app.store.account_links import INVITATION, RESET
from app.store.staff_sessions import end_all_sessions, end_other_sessions
from app.store.throttle import Throttle

#: Builds the full address of a link from its token (the route knows the path and the site's address).
LinkFor = Callable[[str], str]

RESET_ANSWER = (
    "If that address belongs to an account, we have sent it a link to choose a new password. "
    "It works once, for {minutes} minutes. Check your junk folder if it does not arrive."
)


def may_invite(staff: Staff, invitation: InvitationCreate) -> bool:
    """Site administrators invite anyone; a trust's lead invites people to their own trust only."""
    if staff.is_admin:
        return True
    return (
        not invitation.is_admin
        and invitation.trust_id is not None
        and staff.role_in(invitation.trust_id) == Role.LEAD
    )


def invite(
    runtime: Runtime, mailer: Mailer, *, actor: Staff, invitation: InvitationCreate, link_for: LinkFor
) -> int:
    """Make the account (no password yet) with its role, and email it a single-use link; returns its id.

    Inviting someone invited before who has not yet set a password sends a new link (the old one stops
    working).

    :raises Forbidden: when `actor` may not invite to that trust, or make site administrators.
    :raises Conflict: when the email already has an account with a password.
    :raises NotFound: for an unknown trust.
    """
    if not may_invite(actor, invitation):
        raise Forbidden(
            "Only site administrators, and a trust's leads for their own trust, can invite people."
        )
    with write_session(runtime.engine) as db:
        user = _invited_account(db, actor, invitation)
        assert user.id is not None
        if invitation.trust_id is not None and invitation.role is not None:
            users.set_membership(
                db, actor=actor, user_id=user.id, trust_id=invitation.trust_id, role=invitation.role
            )
        audit.record(
            db,
            action="user.invite",
            actor=actor,
            trust_id=invitation.trust_id,
            target=f"user {user.id}",
            detail=_invite_detail(invitation),
        )
        user_id = user.id
        letter = _invitation_email(runtime, db, actor, user, link_for)
    mailer.send(letter)
    return user_id


def resend_invitation(
    runtime: Runtime, mailer: Mailer, *, actor: Staff, user_id: int, link_for: LinkFor
) -> None:
    """Site administrators: a new invitation link for an account that has not yet set a password (the old
    link stops working).

    :raises Conflict: when the account has a password already (it can reset it instead).
    """
    if not actor.is_admin:
        raise Forbidden("Only site administrators can send an invitation again.")
    with write_session(runtime.engine) as db:
        user = users.get_user(db, user_id=user_id)
        if user.password_hash is not None:
            raise Conflict(
                "This person has chosen a password already; they can reset it from the sign-in page."
            )
        audit.record(db, action="user.invite", actor=actor, target=f"user {user_id}", detail="sent again")
        letter = _invitation_email(runtime, db, actor, user, link_for)
    mailer.send(letter)


def _invitation_email(runtime: Runtime, db: Session, actor: Staff, user: User, link_for: LinkFor) -> Email:
    assert user.id is not None
    hours = runtime.settings.invite_hours
    token, link = account_links.create_link(
        db, user_id=user.id, purpose=INVITATION, lifetime=timedelta(hours=hours), created_by_id=actor.user_id
    )
    url = link_for(token)
    return Email(
        to=user.email,
        subject="You are invited to OCW Rainbow",
        body=(
            f"{actor.email} has invited you to OCW Rainbow, the One Children's Workforce rainbow "
            f"self-assessment.\n\nChoose your password here (the link works once, for {hours} hours):\n\n"
            f"{url}\n\nIf you did not expect this, you can ignore this email.\n"
        ),
        link=url,
        link_id=link.id,
    )


def _invited_account(db: Session, actor: Staff, invitation: InvitationCreate) -> User:
    user = users.find_user(db, email=invitation.email)
    if user is not None:
        if user.password_hash is not None or not user.is_active:
            raise Conflict(f"There is already an account for {invitation.email}.")
        if invitation.is_admin:
            user.is_admin = True
        return user
    user = User(email=invitation.email, password_hash=None, is_admin=invitation.is_admin)
    db.add(user)
    db.flush()
    return user


def _invite_detail(invitation: InvitationCreate) -> str:
    parts = [
        f"role {invitation.role.value}" if invitation.role else "",
        "site administrator" if invitation.is_admin else "",
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class LinkAccount:
    email: str
    purpose: str


def account_of_link(runtime: Runtime, *, token: str, purpose: str) -> LinkAccount:
    """Whose link this is, for the page that sets the password.

    :raises NotFound: for a forged link. :raises Gone: for a used or expired one.
    """
    with read_session(runtime.engine) as db:
        _link, user = account_links.usable_link(db, token=token, purpose=purpose)
        return LinkAccount(email=user.email, purpose=purpose)


def set_password_from_link(runtime: Runtime, *, token: str, purpose: str, password: str) -> str:
    """Set the account's password from an invitation or reset link, using the link up; every session of the
    account ends. Returns the account's email.

    :raises NotFound: for a forged link. :raises Gone: for a used or expired one.
    :raises Invalid: when the password is made from the person's own email.
    """
    email = account_of_link(runtime, token=token, purpose=purpose).email
    _check_against_email(password, email)
    password_hash = hash_password(password)  # slow on purpose: outside the transaction
    with write_session(runtime.engine) as db:
        link, user = account_links.usable_link(db, token=token, purpose=purpose)
        assert user.id is not None
        account_links.mark_used(db, link=link)
        user.password_hash = password_hash
        end_all_sessions(db, user_id=user.id)
        action = "password.set" if purpose == INVITATION else "password.reset"
        audit.record(db, action=action, actor_id=user.id, actor_email=user.email, target=f"user {user.id}")
    return email


def _check_against_email(password: str, email: str) -> None:
    problem = password_problem(password, user_inputs=[email])
    if problem:
        raise Invalid("password", f"The new password {problem}.")


def reset_throttles(runtime: Runtime) -> tuple[Throttle, Throttle]:
    window = timedelta(seconds=runtime.settings.login_failure_window_seconds)
    limit = runtime.settings.password_reset_limit
    return Throttle("reset-account", limit, window), Throttle("reset-client", limit, window)


def request_reset(runtime: Runtime, mailer: Mailer, *, email: str, client: str, link_for: LinkFor) -> str:
    """Email a reset link when `email` has an active account; the answer is the same either way.

    :raises TooManyRequests: when that address, or this client, has asked too often lately.
    """
    email = email.strip().lower()
    per_account, per_client = reset_throttles(runtime)
    account_key = per_account.key_for(runtime.secret_key, email)
    client_key = per_client.key_for(runtime.secret_key, client)
    minutes = runtime.settings.password_reset_minutes
    with write_session(runtime.engine) as db:
        waits = [t.retry_after(db, key=k) for t, k in ((per_account, account_key), (per_client, client_key))]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise TooManyRequests(
                "Too many password reset requests. Please wait a few minutes and try again.", retry_after=wait
            )
        per_account.record_failure(db, key=account_key)
        per_client.record_failure(db, key=client_key)
        user = users.find_user(db, email=email) if email else None
        sent = None
        if user is not None and user.is_active and user.id is not None:
            token, link = account_links.create_link(
                db, user_id=user.id, purpose=RESET, lifetime=timedelta(minutes=minutes)
            )
            audit.record(db, action="password.reset_request", actor_id=user.id, actor_email=user.email)
            sent = (user.email, token, link.id)
    if sent is not None:
        to, token, link_id = sent
        url = link_for(token)
        mailer.send(
            Email(
                to=to,
                subject="Choose a new OCW Rainbow password",
                body=(
                    "Someone (we hope you) asked to choose a new password for your OCW Rainbow account.\n\n"
                    f"Choose it here (the link works once, for {minutes} minutes):\n\n{url}\n\n"
                    "If it was not you, ignore this email: your password stays as it is.\n"
                ),
                link=url,
                link_id=link_id,
            )
        )
    return RESET_ANSWER.format(minutes=minutes)


def change_password(
    runtime: Runtime, *, staff: Staff, current: str, new: str, session_secret: str | None
) -> None:
    """Change one's own password, after checking the current one; every other session of the account ends.

    :raises Invalid: when the current password is wrong, or the new one is made from the email.
    """
    with read_session(runtime.engine) as db:
        user = users.get_user(db, user_id=staff.user_id)
        current_hash = user.password_hash
    if not verify_password(current_hash, current):
        raise Invalid("current_password", "Your current password is not right.")
    _check_against_email(new, staff.email)
    password_hash = hash_password(new)
    with write_session(runtime.engine) as db:
        user = users.get_user(db, user_id=staff.user_id)
        user.password_hash = password_hash
        end_other_sessions(db, user_id=staff.user_id, keep_secret=session_secret)
        audit.record(db, action="password.change", actor=staff, target=f"user {staff.user_id}")
