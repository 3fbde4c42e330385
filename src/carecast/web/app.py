"""The FastAPI application factory."""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from carecast.store import upgrade
from carecast.web import audit, errors, oidc
from carecast.web.deps import PRELOGIN_COOKIE, SESSION_COOKIE, csrf_guard
from carecast.web.errors import UploadTooLarge, error_payload
from carecast.web.jobs import JobManager
from carecast.web.security import new_token
from carecast.web.settings import Settings

# One router per resource, in carecast/web/api/routes/<resource>.py.
ROUTERS = [
    "auth",
    "sso",
    "account",
    "docs",
    "overview",
    "children",
    "uploads",
    "jobs",
    "forecast",
    "costs",
    "snapshot",
    "budget",
    "scenarios",
    "sufficiency",
    "send",
    "directory",
    "downloads",
    "admin",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def plotly_js_path() -> Path:
    """Plotly.js as shipped inside the installed plotly package (served, never copied into git)."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


class BodyLimit:
    """Refuse request bodies above the upload limit before reading them (ASGI middleware)."""

    def __init__(self, app, limit: int, on_refuse=None):
        self.app, self.limit, self.on_refuse = (
            app,
            limit,
            on_refuse,
        )  # on_refuse(path): the audit log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope, send):
        import json

        if self.on_refuse is not None:
            self.on_refuse(scope.get("path", ""))
        exc = UploadTooLarge(
            f"the upload is larger than the limit of {self.limit // (1024 * 1024)} MB",
            fix="upload fewer years at a time, or ask an administrator to raise the limit",
        )
        body = json.dumps(error_payload(exc)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: upgrade the store, start the job pool, mount pages, API and static files."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    jobs = JobManager(
        settings.data_dir / "cache",
        workers=settings.worker_threads,
        on_failure=lambda job: audit.record_apart(
            settings.database_url,
            "job_failed",
            council=job.council,
            kind=job.kind,
            run=job.key,
            owner_id=job.owner_id,
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        jobs.shutdown()

    # The API docs and schema are served by routes/docs.py, to logged-in users only.
    app = FastAPI(
        title="carecast",
        lifespan=lifespan,
        dependencies=[Depends(csrf_guard)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.jobs = jobs
    errors.install(app)

    @app.middleware("http")
    async def _visitor(request: Request, call_next):
        """Give anonymous visitors a pre-login CSRF cookie; set security headers on every answer."""
        prelogin = request.cookies.get(PRELOGIN_COOKIE)
        fresh = prelogin is None and SESSION_COOKIE not in request.cookies
        request.state.prelogin = prelogin or new_token()
        request.state.user = None
        response = await call_next(request)
        if fresh:
            response.set_cookie(
                PRELOGIN_COOKIE,
                request.state.prelogin,
                httponly=True,
                samesite="strict",
                secure=settings.cookie_secure,
            )
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(
        BodyLimit,
        limit=settings.max_upload_bytes,
        on_refuse=lambda path: audit.record_apart(
            settings.database_url, "upload_rejected", path=path, error="UploadTooLarge", status=413
        ),
    )
    if settings.oidc_providers:
        # State, nonce and PKCE verifier of a single sign-on in progress (Authlib keeps them in the
        # Starlette session); "lax" so the cookie comes back on the provider's redirect.
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=oidc.SSO_COOKIE,
            max_age=600,
            same_site="lax",
            https_only=settings.cookie_secure,
        )
        app.state.oauth = oidc.registry(settings)

    static = resources.files("carecast.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def _plotly() -> FileResponse:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def _favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/", include_in_schema=False)
    def _home() -> RedirectResponse:
        return RedirectResponse("/overview", status_code=303)

    for name in ROUTERS:
        module = importlib.import_module(f"carecast.web.api.routes.{name}")
        app.include_router(module.router)
    return app
