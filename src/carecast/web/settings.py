"""The web app's configuration: one class, read from the environment, checked before start.

Every setting has an environment variable ``CARECAST_<NAME>`` (e.g. ``CARECAST_SECRET_KEY``).
The app refuses to start outside ``dev``/``test`` with the placeholder secret, because the
secret signs sessions and CSRF tokens: a known secret lets anyone forge a login.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from carecast.errors import ParameterError

PLACEHOLDER_SECRET = "change-me"
ENV_PREFIX = "CARECAST_"


class GroupGrant(BaseModel):
    """What membership of one identity-provider group gives: a role and its council or region."""

    role: str
    council: str | None = None
    region: str | None = None

    model_config = {"extra": "forbid", "frozen": True}

    @model_validator(mode="after")
    def _known_scope(self) -> GroupGrant:
        """The same checks as an account an administrator adds, at start rather than at sign-in."""
        from carecast.web.access import account_scope, parse_role

        council, region = account_scope(parse_role(self.role), self.council, self.region)
        object.__setattr__(self, "council", council)
        object.__setattr__(self, "region", region)
        return self


class OidcProvider(BaseModel):
    """One OpenID Connect identity provider (a council's Entra ID tenant, Google Workspace, Okta...).

    ``email_domains`` limits who may sign in through it (empty: any verified email);
    ``group_claim`` + ``groups`` let the provider's groups give roles to people who have no
    carecast account yet; without them every user needs an account an administrator made.
    """

    name: str = Field(default="council", pattern=r"^[a-z0-9-]{1,40}$")  # in the callback URL
    label: str = Field(default="your council account", max_length=80)  # "Sign in with ..."
    issuer: str = Field(min_length=8)
    client_id: str = Field(min_length=1)
    client_secret: str = ""
    email_domains: list[str] = []
    group_claim: str | None = None
    groups: dict[str, GroupGrant] = {}
    scopes: str = "openid email profile"

    model_config = {"extra": "forbid", "frozen": True}

    @field_validator("email_domains", mode="before")
    @classmethod
    def _domains(cls, v: object) -> object:
        if isinstance(v, str):
            v = [d for d in v.replace(";", ",").split(",")]
        return [d.strip().lower().lstrip("@") for d in v if d.strip()] if isinstance(v, list) else v

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class Settings(BaseModel):
    """Settings for one running web app. Build with :meth:`from_env` or directly in tests."""

    environment: Literal["dev", "test", "production"] = "dev"
    secret_key: str = Field(default=PLACEHOLDER_SECRET, min_length=8)
    database_url: str | None = (
        None  # None: carecast.store's default (SQLite file) / CARECAST_DATABASE_URL
    )
    data_dir: Path = Path("carecast-data")  # cleaned tables per council, cached results
    max_upload_mb: int = Field(default=200, ge=1, le=2048)
    session_hours: int = Field(default=8, ge=1, le=24 * 14)
    worker_threads: int = Field(default=2, ge=1, le=16)
    cookie_secure: bool = False  # True behind HTTPS
    pseudonym_key: str | None = None  # for regional (pseudonymised) views; CARECAST_PSEUDONYM_KEY
    # Sign-in protection: this many wrong passwords (or codes) for one account within
    # ``lockout_minutes`` lock it for the rest of that window; an address gets more tries in all,
    # because a council's staff may share one outgoing address.
    lockout_failures: int = Field(default=12, ge=3, le=100)
    address_failures: int = Field(default=60, ge=5, le=10_000)
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # TOTP is always required for admin and regional roles; this makes it required for everyone.
    totp_for_everyone: bool = False
    # How often a session asks again whether its account (and its identity provider) still allows it.
    session_recheck_minutes: int = Field(default=5, ge=1, le=24 * 60)
    # Single sign-on: one provider from CARECAST_OIDC_ISSUER / _CLIENT_ID / _CLIENT_SECRET /
    # _EMAIL_DOMAINS, or several as a JSON list in CARECAST_OIDC_PROVIDERS.
    oidc_providers: list[OidcProvider] = []
    oidc_clock_leeway_seconds: int = Field(default=60, ge=0, le=600)

    model_config = {"extra": "forbid"}

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @model_validator(mode="after")
    def _no_placeholder_secret(self) -> Settings:
        if self.environment not in ("dev", "test"):
            self.require_real_secret()
        return self

    def require_real_secret(self) -> None:
        """Refuse the placeholder or a short secret (``carecast serve`` without ``--dev``)."""
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
            raise ParameterError(
                "the web app will not start with the placeholder or a short secret key",
                fix="set CARECAST_SECRET_KEY to at least 32 random characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or add --dev to try it on your own computer",
            )

    def provider(self, name: str) -> OidcProvider | None:
        return next((p for p in self.oidc_providers if p.name == name), None)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``CARECAST_*`` variables, then ``overrides`` (e.g. from CLI options)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = ENV_PREFIX + name.upper()
            if key in env and env[key] != "":
                values[name] = env[key]
        try:
            if "oidc_providers" in values:
                values["oidc_providers"] = json.loads(str(values["oidc_providers"]))
        except ValueError:
            raise ParameterError(
                "CARECAST_OIDC_PROVIDERS is not valid JSON",
                fix="give a JSON list of providers, e.g. "
                '[{"name": "lewisham", "issuer": "...", "client_id": "..."}]',
            ) from None
        single = {
            k: env.get(f"{ENV_PREFIX}OIDC_{k.upper()}", "")
            for k in ("issuer", "client_id", "client_secret", "email_domains")
        }
        if single["issuer"]:
            values["oidc_providers"] = [single, *values.get("oidc_providers", [])]  # type: ignore[misc]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ParameterError:
            raise
        except ValueError as exc:  # pydantic.ValidationError
            raise ParameterError(
                f"the web app settings are invalid: {exc}",
                fix="check the CARECAST_* environment variables",
            ) from None
