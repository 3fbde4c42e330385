"""Placement snapshot: the web page over ``carecast.snapshot`` (shown once that capability is installed)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser
from carecast.web.templating import render

router = APIRouter(tags=["snapshot"])


@router.get("/snapshot")
def snapshot_page(request: Request, user: CurrentUser):
    return render(request, "unavailable.html", {"feature": "Placement snapshot"})
