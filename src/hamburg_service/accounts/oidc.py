"""The OpenID Connect client of citizen sign-in, through Authlib (docs/citizen-sign-in.md).

Authorization code flow with PKCE (S256); Authlib keeps state, nonce and the code verifier in
the session, refuses a callback whose state it did not issue, and validates the ID token
(signature against the provider's keys, issuer, audience, expiry, nonce). The client is built
from the settings when first needed and again whenever they change (tests point it at their
own provider), so nothing is fetched from the provider at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse

NAME = "citizen"
TIMEOUT_SECONDS = 10

_clients: dict[tuple[str, ...], Any] = {}


class OidcRefused(Exception):
    """The provider's answer cannot be trusted or used (wrong state, replayed code, bad
    nonce or signature, an error from the provider). The reason is for the log only."""


@dataclass(frozen=True, slots=True)
class OidcResult:
    issuer: str
    subject: str
    claims: dict[str, Any]


def oidc_enabled() -> bool:
    return bool(settings.CITIZEN_OIDC_ISSUER and settings.CITIZEN_OIDC_CLIENT_ID)


def _config() -> tuple[str, ...]:
    return (
        settings.CITIZEN_OIDC_ISSUER.rstrip("/"),
        settings.CITIZEN_OIDC_CLIENT_ID,
        settings.CITIZEN_OIDC_CLIENT_SECRET,
        settings.CITIZEN_OIDC_SCOPES,
    )


def oidc_client() -> Any:
    """The Authlib client for the configured provider (one per configuration)."""
    config = _config()
    client = _clients.get(config)
    if client is None:
        issuer, client_id, secret, scopes = config
        oauth = OAuth()
        client = oauth.register(
            name=NAME,
            client_id=client_id,
            client_secret=secret,
            server_metadata_url=issuer + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": scopes,
                "code_challenge_method": "S256",
                "timeout": TIMEOUT_SECONDS,
            },
        )
        _clients.clear()
        _clients[config] = client
    return client


def oidc_redirect(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's sign-in; state, nonce and code verifier kept in the
    session. OidcRefused when the provider cannot be reached."""
    try:
        response: HttpResponse = oidc_client().authorize_redirect(request, redirect_uri)
    except Exception as error:  # the discovery document could not be read
        raise OidcRefused(f"{type(error).__name__}: {error}") from error
    return response


def oidc_callback(request: HttpRequest) -> OidcResult:
    """The validated answer of the provider to our callback, or OidcRefused."""
    client = oidc_client()
    try:
        token = client.authorize_access_token(request)
    except OAuthError as error:
        raise OidcRefused(f"{error.error}: {error.description}") from error
    except Exception as error:  # a bad ID token (signature, nonce, claims), a network error
        raise OidcRefused(f"{type(error).__name__}: {error}") from error
    claims = dict(token.get("userinfo") or {})
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        raise OidcRefused("The ID token names no issuer or subject.")
    return OidcResult(issuer=issuer, subject=subject, claims=claims)
