"""Request dependencies, declared once as ``Annotated`` aliases the routes share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from carecast.store import session_scope
from carecast.web.access import Principal
from carecast.web.accounts import principal_for
from carecast.web.errors import CsrfError, LoginRequired
from carecast.web.jobs import JobManager
from carecast.web.security import PRELOGIN_COOKIE, SESSION_COOKIE, csrf_matches
from carecast.web.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.settings.database_url) as db:
        yield db


def get_jobs(request: Request) -> JobManager:
    return request.app.state.jobs


SettingsDep = Annotated[Settings, Depends(get_settings)]
# "function" scope: commit before the answer is sent, so the next request (e.g. the redirect after
# login) always sees this one's writes.
DbDep = Annotated[Session, Depends(get_db, scope="function")]
JobsDep = Annotated[JobManager, Depends(get_jobs)]


def optional_user(request: Request, db: DbDep) -> Principal | None:
    from carecast.web.oidc import still_signed_in

    settings = request.app.state.settings
    user = principal_for(
        db,
        request.cookies.get(SESSION_COOKIE),
        recheck_minutes=settings.session_recheck_minutes,
        provider_check=lambda row: still_signed_in(settings, row),
    )
    request.state.user = user
    return user


def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise LoginRequired(
            "you need to log in to see this page", fix="log in with your council account"
        )
    return user


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]


async def csrf_guard(request: Request) -> None:
    """Every state-changing request must carry the visitor's CSRF token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    secret = request.app.state.settings.secret_key
    bound = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRELOGIN_COOKIE) or ""
    if not csrf_matches(secret, bound, submitted):
        raise CsrfError(
            "the form has expired or did not come from this site",
            fix="reload the page and try again",
        )
