"""A trust's lead invites colleagues to their own trust, and to no other; the email reaches the SMTP
server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.choices import Role
from app.config import Settings
from app.db.engine import read_session
from app.db.tables import Membership, User
from app.routes.pages.invitations import InvitePage
from tests.apps import build_app
from tests.factories import World, app_state, browse_as, make_world
from tests.mailbox import Mailbox
from tests.pages import field_error, find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


@pytest.fixture
def mail_client(migrated: Settings, mailbox: Mailbox) -> Iterator[TestClient]:
    with TestClient(build_app(mailbox.settings(migrated))) as test_client:
        yield test_client


def membership_of(client: TestClient, email: str) -> list[tuple[int, Role]]:
    with read_session(app_state(client).engine) as db:
        rows = db.execute(
            select(Membership.trust_id, Membership.role)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email)
        ).all()
        return [(trust_id, Role(role)) for trust_id, role in rows]


def user_count(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(User)) or 0)


def test_a_lead_invites_a_colleague_to_their_trust_and_the_email_arrives(
    mail_client: TestClient, mailbox: Mailbox
) -> None:
    world = make_world(app_state(mail_client).engine)
    browse_as(mail_client, world.users["lead_a"])
    trust_page = get_page(mail_client, f"/trust/{world.trust_a}")
    assert trust_page.select_one(f'a[href="/trust/{world.trust_a}/invite"]') is not None
    form = find_form(
        get_page(mail_client, f"/trust/{world.trust_a}/invite"), f"/trust/{world.trust_a}/invite"
    )

    response = submit(mail_client, form, email="new.facilitator@example.org", role="facilitator")

    assert location(response).startswith(f"/trust/{world.trust_a}/invite?invited=")
    assert "An invitation is on its way to new.facilitator@example.org." in text_of(
        get_page(mail_client, location(response)).select_one(".notice")
    )
    assert membership_of(mail_client, "new.facilitator@example.org") == [(world.trust_a, Role.FACILITATOR)]
    (message,) = mailbox.wait_for(1)
    assert mailbox.recipients == [["new.facilitator@example.org"]]
    assert "lead.a@example.org has invited you" in message.get_content()


def test_a_lead_cannot_invite_to_another_trust(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["lead_b"])
    response = client.post(
        f"/trust/{world.trust_a}/invite",
        data={"email": "sneaky@example.org", "role": "lead"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert membership_of(client, "sneaky@example.org") == []


def test_a_facilitator_cannot_invite(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    assert client.get(f"/trust/{world.trust_a}/invite").status_code == 403
    assert (
        get_page(client, f"/trust/{world.trust_a}").select_one(f'a[href="/trust/{world.trust_a}/invite"]')
        is None
    )


def test_an_invitation_without_a_role_is_refused_and_nothing_created(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    before = user_count(client)
    form = find_form(get_page(client, f"/trust/{world.trust_a}/invite"), f"/trust/{world.trust_a}/invite")

    response = submit(client, form, email="new.person@example.org", role="")

    assert response.status_code == 422
    assert field_error(parse(response), "role") == "Choose the role they will have in the trust."
    assert (
        rendered_with(response, "account/invite.html", InvitePage)["form"]["email"]
        == "new.person@example.org"
    )
    assert user_count(client) == before


def test_inviting_someone_who_has_an_account_is_refused_with_409(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(get_page(client, f"/trust/{world.trust_a}/invite"), f"/trust/{world.trust_a}/invite")

    response = submit(client, form, email="viewer.a@example.org", role="lead")

    assert response.status_code == 409
    assert field_error(parse(response), "email") == "There is already an account for viewer.a@example.org."
    assert membership_of(client, "viewer.a@example.org") == [(world.trust_a, Role.VIEWER)]
