"""The second factor for password sign-in: TOTP (RFC 6238, via ``pyotp``) with one-use recovery codes.

Enrolment shows a QR code (``segno``, inline SVG: no image request, nothing leaves the page) of
the ``otpauth://`` URI that authenticator apps read. Recovery codes are shown once and stored
only as Argon2 hashes. Between the password and the code, the browser holds a short-lived signed
"pending sign-in" token (``itsdangerous``), not a session: nothing is reachable until the code.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pyotp
import segno
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecast.store.models_auth import WebRecoveryCode
from carecast.store.models_web import WebUser
from carecast.web.access import Role
from carecast.web.security import hash_password, verify_password
from carecast.web.settings import Settings

ISSUER = "carecast"
N_RECOVERY_CODES = 10
PENDING_MINUTES = 10
CODE_LIMIT = 5  # wrong codes per account (and lockout window) before codes are refused for a while
# Roles that see many councils or manage accounts always need the second factor.
ALWAYS_REQUIRED = frozenset({Role.ADMIN, Role.REGIONAL_ANALYST, Role.COMMISSIONER})


def required(role: str | Role, settings: Settings) -> bool:
    return settings.totp_for_everyone or Role(role) in ALWAYS_REQUIRED


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(secret: str, email: str) -> str:
    """The enrolment QR code as an inline ``<svg>`` with a text title for screen readers."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(
        scale=5,
        title="QR code to add carecast to an authenticator app",
        svgclass="qr",
        lineclass=None,
    )


def code_matches(secret: str, code: str) -> bool:
    """A six-digit code of this 30-second step or the one either side (clock drift)."""
    return matching_step(secret, code) is not None


def matching_step(secret: str, code: str) -> int | None:
    """The 30-second step (``pyotp``'s timecode) whose code this is, now or one step either side."""
    code = code.replace(" ", "").strip()
    if not (code.isdigit() and len(code) == 6):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=1)
    except OTPVerificationError:
        return None


def accept_code(user: WebUser, code: str) -> bool:
    """The user's current code, once: a code already used (seen over a shoulder, or replayed from
    a captured request) is refused for the rest of its 30 seconds."""
    step = matching_step(user.totp_secret or "", code) if user.totp_secret else None
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def enrol(db: Session, user: WebUser, secret: str) -> list[str]:
    """Turn the second factor on; return fresh recovery codes (shown once, stored hashed)."""
    user.totp_secret = secret
    db.execute(delete(WebRecoveryCode).where(WebRecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(N_RECOVERY_CODES)]
    db.add_all(WebRecoveryCode(user_id=user.id, code_hash=hash_password(c)) for c in codes)
    db.flush()
    return codes


def use_recovery_code(db: Session, user: WebUser, code: str) -> bool:
    """Accept an unused recovery code once."""
    code = code.strip().lower()
    unused = db.scalars(
        select(WebRecoveryCode).where(
            WebRecoveryCode.user_id == user.id, WebRecoveryCode.used_at.is_(None)
        )
    )
    for row in unused:
        if verify_password(code, row.code_hash).ok:
            row.used_at = dt.datetime.now(dt.UTC)
            return True
    return False


def remove_second_factor(db: Session, user: WebUser) -> None:
    user.totp_secret = None
    db.execute(delete(WebRecoveryCode).where(WebRecoveryCode.user_id == user.id))


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="carecast-pending-sign-in")


def pending_token(
    settings: Settings,
    user: WebUser,
    *,
    enrol_secret: str | None = None,
    next_url: str = "/overview",
) -> str:
    """A signed note that ``user`` has given the right password and now owes a code."""
    return _serializer(settings).dumps({"uid": user.id, "enrol": enrol_secret, "next": next_url})


def read_pending(settings: Settings, token: str | None) -> dict | None:
    if not token:
        return None
    try:
        return _serializer(settings).loads(token, max_age=PENDING_MINUTES * 60)
    except BadSignature:  # includes SignatureExpired
        return None
