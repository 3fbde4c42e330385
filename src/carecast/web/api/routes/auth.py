"""Sign in with a password (and a second factor where required), and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from carecast.store.models_web import WebUser
from carecast.web import audit, lockout, second_factor
from carecast.web.accounts import close_session, session_row, sign_in
from carecast.web.deps import SESSION_COOKIE, DbDep, OptionalUser, SettingsDep
from carecast.web.settings import Settings
from carecast.web.signin import PENDING_COOKIE, enrol_context, open_session_response, safe_next
from carecast.web.templating import render

router = APIRouter(tags=["auth"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def locked_page(request: Request, template: str, context: dict, wait: int) -> Response:
    return render(
        request,
        template,
        {
            **context,
            "error": f"Too many wrong tries. Signing in to this "
            f"account is paused for {_minutes(wait)}; try again after that, "
            "or ask your administrator.",
        },
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def _login_context(settings: Settings, next_url: str | None, **extra) -> dict:
    return {"next": safe_next(next_url), "providers": settings.oidc_providers, **extra}


@router.get("/login")
def login_page(
    request: Request, user: OptionalUser, settings: SettingsDep, next: str | None = None
):
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", _login_context(settings, next))


@router.post("/login")
def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/overview",
):
    account = email.strip().lower()[:254]
    context = _login_context(settings, next, email=email)
    result = sign_in(
        db, settings, email=account, password=password, address=client_address(request)
    )
    if result.wait_seconds:
        audit.record(db, "login_locked", email=account, address=client_address(request))
        return locked_page(request, "login.html", context, result.wait_seconds)
    user = result.user
    if user is None:
        audit.record(db, "login_failed", email=account, address=client_address(request))
        return render(
            request,
            "login.html",
            {**context, "error": "The email or password is not right."},
            status_code=401,
        )
    if user.totp_secret:
        target = "/login/code"
        pending = second_factor.pending_token(settings, user, next_url=safe_next(next))
    elif second_factor.required(user.role, settings):
        target = "/login/enrol"
        pending = second_factor.pending_token(
            settings, user, enrol_secret=second_factor.new_secret(), next_url=safe_next(next)
        )
    else:
        return open_session_response(request, db, settings, user, next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pending,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=second_factor.PENDING_MINUTES * 60,
    )
    return response


def _pending_user(request: Request, db, settings: Settings) -> tuple[WebUser, dict] | None:
    pending = second_factor.read_pending(settings, request.cookies.get(PENDING_COOKIE))
    if pending is None:
        return None
    user = db.get(WebUser, pending["uid"])
    if user is None or not user.is_active:
        return None
    return user, pending


def _restart() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(PENDING_COOKIE)
    return response


@router.get("/login/code")
def code_page(request: Request, db: DbDep, settings: SettingsDep):
    if _pending_user(request, db, settings) is None:
        return _restart()
    return render(request, "login_code.html", {})


@router.post("/login/code")
def code_check(
    request: Request, db: DbDep, settings: SettingsDep, code: Annotated[str, Form(max_length=40)]
):
    found = _pending_user(request, db, settings)
    if found is None or not found[0].totp_secret:
        return _restart()
    user, pending = found
    address = client_address(request)
    wait = lockout.wait_seconds(
        db,
        kind="code",
        account=user.email,
        address=address,
        account_limit=second_factor.CODE_LIMIT,
        address_limit=settings.address_failures,
        minutes=settings.lockout_minutes,
    )
    if wait:
        audit.record(db, "login_locked", email=user.email, address=address, step="second factor")
        return locked_page(request, "login_code.html", {}, wait)
    by_app = second_factor.accept_code(user, code)
    by_recovery = not by_app and second_factor.use_recovery_code(db, user, code)
    lockout.record(db, kind="code", account=user.email, address=address, ok=by_app or by_recovery)
    if not (by_app or by_recovery):
        audit.record(db, "code_failed", email=user.email, council=user.council, address=address)
        return render(
            request,
            "login_code.html",
            {
                "error": "That code is not right. Codes change every "
                "30 seconds: type the one your app shows now."
            },
            status_code=401,
        )
    if by_recovery:
        audit.record(db, "recovery_code_used", email=user.email, council=user.council)
    return open_session_response(request, db, settings, user, pending["next"])


@router.get("/login/enrol")
def enrol_page(request: Request, db: DbDep, settings: SettingsDep):
    found = _pending_user(request, db, settings)
    if found is None or not found[1].get("enrol"):
        return _restart()
    return render(
        request, "enrol.html", enrol_context(found[0], found[1]["enrol"], action="/login/enrol")
    )


@router.post("/login/enrol")
def enrol(
    request: Request, db: DbDep, settings: SettingsDep, code: Annotated[str, Form(max_length=40)]
):
    found = _pending_user(request, db, settings)
    if found is None or not found[1].get("enrol"):
        return _restart()
    user, pending = found
    if not second_factor.code_matches(pending["enrol"], code):
        lockout.record(
            db, kind="code", account=user.email, address=client_address(request), ok=False
        )
        return render(
            request,
            "enrol.html",
            enrol_context(
                user,
                pending["enrol"],
                action="/login/enrol",
                error="That code is not right: type the six "
                "digits your app shows for carecast now.",
            ),
            status_code=401,
        )
    codes = second_factor.enrol(db, user, pending["enrol"])
    audit.record(db, "second_factor_enrolled", email=user.email, council=user.council)
    return open_session_response(
        request,
        db,
        settings,
        user,
        pending["next"],
        page=lambda: render(
            request, "recovery_codes.html", {"codes": codes, "next": safe_next(pending["next"])}
        ),
    )


@router.post("/logout")
def logout(request: Request, db: DbDep, settings: SettingsDep, user: OptionalUser):
    from carecast.web.oidc import end_session_url

    token = request.cookies.get(SESSION_COOKIE)
    row = session_row(db, token)
    provider = settings.provider(row.provider) if row is not None and row.provider else None
    provider_logout = None
    if row is not None and provider is not None:
        provider_logout = end_session_url(settings, row, str(request.url_for("login_page")))
    if token:
        close_session(db, token)
    if user is not None:
        audit.record(db, "logout", user=user, council=user.council)
    request.state.user = None
    response: Response
    if provider is not None and provider_logout:
        response = render(
            request,
            "signed_out.html",
            {"provider_logout": provider_logout, "provider_label": provider.label},
        )
    else:
        response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
