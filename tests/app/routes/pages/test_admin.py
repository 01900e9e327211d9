"""The administration pages, used as a browser would: trusts, staff accounts, memberships, audit log."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from app.choices import Role
from app.config import Settings
from app.db.engine import read_session
from app.db.identity_tables import AccountLink
from app.db.tables import Membership, Trust, User
from app.routes.pages.admin import OverviewPage, UserPage
from app.routes.pages.audit import AuditPage
from tests.apps import build_app
from tests.factories import World, app_state, browse_as, make_user, make_world
from tests.mailbox import Mailbox, free_port
from tests.pages import (
    field_error,
    find_form,
    get_page,
    location,
    parse,
    rendered_with,
    submit,
    text_of,
)

pytestmark = pytest.mark.database


# --- helpers ---------------------------------------------------------------------------------------------


def trust_names_in_db(client: TestClient) -> list[str]:
    with read_session(app_state(client).engine) as db:
        return list(db.scalars(select(Trust.name).order_by(Trust.name)))


def user_count(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(User)) or 0)


def roles_in_db(client: TestClient, user_id: int) -> dict[int, Role]:
    with read_session(app_state(client).engine) as db:
        rows = db.scalars(select(Membership).where(Membership.user_id == user_id)).all()
        return {m.trust_id: Role(m.role) for m in rows}


def overview_section(soup: BeautifulSoup, title: str) -> Tag:
    section = soup.select_one(f'section[aria-labelledby="{title}"]')
    assert section is not None
    return section


def listed_trusts(soup: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in overview_section(soup, "trusts-title").select(".card-list a")]


def listed_accounts(soup: BeautifulSoup) -> dict[str, str]:
    """Staff accounts on /admin: email -> status."""
    rows = overview_section(soup, "users-title").select("table tbody tr")
    return {row.th.get_text(strip=True): row.select("td")[-1].get_text(strip=True) for row in rows if row.th}


def membership_rows(soup: BeautifulSoup) -> dict[str, str]:
    """The user page's memberships table: trust name -> the role selected."""
    section = soup.select_one('section[aria-labelledby="memberships-title"]')
    assert section is not None
    rows: dict[str, str] = {}
    for row in section.select("table tbody tr"):
        selected = row.select_one("select option[selected]")
        rows[row.th.get_text(strip=True)] = str(selected["value"]) if selected else ""
    return rows


# --- trusts ----------------------------------------------------------------------------------------------


def test_an_admin_adds_a_trust_and_it_appears_in_the_list(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    form = find_form(get_page(client, "/admin"), "/admin/trusts")

    response = submit(client, form, name="  Trust C  ")

    assert location(response) == "/admin?added=trust"
    soup = get_page(client, location(response))
    assert text_of(soup.select_one(".notice")) == "The trust has been added."
    assert listed_trusts(soup) == ["Trust A", "Trust B", "Trust C"]
    assert trust_names_in_db(client) == ["Trust A", "Trust B", "Trust C"]


@pytest.mark.parametrize("name", ["", "   "])
def test_a_trust_with_no_name_is_refused_with_422_and_a_message(
    client: TestClient, world: World, name: str
) -> None:
    browse_as(client, world.users["admin"])
    form = find_form(get_page(client, "/admin"), "/admin/trusts")

    response = submit(client, form, name=name)

    assert response.status_code == 422
    soup = parse(response)
    assert field_error(soup, "name") == "Enter the name of the trust."
    assert trust_names_in_db(client) == ["Trust A", "Trust B"]


def test_a_trust_name_already_used_is_refused_with_409_and_a_message(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["admin"])
    form = find_form(get_page(client, "/admin"), "/admin/trusts")

    response = submit(client, form, name="Trust A")

    assert response.status_code == 409
    soup = parse(response)
    assert field_error(soup, "name") == "There is already a trust called 'Trust A'."
    assert find_form(soup, "/admin/trusts").select_one("#field-name")["value"] == "Trust A"
    assert trust_names_in_db(client) == ["Trust A", "Trust B"]


# --- staff accounts --------------------------------------------------------------------------------------


@pytest.fixture
def mail_client(migrated: Settings, mailbox: Mailbox) -> Iterator[TestClient]:
    """A client of an app that sends its emails to the test's SMTP server."""
    with TestClient(build_app(mailbox.settings(migrated))) as test_client:
        yield test_client


def invite(client: TestClient, **fields: str) -> Response:
    form = find_form(get_page(client, "/admin"), "/admin/users")
    return submit(client, form, **fields)


def test_an_admin_invites_a_person_with_a_trust_and_role_in_one_form_and_the_email_arrives(
    mail_client: TestClient, mailbox: Mailbox
) -> None:
    world = make_world(app_state(mail_client).engine)
    browse_as(mail_client, world.users["admin"])

    response = invite(mail_client, email=" New.Lead@Example.org ", trust_id=str(world.trust_a), role="lead")

    with read_session(app_state(mail_client).engine) as db:
        user = db.scalar(select(User).where(User.email == "new.lead@example.org"))
    assert user is not None and user.id is not None
    assert (user.is_active, user.is_admin, user.password_hash) == (True, False, None)
    assert roles_in_db(mail_client, user.id) == {world.trust_a: Role.LEAD}
    assert location(response) == f"/admin/users/{user.id}?invited=1"
    (message,) = mailbox.wait_for(1)
    assert mailbox.recipients == [["new.lead@example.org"]]
    assert mailbox.link_in(message, "/invitations/").startswith("/invitations/")
    app_state(mail_client).mailer.wait_idle()
    page = get_page(mail_client, location(response))
    assert "Sent" in text_of(
        page.select_one('section[aria-labelledby="links-title"] tbody td:nth-of-type(2)')
    )
    assert listed_accounts(get_page(mail_client, "/admin"))["new.lead@example.org"] == "Invited"


def test_the_admin_forms_ask_no_one_for_a_password(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    soup = get_page(client, "/admin")
    assert soup.select('input[type="password"]') == []
    assert get_page(client, f"/admin/users/{world.users['viewer_a']}").select('input[type="password"]') == []


def test_a_failed_email_is_shown_to_the_admin_beside_the_invitation(migrated: Settings) -> None:
    broken = migrated.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": free_port(), "smtp_starttls": False}
    )
    with TestClient(build_app(broken)) as client:
        world = make_world(app_state(client).engine)
        browse_as(client, world.users["admin"])
        response = invite(client, email="new.person@example.org", trust_id=str(world.trust_a), role="viewer")
        app_state(client).mailer.wait_idle()
        page = get_page(client, location(response))
        overview = get_page(client, "/admin")
    links = text_of(page.select_one('section[aria-labelledby="links-title"]'))
    assert "Failed" in links and "could not reach the SMTP server (ConnectionRefusedError" in links
    assert listed_accounts(overview)["new.person@example.org"] == "Invited:the email failed"


def test_without_smtp_the_invitation_says_its_link_went_to_the_log(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    response = invite(client, email="new.person@example.org", trust_id=str(world.trust_a), role="viewer")
    app_state(client).mailer.wait_idle()
    links = text_of(get_page(client, location(response)).select_one('section[aria-labelledby="links-title"]'))
    assert "no SMTP server is set up, so the link went to the service's log (development only)" in links


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        pytest.param(
            {"email": "new.lead.example.org", "trust_id": "TRUST_A", "role": "lead"},
            {"email": "The email address must look like name@example.org."},
            id="malformed-email",
        ),
        pytest.param(
            {"email": "new.lead@example.org", "trust_id": "TRUST_A", "role": ""},
            {"role": "Choose the person's role in the trust."},
            id="trust-without-role",
        ),
        pytest.param(
            {"email": "new.lead@example.org", "trust_id": "", "role": "lead"},
            {"role": "Choose the trust the role is in."},
            id="role-without-trust",
        ),
        pytest.param(
            {"email": "new.lead@example.org", "trust_id": "", "role": ""},
            {"role": "Choose a trust and a role, or make the person a site administrator."},
            id="nothing-to-do",
        ),
    ],
)
def test_a_bad_invitation_is_refused_with_422_and_messages_and_nothing_created(
    client: TestClient, world: World, fields: dict[str, str], problems: dict[str, str]
) -> None:
    browse_as(client, world.users["admin"])
    before = user_count(client)
    fields = {name: str(world.trust_a) if value == "TRUST_A" else value for name, value in fields.items()}

    response = invite(client, **fields)

    assert response.status_code == 422
    soup = parse(response)
    assert {name: field_error(soup, name) for name in problems} == problems
    assert find_form(soup, "/admin/users").select_one("#field-email")["value"] == fields["email"]
    assert user_count(client) == before


def test_an_email_that_already_has_an_account_is_refused_with_409(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    before = user_count(client)

    response = invite(client, email="Lead.A@example.org", trust_id=str(world.trust_b), role="viewer")

    assert response.status_code == 409
    assert field_error(parse(response), "email") == "There is already an account for lead.a@example.org."
    assert user_count(client) == before


def test_the_accounts_list_shows_trusts_and_roles_and_filters_by_them(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["admin"])
    everyone = overview_section(get_page(client, "/admin"), "users-title")
    rows = {
        row.th.get_text(strip=True): row.select("td")[0].get_text(" ", strip=True)
        for row in everyone.select("tbody tr")
    }
    assert rows["lead.a@example.org"] == "Trust A: lead"
    assert rows["admin@example.org"] == "None"

    leads = listed_accounts(get_page(client, "/admin?role=lead"))
    assert set(leads) == {"lead.a@example.org", "lead.b@example.org"}
    trust_b = listed_accounts(get_page(client, f"/admin?trust={world.trust_b}"))
    assert set(trust_b) == {"lead.b@example.org"}
    assert set(listed_accounts(get_page(client, "/admin?trust=①&role=nonsense"))) == set(rows)


def test_a_new_invitation_replaces_the_old_link(mail_client: TestClient, mailbox: Mailbox) -> None:
    world = make_world(app_state(mail_client).engine)
    browse_as(mail_client, world.users["admin"])
    response = invite(mail_client, email="new.person@example.org", trust_id=str(world.trust_a), role="viewer")
    user_page = location(response).split("?")[0]
    resend = find_form(get_page(mail_client, user_page), f"{user_page}/invitation")

    assert location(submit(mail_client, resend)) == f"{user_page}?invited=1"

    first, second = mailbox.wait_for(2)
    assert mail_client.get(mailbox.link_in(first, "/invitations/")).status_code == 410
    assert mail_client.get(mailbox.link_in(second, "/invitations/")).status_code == 200


# --- memberships -----------------------------------------------------------------------------------------


def test_an_admin_gives_changes_and_removes_a_role_and_the_audit_log_lists_it(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["admin"])
    user_id = make_user(app_state(client).engine, "newcomer@example.org")
    page = f"/admin/users/{user_id}"
    soup = get_page(client, page)
    assert "Not a member of any trust." in text_of(soup)

    added = submit(
        client, find_form(soup, f"{page}/memberships"), trust_id=str(world.trust_b), role=Role.LEAD.value
    )
    assert location(added) == f"{page}?saved=1"
    soup = get_page(client, location(added))
    assert text_of(soup.select_one(".notice")) == "Saved."
    assert membership_rows(soup) == {"Trust B": "lead"}
    assert roles_in_db(client, user_id) == {world.trust_b: Role.LEAD}

    row = soup.select_one('section[aria-labelledby="memberships-title"] table tbody tr')
    changed = submit(client, find_form(row, f"{page}/memberships"), role=Role.VIEWER.value)
    assert location(changed) == f"{page}?saved=1"
    soup = get_page(client, page)
    assert membership_rows(soup) == {"Trust B": "viewer"}
    assert roles_in_db(client, user_id) == {world.trust_b: Role.VIEWER}

    removed = submit(client, find_form(soup, f"{page}/memberships/{world.trust_b}/delete"))
    assert location(removed) == f"{page}?saved=1"
    soup = get_page(client, page)
    assert membership_rows(soup) == {}
    assert "Not a member of any trust." in text_of(soup)
    assert roles_in_db(client, user_id) == {}

    audit = get_page(client, "/admin/audit")
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in audit.select("table tbody tr")]
    # Columns: when, who, action, outcome, about (by name), trust, detail; newest first.
    about = "user: newcomer@example.org"
    about_user = [row[1:] for row in rows if row[4] == about]
    assert about_user == [
        ["admin@example.org", "Removed from a trust", "Succeeded", about, "Trust B", ""],
        ["admin@example.org", "Gave a role in a trust", "Succeeded", about, "Trust B", "role lead -> viewer"],
        ["admin@example.org", "Gave a role in a trust", "Succeeded", about, "Trust B", "role none -> lead"],
    ]


# --- disabling accounts ----------------------------------------------------------------------------------


def test_disabling_an_account_signs_that_person_out_at_once(client: TestClient, world: World) -> None:
    their_browser = TestClient(client.app)
    browse_as(their_browser, world.users["lead_a"])
    assert their_browser.get(f"/trust/{world.trust_a}", follow_redirects=False).status_code == 200
    browse_as(client, world.users["admin"])
    page = f"/admin/users/{world.users['lead_a']}"
    soup = get_page(client, page)
    assert soup.select_one("#access-title").get_text(strip=True) == "Disable this account"

    response = submit(client, find_form(soup, f"{page}/active"))

    assert location(response) == f"{page}?saved=1"
    soup = get_page(client, page)
    assert "Disabled: cannot sign in or use API tokens" in text_of(soup.select_one("dl.facts"))
    assert listed_accounts(get_page(client, "/admin"))[world.emails["lead_a"]] == "Disabled"
    next_request = their_browser.get(f"/trust/{world.trust_a}", follow_redirects=False)
    assert location(next_request) == f"/login?next=/trust/{world.trust_a}"
    api = client.get("/api/trusts", headers={"Authorization": f"Bearer {world.tokens['lead_a']}"})
    assert api.status_code == 401


def test_an_admin_is_not_offered_to_disable_their_own_account(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    page = f"/admin/users/{world.users['admin']}"
    assert get_page(client, page).select_one(f'form[action="{page}/active"]') is None


def test_an_admin_cannot_disable_their_own_account(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["admin"])
    page = f"/admin/users/{world.users['admin']}"

    response = client.post(f"{page}/active", data={"active": "false"}, headers=headers)

    assert response.status_code == 422
    assert text_of(parse(response).select_one(".error-summary")) == "You cannot disable your own account."
    with read_session(app_state(client).engine) as db:
        admin = db.get(User, world.users["admin"])
        assert admin is not None and admin.is_active
    assert get_page(client, "/admin").h1.get_text(strip=True) == "Administration"


# --- access ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead_a", "facilitator_a", "viewer_a", "lead_b"])
@pytest.mark.parametrize("page", ["overview", "user", "audit"])
def test_staff_who_are_not_admins_get_403_on_admin_pages(
    client: TestClient, world: World, role: str, page: str
) -> None:
    browse_as(client, world.users[role])
    path = {"overview": "/admin", "user": f"/admin/users/{world.users[role]}", "audit": "/admin/audit"}[page]

    response = client.get(path, follow_redirects=False)

    assert response.status_code == 403
    assert "Only site administrators can do this." in text_of(parse(response))


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("/admin/trusts", {"name": "Trust C"}),
        ("/admin/users", {"email": "sneaky@example.org", "is_admin": "true"}),
    ],
)
def test_staff_who_are_not_admins_cannot_post_admin_forms(
    client: TestClient, world: World, action: str, data: dict[str, str]
) -> None:
    csrf = browse_as(client, world.users["lead_a"])
    trusts_before, users_before = trust_names_in_db(client), user_count(client)

    response = client.post(action, data=data, headers=csrf, follow_redirects=False)

    assert response.status_code == 403
    assert trust_names_in_db(client) == trusts_before
    assert user_count(client) == users_before


# --- what each page's template gets -----------------------------------------------------------------------


def test_each_admin_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    rendered_with(client.get("/admin"), "admin/overview.html", OverviewPage)
    rendered_with(client.get(f"/admin/users/{world.users['viewer_a']}"), "admin/user.html", UserPage)
    rendered_with(client.get("/admin/audit"), "admin/audit.html", AuditPage)


def test_a_refused_form_keeps_what_was_typed_and_shows_the_page_with_its_context(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["admin"])
    form = find_form(get_page(client, "/admin"), "/admin/users")

    response = submit(client, form, email=" not-an-email ", trust_id="", role="", is_admin="true")

    assert response.status_code == 422
    context = rendered_with(response, "admin/overview.html", OverviewPage)
    assert context["user_form"] == {"email": " not-an-email ", "trust_id": "", "role": "", "is_admin": True}
    assert set(context["user_errors"]) == {"email"}


def test_inviting_answers_at_once_while_the_smtp_server_hangs(migrated: Settings) -> None:
    with socket.socket() as silent:  # takes the connection and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        hanging = migrated.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_starttls": False,
                "smtp_timeout_seconds": 3,
            }
        )
        with TestClient(build_app(hanging)) as client:
            world = make_world(app_state(client).engine)
            browse_as(client, world.users["admin"])
            form = find_form(get_page(client, "/admin"), "/admin/users")
            started = time.perf_counter()
            response = submit(
                client, form, email="new.person@example.org", trust_id=str(world.trust_a), role="viewer"
            )
            answered_in = time.perf_counter() - started
            app_state(client).mailer.wait_idle()
            links = text_of(
                get_page(client, location(response)).select_one('section[aria-labelledby="links-title"]')
            )
    assert answered_in < 1.5  # the argon2-free invitation itself; the email waits 3 s on its own thread
    assert "the SMTP server did not answer" in links


def test_only_the_hash_of_an_invitation_token_is_stored(mail_client: TestClient, mailbox: Mailbox) -> None:
    world = make_world(app_state(mail_client).engine)
    browse_as(mail_client, world.users["admin"])
    invite(mail_client, email="new.person@example.org", trust_id=str(world.trust_a), role="viewer")
    token = mailbox.link_in(mailbox.wait_for(1)[0], "/invitations/").removeprefix("/invitations/")

    with read_session(app_state(mail_client).engine) as db:
        stored = db.scalars(select(AccountLink.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored
