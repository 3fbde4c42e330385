"""Placement snapshot: where children are placed on a date, how far from home, in homes rated
what (``carecast.snapshot``). Council users see their own council unsuppressed; regional users see
their region's councils together, with small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from fastapi import APIRouter, Request

from carecast.errors import NotFoundError
from carecast.outputs import Report
from carecast.web import summaries
from carecast.web.access import Principal
from carecast.web.datastore import councils_with_data, load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import capability_ready, render

router = APIRouter(tags=["snapshot"])
_CACHE: dict[tuple, tuple[Report, dt.date, str]] = {}


def snapshot_report(db, settings, user: Principal, on: dt.date | None = None) -> tuple[Report, dt.date, str]:
    """The snapshot report for what this user may see (cached by data sets and date)."""
    from carecast.snapshot import take_snapshot, to_report

    names = [user.council] if user.sees_child_level else councils_with_data(db, user.visible_councils())
    if not names:
        raise NotFoundError("no council you can see has uploaded returns yet", fix="upload returns first")
    data = [load_council(db, settings.data_dir, c) for c in names]
    on = on or min(summaries.data_end(d.episodes) for d in data)
    key = (tuple((d.council, d.content_hash) for d in data), on, user.sees_child_level)
    if key not in _CACHE:
        episodes = pl.concat([d.episodes for d in data], how="vertical_relaxed")
        children = pl.concat([d.children for d in data], how="vertical_relaxed")
        scope = user.council if user.sees_child_level else (user.region or "England")
        region = (_home_region(user.council) or names) if user.sees_child_level else (user.region or "england")
        snap = take_snapshot(episodes, children, date=on, region=region, suppress=not user.sees_child_level)
        _CACHE[key] = (to_report(snap), on, scope)
    return _CACHE[key]


def _home_region(council: str) -> str | None:
    """The region a council belongs to: a council user's snapshot measures "in the region" and
    "outside the region" against it, not against the council alone."""
    from carecast.schema import find_council

    found = find_council(council, required=False)
    return found.region if found is not None else None


@router.get("/snapshot")
def snapshot_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                  date: dt.date | None = None):
    if not capability_ready("carecast.snapshot", "take_snapshot"):
        return render(request, "unavailable.html", {"feature": "Placement snapshot"})
    report, on, scope = snapshot_report(db, settings, user, date)
    return render(request, "snapshot.html", {"report": report, "on": on, "scope": scope})


@router.get("/api/snapshot")
def snapshot_api(db: DbDep, settings: SettingsDep, user: CurrentUser, date: dt.date | None = None) -> dict[str, Any]:
    report, on, scope = snapshot_report(db, settings, user, date)
    return {"scope": scope, "date": on.isoformat(), "payload": report.payload}
