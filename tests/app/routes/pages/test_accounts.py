"""One's own account, as a browser uses it: taking up an invitation from the email the SMTP server received,
resetting a forgotten password, changing it; and every bad link or password refused, changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.db.identity_tables import AccountLink
from app.db.tables import AuditEvent, StaffSession, User
from app.passwords import verify_password
from tests.apps import build_app
from tests.factories import PASSWORD, World, app_state, browse_as, make_world
from tests.mailbox import Mailbox
from tests.pages import field_error, find_form, get_page, location, parse, submit, text_of

pytestmark = pytest.mark.database

NEW_PASSWORD = "plum orchard under moonlight"


@pytest.fixture
def mail_client(migrated: Settings, mailbox: Mailbox) -> Iterator[TestClient]:
    with TestClient(build_app(mailbox.settings(migrated, password_reset_limit=3))) as test_client:
        yield test_client


@pytest.fixture
def mail_world(mail_client: TestClient) -> World:
    return make_world(app_state(mail_client).engine)


def sign_in(client: TestClient, email: str, password: str) -> Response:
    client.cookies.clear()
    form = find_form(get_page(client, "/login"), "/login")
    return submit(client, form, email=email, password=password)


def invited(client: TestClient, mailbox: Mailbox, world: World, email: str = "new.person@example.org") -> str:
    """Invite `email` as trust A's viewer (as the admin); the path of the link in the email that arrives."""
    browse_as(client, world.users["admin"])
    form = find_form(get_page(client, "/admin"), "/admin/users")
    before = len(mailbox.messages)
    location(submit(client, form, email=email, trust_id=str(world.trust_a), role="viewer"))
    message = mailbox.wait_for(before + 1)[-1]
    app_state(client).mailer.wait_idle()
    client.cookies.clear()
    return mailbox.link_in(message, "/invitations/")


def choose_password(client: TestClient, path: str, password: str, confirm: str | None = None) -> Response:
    browse_as(client, None)
    form = find_form(get_page(client, path), path)
    return submit(client, form, password=password, confirm=password if confirm is None else confirm)


def password_hash_of(client: TestClient, email: str) -> str | None:
    with read_session(app_state(client).engine) as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.password_hash


def sessions_of(client: TestClient, user_id: int) -> int:
    with read_session(app_state(client).engine) as db:
        query = select(func.count()).select_from(StaffSession).where(StaffSession.user_id == user_id)
        return int(db.scalar(query) or 0)


# --- invitations -------------------------------------------------------------------------------------------


def test_an_invited_person_chooses_a_password_from_the_email_and_signs_in_with_it(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    link = invited(mail_client, mailbox, mail_world)
    page = get_page(mail_client, link)
    assert "new.person@example.org" in text_of(page.select_one("main") or page)

    assert location(choose_password(mail_client, link, NEW_PASSWORD)) == "/login?password_set=1"

    assert location(sign_in(mail_client, "new.person@example.org", NEW_PASSWORD)) == "/trust"


def test_an_invitation_link_works_once(mail_client: TestClient, mailbox: Mailbox, mail_world: World) -> None:
    link = invited(mail_client, mailbox, mail_world)
    location(choose_password(mail_client, link, NEW_PASSWORD))

    again = mail_client.get(link)

    assert again.status_code == 410
    assert "already been used" in text_of(parse(again))


def test_an_expired_invitation_is_refused_and_changes_nothing(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    link = invited(mail_client, mailbox, mail_world)
    browse_as(mail_client, None)
    form = find_form(get_page(mail_client, link), link)
    with write_session(app_state(mail_client).engine) as db:
        db.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))

    response = submit(mail_client, form, password=NEW_PASSWORD, confirm=NEW_PASSWORD)

    assert response.status_code == 410
    assert "This link has expired" in text_of(parse(response))
    assert password_hash_of(mail_client, "new.person@example.org") is None


def test_a_forged_invitation_link_is_not_found(client: TestClient, world: World) -> None:
    response = client.get("/invitations/forged-token-that-was-never-sent")
    assert response.status_code == 404
    assert "This link is not valid" in text_of(parse(response))


@pytest.mark.parametrize(
    ("password", "confirm", "field", "problem"),
    [
        pytest.param(" " * 12, None, "password", "The new password must not be only spaces.", id="spaces"),
        pytest.param("\x00" * 12, None, "password", "must not contain control characters", id="nul"),
        pytest.param("password1234", None, "password", "is too common or too easy to guess", id="common"),
        pytest.param("short pass", None, "password", "must be at least 12 characters long", id="short"),
        pytest.param(
            NEW_PASSWORD, "something else", "confirm", "must be the same password again", id="mismatch"
        ),
        pytest.param(
            "new.person@example.org", None, "password", "too common or too easy to guess", id="own-email"
        ),
    ],
)
def test_a_password_that_breaks_the_policy_is_refused_and_the_link_still_works(
    mail_client: TestClient,
    mailbox: Mailbox,
    mail_world: World,
    password: str,
    confirm: str | None,
    field: str,
    problem: str,
) -> None:
    link = invited(mail_client, mailbox, mail_world)

    response = choose_password(mail_client, link, password, confirm)

    assert response.status_code == 422
    soup = parse(response)
    assert problem in field_error(soup, field)
    assert password_hash_of(mail_client, "new.person@example.org") is None
    assert mail_client.get(link).status_code == 200


# --- password reset ----------------------------------------------------------------------------------------


def ask_for_reset(client: TestClient, email: str) -> Response:
    browse_as(client, None)
    form = find_form(get_page(client, "/password-reset"), "/password-reset")
    return submit(client, form, email=email)


def test_a_reset_link_arrives_by_email_and_sets_a_new_password_ending_every_session(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    lead = mail_world.users["lead_a"]
    browse_as(mail_client, lead)
    assert sessions_of(mail_client, lead) == 1

    answer = ask_for_reset(mail_client, "Lead.A@example.org")

    assert answer.status_code == 200
    (message,) = mailbox.wait_for(1)
    assert mailbox.recipients == [["lead.a@example.org"]]
    link = mailbox.link_in(message, "/password-reset/")
    assert location(choose_password(mail_client, link, NEW_PASSWORD)) == "/login?password_set=1"
    assert sessions_of(mail_client, lead) == 0
    assert sign_in(mail_client, "lead.a@example.org", PASSWORD).status_code == 401
    assert location(sign_in(mail_client, "lead.a@example.org", NEW_PASSWORD)) == "/trust"
    assert mail_client.get(link).status_code == 410


def test_a_reset_for_an_unknown_address_gets_the_same_answer_and_sends_nothing(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    known = text_of(parse(ask_for_reset(mail_client, "lead.a@example.org")).select_one(".notice"))
    unknown_response = ask_for_reset(mail_client, "nobody@example.org")
    unknown = text_of(parse(unknown_response).select_one(".notice"))

    assert unknown_response.status_code == 200
    assert known == unknown and "If that address belongs to an account" in known
    app_state(mail_client).mailer.wait_idle()
    assert [r for r in mailbox.recipients] == [["lead.a@example.org"]]


def test_reset_requests_are_throttled_with_429(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    for _ in range(3):
        assert ask_for_reset(mail_client, "nobody@example.org").status_code == 200

    refused = ask_for_reset(mail_client, "nobody@example.org")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many password reset requests" in field_error(parse(refused), "email")


def test_a_reset_link_cannot_take_up_an_invitation(
    mail_client: TestClient, mailbox: Mailbox, mail_world: World
) -> None:
    link = invited(mail_client, mailbox, mail_world)
    assert mail_client.get(link.replace("/invitations/", "/password-reset/")).status_code == 404


# --- changing one's own password ---------------------------------------------------------------------------


def change(client: TestClient, current: str, new: str, confirm: str | None = None) -> Response:
    form = find_form(get_page(client, "/account/password"), "/account/password")
    return submit(
        client, form, current_password=current, password=new, confirm=new if confirm is None else confirm
    )


def test_changing_ones_password_keeps_this_session_and_ends_the_others(
    client: TestClient, world: World
) -> None:
    viewer = world.users["viewer_a"]
    browse_as(client, viewer)  # another browser
    browse_as(client, viewer)  # this one
    assert sessions_of(client, viewer) == 2

    response = change(client, PASSWORD, NEW_PASSWORD)

    assert location(response) == "/account/password?saved=1"
    assert "Your password has been changed" in text_of(
        get_page(client, location(response)).select_one(".notice")
    )
    assert sessions_of(client, viewer) == 1
    assert verify_password(password_hash_of(client, "viewer.a@example.org"), NEW_PASSWORD)
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "password.change")) is not None


def test_a_wrong_current_password_changes_nothing(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])
    before = password_hash_of(client, "viewer.a@example.org")

    response = change(client, "not my password at all", NEW_PASSWORD)

    assert response.status_code == 422
    assert field_error(parse(response), "current_password") == "Your current password is not right."
    assert password_hash_of(client, "viewer.a@example.org") == before


def test_a_weak_new_password_is_refused_when_changing(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])
    before = password_hash_of(client, "viewer.a@example.org")

    response = change(client, PASSWORD, "password1234")

    assert response.status_code == 422
    assert "too common" in field_error(parse(response), "password")
    assert password_hash_of(client, "viewer.a@example.org") == before


def test_changing_a_password_needs_signing_in(client: TestClient, world: World) -> None:
    browse_as(client, None)
    response = client.get("/account/password", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/account/password")
