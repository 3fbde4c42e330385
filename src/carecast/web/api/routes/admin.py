"""Administration: accounts and the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from carecast.schema import councils
from carecast.store.models_web import WebUser
from carecast.web import audit
from carecast.web.access import Role
from carecast.web.accounts import create_user
from carecast.web.deps import CurrentUser, DbDep
from carecast.web.templating import render

router = APIRouter(tags=["admin"])


def _context(db, **extra):
    users = list(db.scalars(select(WebUser).order_by(WebUser.email)))
    return {"users": users, "events": audit.recent(db, limit=100), "roles": list(Role),
            "councils": [c.name for c in councils()], "regions": sorted({c.region for c in councils()}), **extra}


@router.get("/admin")
def admin_page(request: Request, db: DbDep, user: CurrentUser):
    user.require(user.is_admin, "manage accounts")
    return render(request, "admin.html", _context(db))


@router.post("/admin/users")
def add_user(request: Request, db: DbDep, user: CurrentUser,
             email: Annotated[str, Form(max_length=254)], password: Annotated[str, Form(max_length=200)],
             role: Annotated[str, Form(max_length=40)], council: Annotated[str, Form(max_length=100)] = "",
             region: Annotated[str, Form(max_length=100)] = ""):
    user.require(user.is_admin, "manage accounts")
    new = create_user(db, email=email, password=password, role=role, council=council or None,
                      region=region or None)
    audit.record(db, "user_created", user=user, council=new.council, email_created=new.email, role=new.role)
    return render(request, "admin.html", _context(db, created=new.email))


@router.get("/api/audit")
def audit_api(db: DbDep, user: CurrentUser) -> list[dict]:
    user.require(user.is_admin, "read the audit log")
    return [{"at": e.at.isoformat(), "user": e.user_email, "action": e.action, "council": e.council,
             "detail": e.detail} for e in audit.recent(db, limit=500)]
