"""The API's description (OpenAPI) and its browsable docs, for logged-in users only: the schema
lists every route, which is more than a stranger needs to know about a system holding children's
records."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html

from carecast.web.deps import CurrentUser

router = APIRouter(include_in_schema=False)


@router.get("/api/openapi.json")
def openapi_schema(request: Request, user: CurrentUser) -> dict:
    return request.app.openapi()


@router.get("/api/docs")
def api_docs(user: CurrentUser):
    return get_swagger_ui_html(openapi_url="/api/openapi.json", title="carecast API")
