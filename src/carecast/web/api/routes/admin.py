"""Administration: accounts (add, disable, re-enable, reset, delete) and the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from carecast.errors import ParameterError
from carecast.schema import councils
from carecast.store.models_web import WebUser
from carecast.web import audit
from carecast.web.access import Principal, Role
from carecast.web.accounts import create_user, delete_user, reset_password, set_active, user_by_id
from carecast.web.deps import CurrentUser, DbDep
from carecast.web.templating import render

router = APIRouter(tags=["admin"])


def _context(db, **extra):
    users = list(db.scalars(select(WebUser).order_by(WebUser.email)))
    return {
        "users": users,
        "events": audit.recent(db, limit=100),
        "roles": list(Role),
        "councils": [c.name for c in councils()],
        "regions": sorted({c.region for c in councils()}),
        "typed": {},
        **extra,
    }


def _page(request: Request, db, status_code: int = 200, **extra):
    return render(request, "admin.html", _context(db, **extra), status_code=status_code)


@router.get("/admin")
def admin_page(request: Request, db: DbDep, user: CurrentUser):
    user.require(user.is_admin, "manage accounts")
    return _page(request, db)


@router.post("/admin/users")
def add_user(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=200)] = "",
    council: Annotated[str, Form(max_length=100)] = "",
    region: Annotated[str, Form(max_length=100)] = "",
):
    """Add an account; on a mistake the form comes back with what was typed (but not the password)."""
    user.require(user.is_admin, "manage accounts")
    try:
        new = create_user(
            db,
            email=email,
            password=password or None,
            role=role,
            council=council or None,
            region=region or None,
        )
    except ParameterError as exc:
        return _page(
            request,
            db,
            exc.http_status,
            add_error=exc,
            typed={"email": email, "role": role, "council": council, "region": region},
        )
    audit.record(
        db, "user_created", user=user, council=new.council, email_created=new.email, role=new.role
    )
    return _page(request, db, done=f"Account created for {new.email}.")


def _target(db, admin: Principal, user_id: int) -> WebUser:
    admin.require(admin.is_admin, "manage accounts")
    target = user_by_id(db, user_id)
    if target.id == admin.id:
        raise ParameterError(
            "you cannot disable, reset or delete your own account here",
            fix="ask another administrator, or use your account page to change your password",
        )
    return target


@router.post("/admin/users/{user_id}/reset")
def reset_user(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    user_id: int,
    password: Annotated[str, Form(max_length=200)],
    second_factor: Annotated[bool, Form()] = False,
):
    target = _target(db, user, user_id)
    try:
        reset_password(db, target, password, second_factor=second_factor)
    except ParameterError as exc:
        return _page(request, db, exc.http_status, reset_error=exc, reset_id=target.id)
    audit.record(
        db,
        "password_reset",
        user=user,
        council=target.council,
        account=target.email,
        second_factor_removed=second_factor,
    )
    return _page(
        request,
        db,
        done=f"{target.email} has a temporary password and must choose a new one "
        "at the next sign-in.",
    )


@router.post("/admin/users/{user_id}/delete")
def remove_user(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    user_id: int,
    confirm: Annotated[str, Form(max_length=254)] = "",
):
    target = _target(db, user, user_id)
    if confirm.strip().lower() != target.email:
        return _page(
            request,
            db,
            400,
            delete_error=f"Type {target.email} to confirm deleting it.",
            delete_id=target.id,
        )
    email, council = target.email, target.council
    delete_user(db, target)
    audit.record(db, "user_deleted", user=user, council=council, account=email)
    return _page(request, db, done=f"The account {email} is deleted.")


@router.post("/admin/users/{user_id}/{change}")
def disable_or_enable_user(
    request: Request,
    db: DbDep,
    user: CurrentUser,
    user_id: int,
    change: Literal["disable", "enable"],
):
    """Disabling signs the user out everywhere at once; re-enabling lets them sign in again.
    (Declared after /reset and /delete, which this path would otherwise catch.)"""
    target = _target(db, user, user_id)
    set_active(db, target, change == "enable")
    audit.record(db, f"user_{change}d", user=user, council=target.council, account=target.email)
    done = "can sign in again" if change == "enable" else "is disabled and signed out everywhere"
    return _page(request, db, done=f"{target.email} {done}.")


@router.get("/api/audit")
def audit_api(db: DbDep, user: CurrentUser) -> list[dict]:
    user.require(user.is_admin, "read the audit log")
    return [
        {
            "at": e.at.isoformat(),
            "user": e.user_email,
            "action": e.action,
            "council": e.council,
            "detail": e.detail,
        }
        for e in audit.recent(db, limit=500)
    ]
