"""Overview: children in care now, by placement category and location, and the trend.

Council users see their own council; regional users, commissioners and admins see every council
in their scope as suppressed aggregates only.
"""

from __future__ import annotations

import threading
from typing import Any

import polars as pl
from fastapi import APIRouter, Request

from carecast.errors import NotFoundError
from carecast.web import summaries
from carecast.web.access import Principal
from carecast.web.datastore import CouncilData, councils_with_data, load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render

router = APIRouter(tags=["overview"])


_SUMMARIES: dict[tuple[str, str], dict[str, Any]] = {}
_LOCK = threading.Lock()  # many first visitors at once compute a summary once, not once each


def council_summary(data: CouncilData) -> dict[str, Any]:
    """Summaries of one data set, cached by its content hash (revisiting a page is instant)."""
    key = (data.council, data.content_hash)
    with _LOCK:
        if key not in _SUMMARIES:
            _SUMMARIES[key] = _summarise(data)
    return _SUMMARIES[key]


def _summarise(data: CouncilData) -> dict[str, Any]:
    as_of = summaries.data_end(data.episodes)
    current = summaries.in_care_on(data.episodes, as_of)
    categories = summaries.by_category(current)
    trend = summaries.month_end_trend(data.episodes, end=as_of)
    return {"as_of": as_of, "total": current.height,
            "out_of_area": current.filter(pl.col("in_area").eq_missing(False)).height,
            "categories": categories, "location": summaries.by_location(current), "trend": trend,
            "figures": [summaries.trend_figure(trend, "Children in care at each month end"),
                        summaries.category_figure(categories, f"By placement category, {as_of:%d/%m/%Y}")]}


def overview_context(db, settings, user: Principal) -> dict[str, Any]:
    if user.sees_child_level:
        try:
            data = load_council(db, settings.data_dir, user.council)
        except NotFoundError:
            return {"mode": "council", "empty": True, "council": user.council}
        s = council_summary(data)
        return {"mode": "council", "empty": False, "council": user.council, **s, "dataset": data}
    per_council = {}
    as_of = {}
    for council in councils_with_data(db, user.visible_councils()):
        s = council_summary(load_council(db, settings.data_dir, council))
        per_council[council], as_of[council] = s["categories"], s["as_of"]
    table, note = summaries.regional_table(per_council)
    return {"mode": "regional", "empty": not per_council, "table": table, "note": note, "as_of": as_of,
            "scope": user.region or "England"}


@router.get("/overview")
def overview_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    return render(request, "overview.html", overview_context(db, settings, user))


@router.get("/api/overview")
def overview_api(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    ctx = overview_context(db, settings, user)
    if ctx["empty"]:
        return {"mode": ctx["mode"], "councils": [], "empty": True}
    if ctx["mode"] == "council":
        return {"mode": "council", "council": ctx["council"], "as_of": ctx["as_of"].isoformat(),
                "children_in_care": ctx["total"], "out_of_area": ctx["out_of_area"],
                "by_category": ctx["categories"].to_dicts(), "by_location": ctx["location"].to_dicts(),
                "trend": [{"month_end": r["Month end"].isoformat(), "children": r["Children in care"]}
                          for r in ctx["trend"].to_dicts()]}
    return {"mode": "regional", "scope": ctx["scope"], "suppression": ctx["note"],
            "by_council": ctx["table"].to_dicts()}
