"""Opening a session once someone has proved who they are (password and second factor, or single
sign-on), shared by the sign-in, single sign-on and account pages so that no route imports another."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from carecast.store.models_web import WebUser
from carecast.web import audit, second_factor
from carecast.web.accounts import open_session, principal
from carecast.web.deps import SESSION_COOKIE
from carecast.web.settings import Settings

PENDING_COOKIE = "carecast_pending"  # a sign-in waiting for its second step


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a user off the site after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/overview"


def open_session_response(
    request: Request,
    db,
    settings: Settings,
    user: WebUser,
    next_url: str,
    *,
    page: Callable[[], Response] | None = None,
    **session: str | None,
) -> Response:
    """Start the session, record the login, set the cookie on ``page()`` (rendered inside the new
    session; default: a redirect to ``next_url``, or to the account page after a password reset)."""
    token = open_session(db, user, settings.session_hours, **session)
    request.state.new_session = token
    request.state.user = principal(user)
    provider = session.get("provider")
    if provider:
        audit.record(db, "sso_login", email=user.email, council=user.council, provider=provider)
    else:
        audit.record(db, "login", email=user.email, council=user.council)
    response = page() if page is not None else None
    if response is None:
        target = "/account" if user.must_change_password else safe_next(next_url)
        response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(PENDING_COOKIE)
    return response


def enrol_context(user: WebUser, secret: str, *, action: str, **extra) -> dict:
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {
        "qr": second_factor.qr_svg(secret, user.email),
        "secret": spaced,
        "action": action,
        **extra,
    }
