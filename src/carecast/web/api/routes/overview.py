"""Overview: children in care now, by placement category and location, and the trend.

Council users see their own council; regional users, commissioners and admins see every council
in their scope as suppressed aggregates only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render
from carecast.web.views import overview_context

router = APIRouter(tags=["overview"])


@router.get("/overview")
def overview_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    return render(request, "overview.html", overview_context(db, settings, user))


@router.get("/api/overview")
def overview_api(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    ctx = overview_context(db, settings, user)
    if ctx["empty"]:
        return {"mode": ctx["mode"], "councils": [], "empty": True}
    if ctx["mode"] == "council":
        return {
            "mode": "council",
            "council": ctx["council"],
            "as_of": ctx["as_of"].isoformat(),
            "children_in_care": ctx["total"],
            "out_of_area": ctx["out_of_area"],
            "by_category": ctx["categories"].to_dicts(),
            "by_location": ctx["location"].to_dicts(),
            "trend": [
                {"month_end": r["Month end"].isoformat(), "children": r["Children in care"]}
                for r in ctx["trend"].to_dicts()
            ],
        }
    return {
        "mode": "regional",
        "scope": ctx["scope"],
        "suppression": ctx["note"],
        "by_council": ctx["table"].to_dicts(),
    }
