"""Directory and matching: the web page over ``carecast.market`` (shown once that capability is installed)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecast.web.deps import CurrentUser
from carecast.web.templating import render

router = APIRouter(tags=["directory"])


@router.get("/directory")
def directory_page(request: Request, user: CurrentUser):
    return render(request, "unavailable.html", {"feature": "Directory and matching"})
