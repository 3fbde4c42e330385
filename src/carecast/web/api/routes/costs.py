"""Costs by financial year: what the council's placements cost, from its own episodes priced at
the cited unit costs (``carecast.costs.actual_costs``). Forecast cost is on the Forecast page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render
from carecast.web.views import costs_for

router = APIRouter(tags=["costs"])


@router.get("/costs")
def costs_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    return render(
        request, "costs.html", {"report": costs_for(db, settings, user), "council": user.council}
    )


@router.get("/api/costs")
def costs_api(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    report = costs_for(db, settings, user)
    return {
        "council": user.council,
        "by_financial_year": report.sections[0].tables["by_financial_year"].to_dicts(),
    }
