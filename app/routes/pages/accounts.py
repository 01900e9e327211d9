"""A member of staff's own account (pages): taking up an invitation, resetting a forgotten password, and
changing one's password.

    /invitations/{token}      choose a first password (the link from the invitation email)
    /password-reset           ask for a reset link (the same answer whether or not the address has an account)
    /password-reset/{token}   choose a new password (the link from the reset email)
    /account/password         change one's own password (the current one first)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict

from app.errors import Invalid, TooManyRequests
from app.identity import Staff
from app.schemas.staff import InvitationCreate, PasswordChange, PasswordSet
from app.services import accounts
from app.services.accounts import LinkFor
from app.store.account_links import INVITATION, RESET
from app.web.auth import SESSION_COOKIE, StaffUser, session_secret_from_cookie
from app.web.pages import InvalidForm, PageRoute, app_state, redirect_to, render_page, shows_form_again
from app.web.state import AppState, State

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PASSWORD_NOUNS = {
    "password": "the new password",
    "confirm": "the new password again",
    "current_password": "your current password",
}
Token = Annotated[str, Path(max_length=200, description="the token of the emailed link")]


class PasswordSetForm(PasswordSet):
    model_config = ConfigDict(extra="ignore")


class PasswordChangeForm(PasswordChange):
    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class SetPasswordPage:
    email: str
    purpose: str  # "invitation" or "reset"
    action: str  # where the form posts
    errors: dict[str, str]


@dataclass(frozen=True)
class ResetRequestPage:
    email: str
    answer: str | None  # the same sentence for known and unknown addresses, once asked
    errors: dict[str, str]


@dataclass(frozen=True)
class ChangePasswordPage:
    errors: dict[str, str]
    saved: bool


def link_builder(request: Request, route_name: str) -> LinkFor:
    """Full addresses of `route_name`'s links, on RAINBOW_PUBLIC_URL when set, else on this request's."""
    base = (app_state(request).settings.public_url or str(request.base_url)).rstrip("/")
    return lambda token: base + str(request.app.url_path_for(route_name, token=token))


def send_invitation(request: Request, staff: Staff, invitation: InvitationCreate) -> int:
    """`app.services.accounts.invite`, its link to this site's page for taking up an invitation; the id of
    the account."""
    state = app_state(request)
    return accounts.invite(
        state.runtime,
        state.mailer,
        actor=staff,
        invitation=invitation,
        link_for=link_builder(request, "accounts.invitation_page"),
    )


# --- choosing a password from a link ------------------------------------------------------------------------


def _set_password_page(
    request: Request, token: str, purpose: str, *, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    state = app_state(request)
    account = accounts.account_of_link(state.runtime, token=token, purpose=purpose)
    name = "accounts.accept_invitation" if purpose == INVITATION else "accounts.reset_password"
    page = SetPasswordPage(
        email=account.email,
        purpose=purpose,
        action=str(request.app.url_path_for(name, token=token)),
        errors=errors or {},
    )
    return render_page(request, "account/set_password.html", page, status=status)


def _show_set_password(purpose: str) -> Callable[[Request, InvalidForm], Response]:
    def show(request: Request, invalid: InvalidForm) -> Response:
        token = str(request.path_params["token"])
        return _set_password_page(request, token, purpose, errors=invalid.errors(PASSWORD_NOUNS), status=422)

    return show


def _set_password(request: Request, state: AppState, token: str, purpose: str, form: PasswordSet) -> Response:
    try:
        accounts.set_password_from_link(state.runtime, token=token, purpose=purpose, password=form.password)
    except Invalid as error:
        return _set_password_page(request, token, purpose, errors={error.field: error.message}, status=422)
    return redirect_to(request, "auth.login_form", query={"password_set": 1})


@router.get("/invitations/{token}", response_class=HTMLResponse, name="accounts.invitation_page")
def invitation_page(token: Token, request: Request) -> Response:
    """Anyone with the link: the invited person chooses their password (a used, expired or forged link is
    explained instead)."""
    return _set_password_page(request, token, INVITATION)


@router.post("/invitations/{token}", response_class=HTMLResponse, name="accounts.accept_invitation")
@shows_form_again(_show_set_password(INVITATION))
def accept_invitation(
    token: Token, request: Request, state: State, form: Annotated[PasswordSetForm, Form()]
) -> Response:
    """Anyone with the link: set the first password, using the invitation up; then sign in."""
    return _set_password(request, state, token, INVITATION, form)


@router.get("/password-reset/{token}", response_class=HTMLResponse, name="accounts.reset_page")
def reset_page(token: Token, request: Request) -> Response:
    """Anyone with the link: choose a new password."""
    return _set_password_page(request, token, RESET)


@router.post("/password-reset/{token}", response_class=HTMLResponse, name="accounts.reset_password")
@shows_form_again(_show_set_password(RESET))
def reset_password(
    token: Token, request: Request, state: State, form: Annotated[PasswordSetForm, Form()]
) -> Response:
    """Anyone with the link: set the new password, using the link up and ending every session."""
    return _set_password(request, state, token, RESET, form)


# --- asking for a reset link --------------------------------------------------------------------------------


@router.get("/password-reset", response_class=HTMLResponse, name="accounts.reset_request_form")
def reset_request_form(request: Request) -> Response:
    """Anyone: the form asking for a password reset link."""
    return render_page(
        request, "account/reset_request.html", ResetRequestPage(email="", answer=None, errors={})
    )


@router.post("/password-reset", response_class=HTMLResponse, name="accounts.request_reset")
def request_reset(
    request: Request, state: State, email: Annotated[str, Form(max_length=320)] = ""
) -> Response:
    """Anyone: email a reset link to the address if it has an account; the same answer either way."""
    if "@" not in email:
        errors = {"email": "Enter the email address you sign in with, like name@example.org."}
        page = ResetRequestPage(email=email, answer=None, errors=errors)
        return render_page(request, "account/reset_request.html", page, status=422)
    client = request.client.host if request.client else "unknown"
    try:
        answer = accounts.request_reset(
            state.runtime,
            state.mailer,
            email=email,
            client=client,
            link_for=link_builder(request, "accounts.reset_page"),
        )
    except TooManyRequests as error:
        page = ResetRequestPage(email=email, answer=None, errors={"email": error.detail})
        response = render_page(request, "account/reset_request.html", page, status=429)
        response.headers.update(error.headers)
        return response
    return render_page(
        request, "account/reset_request.html", ResetRequestPage(email="", answer=answer, errors={})
    )


# --- changing one's own password ----------------------------------------------------------------------------


def _show_change(request: Request, invalid: InvalidForm) -> Response:
    page = ChangePasswordPage(errors=invalid.errors(PASSWORD_NOUNS), saved=False)
    return render_page(request, "account/change_password.html", page, status=422)


@router.get("/account/password", response_class=HTMLResponse, name="accounts.password_form")
def password_form(request: Request, staff: StaffUser) -> Response:
    """Signed-in staff: the form to change their own password."""
    saved = request.query_params.get("saved") == "1"
    return render_page(request, "account/change_password.html", ChangePasswordPage(errors={}, saved=saved))


@router.post("/account/password", response_class=HTMLResponse, name="accounts.change_password")
@shows_form_again(_show_change)
def change_password(
    request: Request, staff: StaffUser, state: State, form: Annotated[PasswordChangeForm, Form()]
) -> Response:
    """Signed-in staff: change their password after giving the current one; their other sessions end."""
    secret = session_secret_from_cookie(state.secret_key, request.cookies.get(SESSION_COOKIE))
    try:
        accounts.change_password(
            state.runtime,
            staff=staff,
            current=form.current_password,
            new=form.password,
            session_secret=secret,
        )
    except Invalid as error:
        page = ChangePasswordPage(errors={error.field: error.message}, saved=False)
        return render_page(request, "account/change_password.html", page, status=422)
    return redirect_to(request, "accounts.password_form", query={"saved": 1})
