"""Single sign-on through a real OpenID provider (oidc-provider, run by Node): an invited account signs in;
a wrong audience, an expired token, a replayed answer, an unverified email, an uninvited email, a domain not
allowed and an unreachable provider each sign no one in and say why."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.db.tables import StaffSession, User
from app.services.oidc import SignOnFailed, discover, verified_claims
from tests.apps import build_app
from tests.factories import ADMIN_TOTP_SECRET, app_state, make_user
from tests.mailbox import free_port
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OTHER_CLIENT_ID, OpenIdProvider, oidc_provider
from tests.pages import parse, text_of

pytestmark = pytest.mark.database
__all__ = ["oidc_provider"]  # the fixture, used by name


def sso_settings(settings: Settings, provider: OpenIdProvider, **changes: object) -> Settings:
    values = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": SecretStr(CLIENT_SECRET),
        "oidc_allowed_domains": "council.example",
        **changes,
    }
    return settings.model_copy(update=values)


@pytest.fixture
def sso_client(migrated: Settings, oidc_provider: OpenIdProvider) -> Iterator[TestClient]:
    with TestClient(build_app(sso_settings(migrated, oidc_provider)), follow_redirects=False) as client:
        engine = app_state(client).engine
        for email in ("alice@council.example", "bob@council.example", "dave@elsewhere.example"):
            make_user(engine, email)
        yield client


def sessions(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(StaffSession)) or 0)


def user_count(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(User)) or 0)


def come_back(client: TestClient, provider: OpenIdProvider, login: str) -> tuple[str, httpx.Response]:
    started = client.get("/login/oidc?next=/trust")
    assert started.status_code == 303, started.text[:300]
    callback = provider.sign_in(started.headers["location"], login)
    return callback, client.get(callback)


def test_an_invited_account_signs_in_with_its_verified_email(
    sso_client: TestClient, oidc_provider: OpenIdProvider
) -> None:
    _, response = come_back(sso_client, oidc_provider, "alice")

    assert (response.status_code, response.headers["location"]) == (303, "/trust")
    me = sso_client.get("/api/me")
    assert me.json()["email"] == "alice@council.example"


def test_the_sign_in_page_offers_single_sign_on_when_it_is_set_up(sso_client: TestClient) -> None:
    link = parse(sso_client.get("/login")).select_one('a[href^="/login/oidc"]')
    assert text_of(link) == "Sign in with your organisation's account"


def test_the_request_to_the_provider_carries_state_nonce_and_pkce(sso_client: TestClient) -> None:
    location = httpx.URL(sso_client.get("/login/oidc").headers["location"])
    params = dict(location.params)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"] and params["client_id"] == CLIENT_ID


@pytest.mark.parametrize(
    ("login", "message"),
    [
        pytest.param("carol", "There is no account for carol@council.example here", id="uninvited"),
        pytest.param("bob", "has not verified that email address", id="unverified"),
        pytest.param("dave", "not open to that email domain", id="domain"),
    ],
)
def test_a_refused_email_signs_no_one_in_and_makes_no_account(
    sso_client: TestClient, oidc_provider: OpenIdProvider, login: str, message: str
) -> None:
    users_before = user_count(sso_client)

    _, response = come_back(sso_client, oidc_provider, login)

    assert response.status_code == 401
    assert message in text_of(parse(response).select_one(".error-summary"))
    assert sessions(sso_client) == 0
    assert user_count(sso_client) == users_before


def test_a_replayed_answer_signs_no_one_in(sso_client: TestClient, oidc_provider: OpenIdProvider) -> None:
    started = sso_client.get("/login/oidc")
    kept_cookie = sso_client.cookies.get("rainbow_oidc")
    callback = oidc_provider.sign_in(started.headers["location"], "alice")
    assert sso_client.get(callback).status_code == 303
    sso_client.cookies.clear()
    sso_client.cookies.set("rainbow_oidc", kept_cookie or "", path="/login/oidc")

    replayed = sso_client.get(callback)

    assert replayed.status_code == 401
    assert "Start again" in text_of(parse(replayed).select_one(".error-summary"))
    assert sessions(sso_client) == 1


def test_an_answer_without_its_browser_cookie_is_refused(
    sso_client: TestClient, oidc_provider: OpenIdProvider
) -> None:
    started = sso_client.get("/login/oidc")
    callback = oidc_provider.sign_in(started.headers["location"], "alice")
    sso_client.cookies.clear()

    response = sso_client.get(callback)

    assert response.status_code == 401
    assert "expired or was already used" in text_of(parse(response).select_one(".error-summary"))
    assert sessions(sso_client) == 0


def id_token_for(client: TestClient, provider: OpenIdProvider, client_id: str, nonce: str) -> str:
    """An ID token the provider really issued to `client_id` (a code exchanged by hand)."""
    from authlib.integrations.httpx_client import OAuth2Client

    info = discover(app_state(client).settings)
    with OAuth2Client(
        client_id,
        CLIENT_SECRET,
        scope="openid email",
        redirect_uri="http://testserver/login/oidc/callback",
        code_challenge_method="S256",
    ) as oauth:
        url, _state = oauth.create_authorization_url(
            info.authorization_endpoint, nonce=nonce, code_verifier="v" * 50
        )
        callback = provider.sign_in(str(url), "alice")
        token = oauth.fetch_token(
            info.token_endpoint, authorization_response="http://testserver" + callback, code_verifier="v" * 50
        )
    return str(token["id_token"])


def keys_and_issuer(client: TestClient) -> tuple[dict[str, object], str]:
    info = discover(app_state(client).settings)
    return httpx.get(info.jwks_uri).json(), info.issuer


def test_an_id_token_for_another_audience_is_refused(
    sso_client: TestClient, oidc_provider: OpenIdProvider
) -> None:
    token = id_token_for(sso_client, oidc_provider, OTHER_CLIENT_ID, nonce="n-1")
    keys, issuer = keys_and_issuer(sso_client)

    with pytest.raises(SignOnFailed, match="aud"):
        verified_claims(token, keys=keys, issuer=issuer, client_id=CLIENT_ID, nonce="n-1")
    assert (
        verified_claims(token, keys=keys, issuer=issuer, client_id=OTHER_CLIENT_ID, nonce="n-1")["sub"]
        == "alice"
    )


def test_an_expired_id_token_is_refused(sso_client: TestClient, oidc_provider: OpenIdProvider) -> None:
    token = id_token_for(sso_client, oidc_provider, CLIENT_ID, nonce="n-2")
    keys, issuer = keys_and_issuer(sso_client)
    claims = verified_claims(token, keys=keys, issuer=issuer, client_id=CLIENT_ID, nonce="n-2")

    with pytest.raises(SignOnFailed, match="expired"):
        verified_claims(
            token, keys=keys, issuer=issuer, client_id=CLIENT_ID, nonce="n-2", now=claims["exp"] + 61
        )


def test_a_token_with_another_nonce_issuer_or_a_broken_signature_is_refused(
    sso_client: TestClient, oidc_provider: OpenIdProvider
) -> None:
    token = id_token_for(sso_client, oidc_provider, CLIENT_ID, nonce="n-3")
    keys, issuer = keys_and_issuer(sso_client)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"

    with pytest.raises(SignOnFailed, match="nonce"):
        verified_claims(token, keys=keys, issuer=issuer, client_id=CLIENT_ID, nonce="another")
    with pytest.raises(SignOnFailed, match="iss"):
        verified_claims(token, keys=keys, issuer="https://impostor.example", client_id=CLIENT_ID, nonce="n-3")
    with pytest.raises(SignOnFailed, match="signature"):
        verified_claims(forged, keys=keys, issuer=issuer, client_id=CLIENT_ID, nonce="n-3")


def test_an_unreachable_provider_is_explained_and_signs_no_one_in(migrated: Settings) -> None:
    broken = migrated.model_copy(
        update={
            "oidc_issuer": f"http://127.0.0.1:{free_port()}",
            "oidc_client_id": "x",
            "oidc_client_secret": "y",
        }
    )
    with TestClient(build_app(broken), follow_redirects=False) as client:
        response = client.get("/login/oidc")
    assert response.status_code == 503
    assert "could not be reached" in text_of(parse(response).select_one(".error-summary"))


def test_without_single_sign_on_set_up_the_address_says_so(migrated: Settings) -> None:
    with TestClient(build_app(migrated), follow_redirects=False) as client:
        response = client.get("/login/oidc")
        assert parse(client.get("/login")).select_one('a[href^="/login/oidc"]') is None
    assert response.status_code == 503
    assert "Single sign-on is not set up" in text_of(parse(response).select_one(".error-summary"))


def test_an_account_with_a_second_factor_gives_its_code_after_single_sign_on(
    sso_client: TestClient, oidc_provider: OpenIdProvider
) -> None:
    with write_session(app_state(sso_client).engine) as db:
        db.execute(
            update(User)
            .where(User.email == "alice@council.example")
            .values(totp_secret=ADMIN_TOTP_SECRET, mfa_enabled_at=utcnow())
        )

    _, response = come_back(sso_client, oidc_provider, "alice")

    assert (response.status_code, response.headers["location"]) == (303, "/login/second-factor?next=%2Ftrust")
    assert sessions(sso_client) == 0
    form = parse(sso_client.get("/login/second-factor")).select_one("form")
    assert form is not None
    data = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}
    signed_in = sso_client.post(
        "/login/second-factor", data={**data, "code": pyotp.TOTP(ADMIN_TOTP_SECRET).now()}
    )
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/trust")
    assert sso_client.get("/api/me").json()["email"] == "alice@council.example"
