"""Accounts and login sessions on the store: create, disable, reset and delete users; check
passwords (with lockout); open, re-check and close sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecast.errors import NotFoundError, ParameterError
from carecast.store.models_web import WebSession, WebUser
from carecast.web import lockout
from carecast.web.access import Principal, Role, account_scope, parse_role
from carecast.web.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from carecast.web.settings import Settings

# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")
# Stored for accounts that sign in only through their identity provider: no password matches it.
NO_PASSWORD = "!single-sign-on-only"


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


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ParameterError(
            f"the password is shorter than {MIN_PASSWORD_LENGTH} characters",
            fix="choose a longer password (a few random words work well)",
        )


def create_user(
    db: Session,
    *,
    email: str,
    password: str | None,
    role: str | Role,
    council: str | None = None,
    region: str | None = None,
) -> WebUser:
    """Add an account; the council (or region) is checked against the reference list.

    ``password=None`` makes an account that signs in only through single sign-on.
    """
    email = normalise_email(email)
    role = role if isinstance(role, Role) else parse_role(role)
    if password is not None:
        check_new_password(password)
    if db.scalar(select(WebUser).where(WebUser.email == email)) is not None:
        raise ParameterError(f"an account for {email} already exists", fix="use another email")
    council, region = account_scope(role, council, region)
    user = WebUser(
        email=email,
        password_hash=hash_password(password) if password else NO_PASSWORD,
        role=role.value,
        council=council,
        region=region,
        is_active=True,
        created_at=_now(),
        must_change_password=False,
    )
    db.add(user)
    db.flush()
    return user


def find_user(db: Session, email: str) -> WebUser:
    user = db.scalar(select(WebUser).where(WebUser.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(
            f"there is no account for {email.strip()}",
            fix="check the email (carecast user list shows every account)",
        )
    return user


def user_by_id(db: Session, user_id: int) -> WebUser:
    user = db.get(WebUser, user_id)
    if user is None:
        raise NotFoundError(
            "that account does not exist (it may have been deleted)", fix="reload the admin page"
        )
    return user


def end_sessions(db: Session, user: WebUser) -> None:
    db.execute(delete(WebSession).where(WebSession.user_id == user.id))


def set_active(db: Session, user: WebUser, active: bool) -> None:
    """Disable (signing the user out everywhere) or re-enable an account."""
    user.is_active = active
    if not active:
        end_sessions(db, user)


def delete_user(db: Session, user: WebUser) -> None:
    end_sessions(db, user)
    db.delete(user)
    db.flush()


def reset_password(
    db: Session, user: WebUser, password: str, *, second_factor: bool = False
) -> None:
    """Give the account a temporary password the user must change at next login; optionally
    remove the second factor too (a lost phone), so the user enrols again."""
    from carecast.web.second_factor import remove_second_factor

    check_new_password(password)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    if second_factor:
        remove_second_factor(db, user)
    end_sessions(db, user)


def change_password(db: Session, user: WebUser, current: str, new: str) -> None:
    if not verify_password(current, user.password_hash).ok:
        raise ParameterError(
            "the current password is not right", fix="type your current password again"
        )
    check_new_password(new)
    if new == current:
        raise ParameterError(
            "the new password is the same as the current one", fix="choose a new password"
        )
    user.password_hash = hash_password(new)
    user.must_change_password = False


def authenticate(db: Session, email: str, password: str) -> WebUser | None:
    """The active account with this email and password, or None. An outdated hash (scrypt, or
    Argon2 with weaker parameters) is replaced by a current one."""
    user = db.scalar(select(WebUser).where(WebUser.email == email.strip().lower()))
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    check = verify_password(password, user.password_hash)
    if not check.ok or not user.is_active:
        return None
    if check.new_hash is not None:
        user.password_hash = check.new_hash
    return user


class SignIn(NamedTuple):
    user: WebUser | None
    wait_seconds: int = 0  # > 0: locked out, nothing was checked


def sign_in(db: Session, settings: Settings, *, email: str, password: str, address: str) -> SignIn:
    """:func:`authenticate` behind the lockout: refuse without checking while the account or the
    address is locked; record every checked attempt."""
    account = email.strip().lower()[:254]
    wait = lockout.wait_seconds(
        db,
        kind="password",
        account=account,
        address=address,
        account_limit=settings.lockout_failures,
        address_limit=settings.address_failures,
        minutes=settings.lockout_minutes,
    )
    if wait:
        return SignIn(None, wait)
    user = authenticate(db, account, password)
    lockout.record(db, kind="password", account=account, address=address, ok=user is not None)
    return SignIn(user)


def principal(user: WebUser) -> Principal:
    return Principal(
        id=user.id, email=user.email, role=Role(user.role), council=user.council, region=user.region
    )


def open_session(
    db: Session,
    user: WebUser,
    hours: int,
    *,
    provider: str | None = None,
    id_token: str | None = None,
    refresh_token: str | None = None,
) -> str:
    """Start a session; return the token for the cookie (only its hash is stored)."""
    token = new_token()
    db.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=_now(),
            expires_at=_now() + dt.timedelta(hours=hours),
            checked_at=_now(),
            provider=provider,
            id_token=id_token,
            refresh_token=refresh_token,
        )
    )
    db.execute(delete(WebSession).where(WebSession.expires_at < _now()))
    return token


def session_row(db: Session, token: str | None) -> WebSession | None:
    return db.get(WebSession, token_hash(token)) if token else None


def close_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


# Asked on the re-check interval for sessions opened through an identity provider: does the
# provider still let this session's user in? (carecast.web.oidc.still_signed_in)
ProviderCheck = Callable[[WebSession], bool]


def principal_for(
    db: Session,
    token: str | None,
    *,
    recheck_minutes: int = 5,
    provider_check: ProviderCheck | None = None,
) -> Principal | None:
    """The user behind a session cookie, or None if it is missing, unknown, expired or its account
    is disabled. The account row is read on every request, so disabling takes effect at once;
    the identity provider is asked again every ``recheck_minutes``."""
    row = session_row(db, token)
    if row is None or _aware(row.expires_at) < _now():
        return None
    user = db.get(WebUser, row.user_id)
    if user is None or not user.is_active:
        db.delete(row)
        return None
    due = row.checked_at is None or _aware(row.checked_at) < _now() - dt.timedelta(
        minutes=recheck_minutes
    )
    if due:
        if row.provider and provider_check is not None and not provider_check(row):
            db.delete(row)
            return None
        row.checked_at = _now()
    return principal(user)
