"""Single sign-on: send the browser to the council's identity provider and take its answer."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecast.web import audit, oidc
from carecast.web.deps import DbDep
from carecast.web.signin import open_session_response
from carecast.web.templating import render

router = APIRouter(tags=["auth"])


@router.get("/login/sso/{name}")
async def sso_start(name: str, request: Request):
    return await oidc.start(request, name, str(request.url_for("sso_callback", name=name)))


@router.get("/login/sso/{name}/callback", name="sso_callback")
async def sso_callback(name: str, request: Request, db: DbDep):
    settings = request.app.state.settings
    try:
        token = await oidc.finish(request, name)
        user = oidc.account_for(db, settings.provider(name), token["userinfo"])
    except oidc.SsoRefused as refusal:
        audit.record(db, "sso_refused", email=refusal.email, provider=name, reason=refusal.reason)
        return render(
            request,
            "sso_refused.html",
            {"message": refusal.message, "fix": refusal.fix},
            status_code=403,
        )
    return open_session_response(
        request,
        db,
        settings,
        user,
        "/overview",
        provider=name,
        id_token=token.get("id_token"),
        refresh_token=token.get("refresh_token"),
    )
