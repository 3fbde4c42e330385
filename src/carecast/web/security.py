"""Passwords, session tokens and CSRF tokens: thin wrappers over argon2-cffi and the standard library.

* Passwords: Argon2id through ``argon2-cffi``'s :class:`~argon2.PasswordHasher` (its RFC 9106
  low-memory defaults). Hashes made by earlier versions of carecast with scrypt
  (``scrypt$n$r$p$salt_hex$hash_hex``) are still accepted, and :func:`verify_password` says when a
  hash should be replaced, so every account moves to Argon2 at its next login.
* Sessions: a random 32-byte token in an HttpOnly cookie; the store keeps only its SHA-256, so a
  leaked database does not let anyone log in.
* CSRF: an HMAC of the session token under the app's secret, sent with every form and HTMX
  request. Before login (the login form itself) a signed random token is double-submitted in a
  cookie and the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from fastapi import Request

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()


class PasswordCheck(NamedTuple):
    """Whether a password matched, and the hash to store instead when the old one is outdated."""

    ok: bool
    new_hash: str | None = None

    def __bool__(self) -> bool:  # ``if verify_password(...)`` means "did it match"
        return self.ok


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> PasswordCheck:
    """Check ``password`` against an Argon2 (or legacy scrypt) hash."""
    if stored.startswith("scrypt$"):
        ok = _legacy_scrypt_matches(password, stored)
        return PasswordCheck(ok, hash_password(password) if ok else None)
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return PasswordCheck(False)
    return PasswordCheck(
        True, hash_password(password) if _HASHER.check_needs_rehash(stored) else None
    )


def _legacy_scrypt_matches(password: str, stored: str) -> bool:
    """Hashes written before Argon2: ``hashlib.scrypt`` with the parameters stored in the hash."""
    try:
        _scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(hash_hex) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(secret: str, session_token: str) -> str:
    """The CSRF token bound to one session (or to the pre-login cookie)."""
    return hmac.new(secret.encode(), b"csrf|" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, session_token: str, submitted: str | None) -> bool:
    if not submitted or not session_token:
        return False
    return hmac.compare_digest(csrf_for(secret, session_token), submitted)


SESSION_COOKIE = "carecast_session"
PRELOGIN_COOKIE = "carecast_prelogin"


def csrf_token_for(request: Request) -> str:
    """The token pages embed in forms and in the HTMX header for this visitor."""
    secret = request.app.state.settings.secret_key
    session = request.cookies.get(SESSION_COOKIE) or getattr(request.state, "new_session", None)
    if session:
        return csrf_for(secret, session)
    return csrf_for(secret, request.state.prelogin)
