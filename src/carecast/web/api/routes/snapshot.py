"""Placement snapshot: where children are placed on a date, how far from home, in homes rated
what (``carecast.snapshot``). Council users see their own council unsuppressed; regional users see
their region's councils together, with small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render
from carecast.web.views import snapshot_report

router = APIRouter(tags=["snapshot"])


@router.get("/snapshot")
def snapshot_page(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    date: dt.date | None = None,
):
    report, on, scope = snapshot_report(db, settings, user, date)
    return render(request, "snapshot.html", {"report": report, "on": on, "scope": scope})


@router.get("/api/snapshot")
def snapshot_api(
    db: DbDep, settings: SettingsDep, user: CurrentUser, date: dt.date | None = None
) -> dict[str, Any]:
    report, on, scope = snapshot_report(db, settings, user, date)
    return {"scope": scope, "date": on.isoformat(), "payload": report.payload}
