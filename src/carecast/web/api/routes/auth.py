"""Log in and log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from carecast.web import audit
from carecast.web.accounts import authenticate, close_session, open_session
from carecast.web.deps import SESSION_COOKIE, DbDep, OptionalUser, SettingsDep
from carecast.web.templating import render

router = APIRouter(tags=["auth"])


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a user off the site after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/overview"


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str | None = None):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(request: Request, db: DbDep, settings: SettingsDep,
          email: Annotated[str, Form(max_length=254)], password: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=500)] = "/overview"):
    user = authenticate(db, email, password)
    if user is None:
        audit.record(db, "login_failed", email=email.strip().lower()[:254])
        return render(request, "login.html", {"next": _safe_next(next), "email": email,
                                              "error": "The email or password is not right."}, status_code=401)
    token = open_session(db, user, settings.session_hours)
    audit.record(db, "login", email=user.email, council=user.council)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        max_age=settings.session_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, user: OptionalUser):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(db, token)
    if user is not None:
        audit.record(db, "logout", user=user, council=user.council)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
