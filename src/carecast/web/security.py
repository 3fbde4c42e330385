"""Passwords, session tokens and CSRF tokens, with the standard library only.

* Passwords: scrypt (n=2**14, r=8, p=1) with a 16-byte salt, stored as
  ``scrypt$n$r$p$salt_hex$hash_hex`` so the cost can be raised later without breaking old hashes.
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the hashing stays standard library only
    from fastapi import Request

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=len(hash_hex) // 2
    )
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
