"""The web app's configuration: one class, read from the environment, checked before start.

Every setting has an environment variable ``CARECAST_<NAME>`` (e.g. ``CARECAST_SECRET_KEY``).
The app refuses to start outside ``dev``/``test`` with the placeholder secret, because the
secret signs sessions and CSRF tokens: a known secret lets anyone forge a login.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from carecast.errors import ParameterError

PLACEHOLDER_SECRET = "change-me"
ENV_PREFIX = "CARECAST_"


class Settings(BaseModel):
    """Settings for one running web app. Build with :meth:`from_env` or directly in tests."""

    environment: Literal["dev", "test", "production"] = "dev"
    secret_key: str = Field(default=PLACEHOLDER_SECRET, min_length=8)
    database_url: str | None = None  # None: carecast.store's default (SQLite file) / CARECAST_DATABASE_URL
    data_dir: Path = Path("carecast-data")  # cleaned tables per council, cached results
    max_upload_mb: int = Field(default=200, ge=1, le=2048)
    session_hours: int = Field(default=8, ge=1, le=24 * 14)
    worker_threads: int = Field(default=2, ge=1, le=16)
    cookie_secure: bool = False  # True behind HTTPS
    pseudonym_key: str | None = None  # for regional (pseudonymised) views; CARECAST_PSEUDONYM_KEY

    model_config = {"extra": "forbid"}

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @model_validator(mode="after")
    def _no_placeholder_secret(self) -> Settings:
        if self.environment not in ("dev", "test") and (
            self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        ):
            raise ParameterError(
                "the web app will not start in production with the placeholder or a short secret key",
                fix="set CARECAST_SECRET_KEY to at least 32 random characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')",
            )
        return self

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
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ParameterError:
            raise
        except ValueError as exc:  # pydantic.ValidationError
            raise ParameterError(
                f"the web app settings are invalid: {exc}",
                fix="check the CARECAST_* environment variables",
            ) from None
