"""Sign-in rate limits: wrong passwords and codes lock an account, and then an address, for a while.

Attempts are rows in the store (``web_login_attempts``), so the limits hold across worker
processes and restarts. An account is locked when it has ``limit`` failures within the window
since its last success; the lock ends a window after the last of them. An address gets the same
treatment with its own, higher limit (shared council gateways), whichever account it tries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecast.store.models_auth import WebLoginAttempt

KEEP = dt.timedelta(days=2)  # attempts older than this are deleted; no window is longer than a day


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def record(db: Session, *, kind: str, account: str, address: str, ok: bool) -> None:
    db.add(
        WebLoginAttempt(at=_now(), kind=kind, account=account[:254], address=address[:64], ok=ok)
    )
    db.execute(delete(WebLoginAttempt).where(WebLoginAttempt.at < _now() - KEEP))
    db.flush()


def _wait(db: Session, where, *, limit: int, window: dt.timedelta, reset_on_success: bool) -> int:
    since = _now() - window
    last_ok = db.scalar(select(func.max(WebLoginAttempt.at)).where(where, WebLoginAttempt.ok))
    if (
        reset_on_success and last_ok is not None
    ):  # not for addresses: one's own login must not reset them
        since = max(since, _aware(last_ok))
    failures = select(WebLoginAttempt.at).where(
        where, ~WebLoginAttempt.ok, WebLoginAttempt.at > since
    )
    count = db.scalar(select(func.count()).select_from(failures.subquery())) or 0
    if count < limit:
        return 0
    newest = db.scalar(
        select(func.max(WebLoginAttempt.at)).where(
            where, ~WebLoginAttempt.ok, WebLoginAttempt.at > since
        )
    )
    if newest is None:
        return 0
    return max(1, int((_aware(newest) + window - _now()).total_seconds()))


def wait_seconds(
    db: Session,
    *,
    kind: str,
    account: str,
    address: str,
    account_limit: int,
    address_limit: int,
    minutes: int,
) -> int:
    """Seconds until this account may try again from this address (0: now)."""
    window = dt.timedelta(minutes=minutes)
    of_kind = WebLoginAttempt.kind == kind
    return max(
        _wait(
            db,
            of_kind & (WebLoginAttempt.account == account),
            limit=account_limit,
            window=window,
            reset_on_success=True,
        ),
        _wait(
            db,
            of_kind & (WebLoginAttempt.address == address),
            limit=address_limit,
            window=window,
            reset_on_success=False,
        ),
    )
