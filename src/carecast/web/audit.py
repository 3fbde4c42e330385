"""The audit log: every login, upload, run and export, with who, when and which council.

Details carry counts, hashes and parameters only — never a child's identifier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecast.store.models_web import WebAuditEvent
from carecast.web.access import Principal

ACTIONS = ("login", "login_failed", "logout", "upload", "rollback", "run", "export", "user_created")


def record(db: Session, action: str, *, user: Principal | None = None, email: str | None = None,
           council: str | None = None, **detail: Any) -> None:
    assert action in ACTIONS, action  # a programming error, not a user one
    db.add(WebAuditEvent(at=dt.datetime.now(dt.UTC), user_email=user.email if user else email,
                         action=action, council=council, detail=detail))


def recent(db: Session, *, council: str | None = None, limit: int = 200) -> list[WebAuditEvent]:
    query = select(WebAuditEvent).order_by(WebAuditEvent.id.desc()).limit(limit)
    if council is not None:
        query = query.where(WebAuditEvent.council == council)
    return list(db.scalars(query))
