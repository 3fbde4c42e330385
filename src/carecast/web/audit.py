"""The audit log: every login, upload, run and export, with who, when and which council; and every
refusal, rejected upload, lockout and failed job.

Details carry counts, hashes and parameters only — never a child's identifier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent
from carecast.web.access import Principal

ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "session_ended",
    "code_failed",
    "recovery_code_used",
    "second_factor_enrolled",
    "sso_login",
    "sso_refused",
    "upload",
    "upload_rejected",
    "rollback",
    "run",
    "job_failed",
    "export",
    "refused",
    "user_created",
    "user_disabled",
    "user_enabled",
    "user_deleted",
    "password_reset",
    "password_changed",
)
# Pages whose refused requests are recorded as rejected uploads rather than as refusals.
UPLOAD_PATHS = ("/upload", "/send/upload", "/api/upload")


def record(
    db: Session,
    action: str,
    *,
    user: Principal | None = None,
    email: str | None = None,
    council: str | None = None,
    **detail: Any,
) -> None:
    assert action in ACTIONS, action  # a programming error, not a user one
    db.add(
        WebAuditEvent(
            at=dt.datetime.now(dt.UTC),
            user_email=user.email if user else email,
            action=action,
            council=council,
            detail=detail,
        )
    )


def record_apart(database_url: str | None, action: str, **kwargs: Any) -> None:
    """Record in a transaction of its own: kept even when the request's own work is rolled back."""
    with session_scope(database_url) as db:
        record(db, action, **kwargs)


def record_error(request, exc) -> None:
    """Called by the web error handler for every domain error: a rejected upload or a refusal
    (403) is kept in the log with what was asked for; other errors (a typo in a form) are not.
    The user is the one the request's session dependency found (``request.state.user``)."""
    path = request.url.path
    user = getattr(request.state, "user", None)
    kind = type(exc).__name__
    if request.method == "POST" and path in UPLOAD_PATHS and exc.http_status < 500:
        action = "upload_rejected"
    elif exc.http_status == 403:
        action = "refused"
    else:
        return
    record_apart(
        request.app.state.settings.database_url,
        action,
        user=user,
        council=user.council if user else None,
        path=path,
        method=request.method,
        error=kind,
        status=exc.http_status,
    )  # not the message: it may quote the file


def recent(db: Session, *, council: str | None = None, limit: int = 200) -> list[WebAuditEvent]:
    query = select(WebAuditEvent).order_by(WebAuditEvent.id.desc()).limit(limit)
    if council is not None:
        query = query.where(WebAuditEvent.council == council)
    return list(db.scalars(query))
