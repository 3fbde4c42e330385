"""The one place the web app turns errors into HTTP answers.

A :class:`~carecast.errors.CarecastError` answers with its ``http_status`` and its plain-English
message and fix: as JSON under ``/api/``, as a page (or an inline HTMX fragment) elsewhere.
A visitor who is not logged in is sent to the login page (pages) or gets 401 (API).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from carecast.errors import CarecastError, InputError


class LoginRequired(CarecastError):
    """The visitor is not logged in (or the session expired)."""

    exit_code = 5
    http_status = 401


class CsrfError(CarecastError):
    """A state-changing request without this visitor's CSRF token."""

    exit_code = 5
    http_status = 403


class UploadTooLarge(CarecastError):
    exit_code = 2
    http_status = 413


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_payload(exc: CarecastError) -> dict:
    where = exc.where.describe() if exc.where is not None else None
    return {
        "error": type(exc).__name__,
        "message": exc.message,
        "fix": exc.fix,
        "where": where or None,
    }


def error_response(request: Request, exc: CarecastError) -> Response:
    from carecast.web import audit

    audit.record_error(request, exc)  # refusals and rejected uploads, logged here and only here
    if isinstance(exc, LoginRequired) and not _wants_json(request):
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if _wants_json(request):
        return JSONResponse(error_payload(exc), status_code=exc.http_status)
    from carecast.web.templating import render

    template = "partials/error.html" if request.headers.get("hx-request") else "error.html"
    return render(request, template, {"error": error_payload(exc)}, status_code=exc.http_status)


def install(app: FastAPI) -> None:
    @app.exception_handler(CarecastError)
    async def _domain(request: Request, exc: CarecastError):
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(
            request,
            InputError(
                f"the request is not valid ({problems})", fix="check the form fields and try again"
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            from carecast.errors import NotFoundError

            return error_response(
                request, NotFoundError("there is no such page", fix="use the menu")
            )
        err = CarecastError(str(exc.detail))
        err.http_status = exc.status_code
        return error_response(request, err)
