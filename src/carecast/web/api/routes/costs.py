"""Costs by financial year: the web page over ``carecast.costs`` (shown once that capability is installed)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser
from carecast.web.templating import render

router = APIRouter(tags=["costs"])


@router.get("/costs")
def costs_page(request: Request, user: CurrentUser):
    return render(request, "unavailable.html", {"feature": "Costs by financial year"})
