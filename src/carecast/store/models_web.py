"""Tables of the web app: users, login sessions, the audit log and uploaded data sets (SSDA903 returns
and high-needs data).

The cleaned tables themselves live as Parquet files under the app's data directory (one folder
per council); the ``web_datasets`` row records who uploaded what, its hash and its quality report.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carecast.store.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebUser(Base):
    """A person who can log in. ``council`` is null for regional, commissioner and admin roles."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))
    council: Mapped[str | None] = mapped_column(String(100), nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # Columns below are the auth branch's (migrations/versions/auth_0001_*).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no code used twice
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)


class WebSession(Base):
    """A login session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # When the account (and, for single sign-on, the provider) was last asked whether it still may
    # sign in; see accounts.principal_for.
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(60), nullable=True)  # None: password login
    id_token: Mapped[str | None] = mapped_column(
        Text, nullable=True
    )  # hint for the provider's sign-out
    refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebAuditEvent(Base):
    """Who did what, when: logins, uploads, runs, exports. Never holds child identifiers."""

    __tablename__ = "web_audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    user_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    council: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class WebDataset(Base):
    """One upload of a council's data, cleaned and stored; the latest of each kind per council is current.

    ``kind`` is ``returns`` (SSDA903 episodes and children), ``ehcp_records`` (child-level EHCP
    records, SEN2 shape) or ``ehcp_counts`` (published counts by age and setting).
    """

    __tablename__ = "web_datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    council: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="returns")
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    content_hash: Mapped[str] = mapped_column(String(64))
    n_children: Mapped[int] = mapped_column(Integer, default=0)
    n_rows: Mapped[int] = mapped_column(
        Integer, default=0
    )  # episodes for returns, rows for EHCP data
    storage: Mapped[str] = mapped_column(
        Text
    )  # folder or file under the data dir holding the parquet
    quality: Mapped[dict] = mapped_column(
        JSON, default=dict
    )  # the data-quality summary shown inline
    # returns only (null on rows from before versions were kept): collection year -> hash of the
    # stored return that makes it, the uploaded file names, what changed against the version before
    # (years added/replaced, episodes added/changed/removed) and, for a rollback, the version restored
    years: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    files: Mapped[list | None] = mapped_column(JSON, nullable=True)
    changes: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def form(self) -> str:
        """A high-needs upload's form: ``records`` or ``counts``."""
        return self.kind.removeprefix("ehcp_")
