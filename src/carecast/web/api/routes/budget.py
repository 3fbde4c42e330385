"""Budget monitoring: the web page over ``carecast.budget`` (shown once that capability is installed)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser
from carecast.web.templating import render

router = APIRouter(tags=["budget"])


@router.get("/budget")
def budget_page(request: Request, user: CurrentUser):
    return render(request, "unavailable.html", {"feature": "Budget monitoring"})
