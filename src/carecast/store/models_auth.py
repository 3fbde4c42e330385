"""Tables of sign-in: attempts (for rate limits and lockout) and second-factor recovery codes.

Accounts and sessions themselves are in ``models_web``; the columns the auth branch added to them
(TOTP secret, provider subject, session re-check) are marked there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from carecast.store.db import Base


class WebLoginAttempt(Base):
    """One try at a password or a second-factor code, kept for the lockout windows."""

    __tablename__ = "web_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "password" or "code"
    account: Mapped[str] = mapped_column(String(254), index=True)  # the email typed
    address: Mapped[str] = mapped_column(String(64), index=True)  # the client's IP address
    ok: Mapped[bool] = mapped_column(Boolean)


class WebRecoveryCode(Base):
    """A one-use code for signing in without the authenticator app; only its Argon2 hash is kept."""

    __tablename__ = "web_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(300))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
