"""Single sign-on with OpenID Connect (Authlib for the authorization code flow with PKCE; joserfc, Authlib's
JOSE library, for the ID token).

`start` makes the provider's sign-in address and what the browser keeps meanwhile (state, nonce and the PKCE
verifier, in a signed cookie). `finish` checks the state, exchanges the code (once: the provider refuses a
replayed one), verifies the ID token (signature against the provider's published keys, issuer, audience,
expiry, nonce), and signs in the invited account whose email it verified. It never makes an account: an
email without an invitation is refused, as is an unverified email or a domain not allowed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from app.config import Settings
from app.db.engine import write_session
from app.services.runtime import Runtime
from app.services.sign_in import SecondFactorNeeded
from app.store import audit
from app.store.staff_sessions import start_session
from app.store.users import find_user

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

TIMEOUT_SECONDS = 10
NOT_SET_UP = "Single sign-on is not set up on this service. Sign in with your email and password."


class SignOnFailed(Exception):
    """Single sign-on did not sign anyone in; `message` says why, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Pending:
    """What the browser keeps between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str


@dataclass(frozen=True)
class ProviderInfo:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def discover(settings: Settings) -> ProviderInfo:
    """The provider's endpoints, from its discovery document.

    :raises SignOnFailed: when it cannot be reached, or names another issuer.
    """
    if not settings.oidc_configured:
        raise SignOnFailed(NOT_SET_UP)
    assert settings.oidc_issuer is not None
    issuer = settings.oidc_issuer.rstrip("/")
    try:
        answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        document = answer.json()
        info = ProviderInfo(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
        )
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        raise SignOnFailed(
            "The single sign-on provider could not be reached or did not answer as expected "
            f"({error.__class__.__name__}). Sign in with your password, or ask a site administrator."
        ) from error
    if info.issuer.rstrip("/") != issuer:
        raise SignOnFailed("The single sign-on provider names another issuer than RAINBOW_OIDC_ISSUER.")
    return info


def _client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    from authlib.integrations.httpx_client import (
        OAuth2Client,  # here: Authlib is for single sign-on alone (P6)
    )

    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    return OAuth2Client(
        settings.oidc_client_id,
        secret,
        scope="openid email",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_SECONDS,
    )


def start(settings: Settings, *, redirect_uri: str, next: str) -> tuple[str, Pending]:
    """The provider's sign-in address, and what the browser must keep until it comes back."""
    info = discover(settings)
    pending = Pending(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        next=next,
    )
    with _client(settings, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            info.authorization_endpoint,
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.verifier,
        )
    return str(url), pending


def finish(runtime: Runtime, *, pending: Pending | None, params: dict[str, str], redirect_uri: str) -> str:
    """Sign in from the provider's answer; returns the new session's secret.

    :raises SecondFactorNeeded: for an account with a second factor: the code comes next, as after a password.
    :raises SignOnFailed: for a missing or mismatched state (a replayed or forged answer), the provider's
        refusal, an ID token that fails verification, an unverified email, a domain not allowed, or an
        email with no invited, active account.
    """
    settings = runtime.settings
    if "error" in params:
        raise SignOnFailed(f"The provider did not sign you in ({params['error'][:100]}).")
    if pending is None or not secrets.compare_digest(params.get("state", ""), pending.state):
        raise SignOnFailed("This sign-in has expired or was already used. Start again from the sign-in page.")
    from authlib.integrations.base_client.errors import OAuthError

    info = discover(settings)
    try:
        with _client(settings, redirect_uri) as client:
            token = client.fetch_token(
                info.token_endpoint, code=params.get("code", ""), code_verifier=pending.verifier
            )
        keys = httpx.get(info.jwks_uri, timeout=TIMEOUT_SECONDS).json()
    except (OAuthError, httpx.HTTPError, ValueError) as error:
        raise SignOnFailed(
            "The provider refused this sign-in (the code may have been used already). Start again."
        ) from error
    assert settings.oidc_client_id is not None
    claims = verified_claims(
        str(token.get("id_token", "")),
        keys=keys,
        issuer=info.issuer,
        client_id=settings.oidc_client_id,
        nonce=pending.nonce,
    )
    return _sign_in(runtime, claims)


def verified_claims(
    id_token: str, *, keys: dict[str, Any], issuer: str, client_id: str, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims, once its signature, issuer, audience, expiry and nonce are right.

    :raises SignOnFailed: naming what is wrong.
    """
    from joserfc import jwt  # here, not at start-up: only single sign-on verifies tokens (P6)
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys))  # type: ignore[arg-type]
    except (JoseError, ValueError) as error:
        raise SignOnFailed("The provider's answer could not be verified (its signature).") from error
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=60,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
    )
    try:
        registry.validate(token.claims)
    except JoseError as error:
        reason = error.description or error.error
        raise SignOnFailed(f"The provider's answer could not be verified: {reason}.") from error
    azp = token.claims.get("azp")
    if isinstance(token.claims.get("aud"), list) and azp not in (None, client_id):
        raise SignOnFailed("The provider's answer was meant for another service (azp).")
    return dict(token.claims)


def _sign_in(runtime: Runtime, claims: dict[str, Any]) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise SignOnFailed("The provider did not give an email address. Ask a site administrator.")
    if claims.get("email_verified") is not True:
        raise SignOnFailed("The provider has not verified that email address, so it cannot sign you in here.")
    domains = runtime.settings.oidc_domains
    if domains and email.rpartition("@")[2] not in domains:
        raise SignOnFailed(
            "Single sign-on is not open to that email domain here. Sign in with your password."
        )
    with write_session(runtime.engine) as db:
        user = find_user(db, email=email)
        if user is None or not user.is_active or user.id is None:
            audit.record(db, action="login", outcome="failed", detail="single sign-on: no invited account")
            failed = True
        elif user.mfa_enabled_at is not None:  # the second factor they set up is asked for here too
            raise SecondFactorNeeded(user.id)
        else:
            failed = False
            audit.record(
                db, action="login", actor_id=user.id, actor_email=user.email, detail="single sign-on"
            )
            return start_session(db, user_id=user.id)
    assert failed
    raise SignOnFailed(
        f"There is no account for {email} here. Ask a site administrator, or your trust's lead, to "
        "invite you."
    )
