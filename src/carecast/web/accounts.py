"""Accounts and login sessions on the store: create users, check passwords, open and close sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecast.errors import ParameterError
from carecast.store.models_web import WebSession, WebUser
from carecast.web.access import Principal, Role, account_scope, parse_role
from carecast.web.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)

# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; they were stored as UTC."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ParameterError(f"'{email}' is not an email address", fix="give the user's work email")
    return email


def create_user(db: Session, *, email: str, password: str, role: str | Role,
                council: str | None = None, region: str | None = None) -> WebUser:
    """Add an account; the council (or region) is checked against the reference list."""
    email = normalise_email(email)
    role = role if isinstance(role, Role) else parse_role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ParameterError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
                             fix="choose a longer password (a few random words work well)")
    if db.scalar(select(WebUser).where(WebUser.email == email)) is not None:
        raise ParameterError(f"an account for {email} already exists", fix="use another email")
    council, region = account_scope(role, council, region)
    user = WebUser(email=email, password_hash=hash_password(password), role=role.value,
                   council=council, region=region, is_active=True, created_at=_now())
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, email: str, password: str) -> WebUser | None:
    user = db.scalar(select(WebUser).where(WebUser.email == email.strip().lower()))
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash) or not user.is_active:
        return None
    return user


def open_session(db: Session, user: WebUser, hours: int) -> str:
    """Start a session; return the token for the cookie (only its hash is stored)."""
    token = new_token()
    db.add(WebSession(token_hash=token_hash(token), user_id=user.id, created_at=_now(),
                      expires_at=_now() + dt.timedelta(hours=hours)))
    db.execute(delete(WebSession).where(WebSession.expires_at < _now()))
    return token


def close_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def principal_for(db: Session, token: str | None) -> Principal | None:
    """The user behind a session cookie, or None if it is missing, unknown or expired."""
    if not token:
        return None
    row = db.get(WebSession, token_hash(token))
    if row is None or _aware(row.expires_at) < _now():
        return None
    user = db.get(WebUser, row.user_id)
    if user is None or not user.is_active:
        return None
    return Principal(id=user.id, email=user.email, role=Role(user.role), council=user.council, region=user.region)
