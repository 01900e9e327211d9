"""Staff accounts: ``create-user`` and ``create-token``."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import cli, die, open_database, say
from app.config import Settings


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="The person's email address; they sign in with it.")],
    password: Annotated[
        str, typer.Option("--password", help="Their starting password (at least 12 characters).")
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make them a site administrator.")] = False,
    trust: Annotated[int | None, typer.Option("--trust", help="Id of a trust to add them to.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="Their role in --trust: lead, facilitator or viewer.")
    ] = None,
) -> None:
    """Create a staff account, optionally with a role in a trust."""
    from pydantic import ValidationError

    from app.choices import Role
    from app.db.engine import write_session
    from app.errors import AppError
    from app.identity import Staff
    from app.schemas.staff import UserCreate
    from app.store.users import create_user, set_membership

    if (trust is None) != (role is None):
        die("--trust and --role go together: give both or neither")
    if role is not None and role not in {r.value for r in Role}:
        die(f"--role must be one of lead, facilitator, viewer (not {role!r})")
    try:
        user_in = UserCreate(email=email, password=password, is_admin=admin)
    except ValidationError as error:
        die("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)))
    engine = open_database(Settings())
    try:
        with write_session(engine) as db:
            user = create_user(db, actor=None, user_in=user_in)
            assert user.id is not None
            # The command line acts as the new account itself (see create_user).
            actor = Staff(user_id=user.id, email=user.email, is_admin=user.is_admin)
            if trust is not None and role is not None:
                set_membership(db, actor=actor, user_id=user.id, trust_id=trust, role=Role(role))
    except AppError as error:
        die(error.detail)
    finally:
        engine.dispose()
    where = f", {role} in trust {trust}" if trust is not None else ""
    say(f"created {user_in.email}{' (site administrator)' if admin else ''}{where}")


@cli.command("create-token")
def create_token(
    email: Annotated[str, typer.Argument(help="Whose token: the account's email address.")],
) -> None:
    """Create a personal API token for an account; it is printed once, alone on the last line."""
    from app.db.engine import write_session
    from app.store import audit
    from app.store.staff_sessions import create_api_token
    from app.store.users import find_user

    engine = open_database(Settings())
    try:
        with write_session(engine) as db:
            user = find_user(db, email=email)
            if user is None or user.id is None or not user.is_active:
                die(f"there is no active account for {email}")
            token = create_api_token(db, user_id=user.id)
            audit.record(
                db, action="token.create", actor_id=user.id, actor_email=user.email, detail="command line"
            )
    finally:
        engine.dispose()
    say("API token created. It is shown only now; use it as 'Authorization: Bearer <token>'.")
    say(token)
