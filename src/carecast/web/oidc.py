"""Single sign-on through a council's OpenID Connect provider (Entra ID, Google Workspace, Okta...).

The protocol is Authlib's (``authlib.integrations.starlette_client``, over httpx): the
authorization-code flow with PKCE (S256), a random ``state`` and ``nonce`` kept in a short-lived
signed cookie, the ID token's signature checked against the provider's published keys and its
issuer, audience, expiry and nonce checked. This module decides only who that person is *to
carecast*: role and council come from carecast's own account table (matched by the provider's
subject, or the first time by a verified email), or from a group the deployment mapped to a role.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecast.errors import CarecastError
from carecast.store.models_web import WebSession, WebUser
from carecast.web.settings import OidcProvider, Settings

log = logging.getLogger(__name__)
SSO_COOKIE = "carecast_sso"  # holds state, nonce and PKCE verifier for the few minutes of a sign-in
TIMEOUT = 10.0


class SsoRefused(CarecastError):
    """The identity provider's answer did not let this person into carecast."""

    exit_code = 5
    http_status = 403

    def __init__(
        self, message: str, *, reason: str, fix: str | None = None, email: str | None = None
    ):
        super().__init__(message, fix=fix)
        self.reason, self.email = reason, email


def registry(settings: Settings) -> OAuth:
    """One Authlib client per configured provider."""
    oauth = OAuth()
    for p in settings.oidc_providers:
        oauth.register(
            p.name,
            client_id=p.client_id,
            client_secret=p.client_secret or None,
            server_metadata_url=p.metadata_url,
            client_kwargs={"scope": p.scopes, "code_challenge_method": "S256", "timeout": TIMEOUT},
        )
    return oauth


def _provider(settings: Settings, name: str) -> OidcProvider:
    provider = settings.provider(name)
    if provider is None:
        raise SsoRefused(
            "there is no such sign-in provider",
            reason="unknown provider",
            fix="use a sign-in button on the login page",
        )
    return provider


async def start(request, name: str, redirect_uri: str):
    """Send the browser to the provider."""
    _provider(request.app.state.settings, name)
    return await request.app.state.oauth.create_client(name).authorize_redirect(
        request, redirect_uri
    )


async def finish(request, name: str) -> dict[str, Any]:
    """Check the provider's answer; return the token response with the verified ID-token claims
    under ``userinfo``. Anything wrong (state, nonce, signature, expiry, an error answer) refuses."""
    settings = request.app.state.settings
    _provider(settings, name)
    client = request.app.state.oauth.create_client(name)
    try:
        token = await client.authorize_access_token(
            request, leeway=settings.oidc_clock_leeway_seconds
        )
    except (OAuthError, JoseError) as exc:
        raise SsoRefused(
            "the sign-in could not be checked, so it was refused",
            reason=f"{type(exc).__name__}: {exc}"[:200],
            fix="start again from the login page; if it happens again, tell your administrator",
        ) from None
    except httpx.HTTPError as exc:
        raise SsoRefused(
            "your council's sign-in service did not answer",
            reason=type(exc).__name__,
            fix="try again in a few minutes",
        ) from None
    if not token.get("userinfo"):
        raise SsoRefused(
            "the sign-in service sent no ID token",
            reason="no id_token",
            fix="ask your administrator to include the openid scope",
        )
    return token


def _subject(provider: OidcProvider, claims: dict) -> str:
    return f"{provider.issuer.rstrip('/')}|{claims['sub']}"[:255]


def _verified_email(provider: OidcProvider, claims: dict) -> str | None:
    """The email, if the provider vouches for it: ``email_verified`` true, or (Entra ID sends no
    such claim) absent while the deployment lists the tenant's own domains."""
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        return None
    verified = claims.get("email_verified")
    if verified is True or verified == "true" or (verified is None and provider.email_domains):
        return email
    return None


def account_for(db: Session, provider: OidcProvider, claims: dict) -> WebUser:
    """The carecast account of the person the ID token names, or a refusal saying why."""
    from carecast.web.accounts import create_user

    email = _verified_email(provider, claims)
    shown = email or str(claims.get("email") or "")[:254] or None
    if email and provider.email_domains and email.rsplit("@", 1)[1] not in provider.email_domains:
        raise SsoRefused(
            f"accounts of {email.rsplit('@', 1)[1]} may not sign in through {provider.label}",
            reason="email domain not allowed",
            email=shown,
            fix="sign in with your council account",
        )
    subject = _subject(provider, claims)
    user = db.scalar(select(WebUser).where(WebUser.oidc_subject == subject))
    if user is None and email:
        user = db.scalar(select(WebUser).where(WebUser.email == email))
        if user is not None and user.oidc_subject not in (None, subject):
            raise SsoRefused(
                "this email is linked to another sign-in account",
                reason="subject mismatch",
                email=shown,
                fix="ask your administrator to check your account",
            )
    if user is None and email:
        grant = _group_grant(provider, claims)
        if grant is not None:
            user = create_user(
                db,
                email=email,
                password=None,
                role=grant.role,
                council=grant.council,
                region=grant.region,
            )
    if user is None:
        raise SsoRefused(
            "you do not have a carecast account",
            reason="unknown user",
            email=shown,
            fix="ask your council's carecast administrator to add you",
        )
    if not user.is_active:
        raise SsoRefused(
            "your carecast account is disabled",
            reason="disabled",
            email=shown,
            fix="ask your council's carecast administrator",
        )
    user.oidc_subject = subject
    return user


def _group_grant(provider: OidcProvider, claims: dict):
    if not provider.group_claim:
        return None
    groups = claims.get(provider.group_claim) or []
    groups = [groups] if isinstance(groups, str) else groups
    return next((provider.groups[g] for g in groups if g in provider.groups), None)


@cache
def _metadata(url: str) -> dict:
    response = httpx.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def still_signed_in(settings: Settings, row: WebSession) -> bool:
    """Ask the provider whether the session's user may still sign in, by using the refresh token
    (a disabled or deleted account gets ``invalid_grant``). Without a refresh token there is
    nothing to ask and the session lasts its length; a provider that does not answer is not a
    reason to sign everyone out."""
    provider = settings.provider(row.provider or "")
    if provider is None:
        return False  # the deployment no longer trusts that provider
    if not row.refresh_token:
        return True
    try:
        endpoint = _metadata(provider.metadata_url)["token_endpoint"]
        with OAuth2Client(
            provider.client_id, provider.client_secret or None, timeout=TIMEOUT
        ) as client:
            token = client.refresh_token(endpoint, refresh_token=row.refresh_token)
    except OAuthError:
        return False
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        log.warning("could not re-check a session with %s: %s", provider.name, type(exc).__name__)
        return True
    if "error" in token:
        return False
    row.refresh_token = token.get("refresh_token") or row.refresh_token
    return True


def end_session_url(settings: Settings, row: WebSession, after: str) -> str | None:
    """The provider's sign-out address (RP-initiated logout), if it publishes one."""
    provider = settings.provider(row.provider or "")
    if provider is None:
        return None
    try:
        endpoint = _metadata(provider.metadata_url).get("end_session_endpoint")
    except (httpx.HTTPError, ValueError):
        return None
    if not endpoint:
        return None
    params = [("client_id", provider.client_id), ("post_logout_redirect_uri", after)]
    if row.id_token:
        params.append(("id_token_hint", row.id_token))
    return add_params_to_uri(endpoint, params)
