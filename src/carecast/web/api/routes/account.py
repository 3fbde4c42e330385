"""A user's own account: change the password, turn on the second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from carecast.errors import ParameterError
from carecast.web import audit, second_factor
from carecast.web.accounts import change_password, end_sessions, open_session, user_by_id
from carecast.web.deps import SESSION_COOKIE, CurrentUser, DbDep, SettingsDep
from carecast.web.signin import enrol_context
from carecast.web.templating import render

router = APIRouter(tags=["account"])


def _context(db, user, settings, **extra) -> dict:
    row = user_by_id(db, user.id)
    return {
        "account": row,
        "second_factor_required": second_factor.required(row.role, settings),
        "password_login": not row.password_hash.startswith("!"),
        **extra,
    }


@router.get("/account")
def account_page(request: Request, db: DbDep, user: CurrentUser, settings: SettingsDep):
    return render(request, "account.html", _context(db, user, settings))


@router.post("/account/password")
def account_password(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    again: Annotated[str, Form(max_length=200)],
):
    row = user_by_id(db, user.id)
    try:
        if new != again:
            raise ParameterError(
                "the two new passwords are not the same", fix="type the new password twice"
            )
        change_password(db, row, current, new)
    except ParameterError as exc:
        return render(
            request,
            "account.html",
            _context(db, user, settings, error=exc),
            status_code=exc.http_status,
        )
    # Other sessions (another browser, a stolen cookie) end; this one continues under a new token.
    end_sessions(db, row)
    token = open_session(db, row, settings.session_hours)
    request.state.new_session = token
    audit.record(db, "password_changed", user=user, council=user.council)
    response = render(request, "account.html", _context(db, user, settings, changed=True))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    return response


@router.get("/account/second-factor")
def second_factor_page(request: Request, db: DbDep, user: CurrentUser, settings: SettingsDep):
    row = user_by_id(db, user.id)
    secret = second_factor.new_secret()
    token = second_factor.pending_token(settings, row, enrol_secret=secret)
    return render(
        request,
        "enrol.html",
        enrol_context(row, secret, action="/account/second-factor", enrol_token=token),
    )


@router.post("/account/second-factor")
def second_factor_confirm(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)],
    enrol_token: Annotated[str, Form(max_length=1000)],
):
    row = user_by_id(db, user.id)
    pending = second_factor.read_pending(settings, enrol_token)
    if not pending or pending["uid"] != row.id or not pending.get("enrol"):
        return second_factor_page(request, db, user, settings)
    if not second_factor.code_matches(pending["enrol"], code):
        return render(
            request,
            "enrol.html",
            enrol_context(
                row,
                pending["enrol"],
                action="/account/second-factor",
                enrol_token=enrol_token,
                error="That code is not right: type the six digits your app shows for carecast now.",
            ),
            status_code=401,
        )
    codes = second_factor.enrol(db, row, pending["enrol"])
    audit.record(db, "second_factor_enrolled", user=user, council=user.council)
    return render(request, "recovery_codes.html", {"codes": codes, "next": "/account"})
