"""Jinja2 pages: one environment, one ``render`` that gives every page the user, CSRF token and menu."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

import carecast
from carecast.outputs.html import format_cell
from carecast.web.access import Principal

# (path, label, capability module that must exist, who sees it)
MENU: list[tuple[str, str, str | None, str]] = [
    ("/overview", "Overview", None, "all"),
    ("/upload", "Upload returns", "carecast.ingest", "upload"),
    ("/children", "Children", None, "child"),
    ("/forecast", "Forecast", "carecast.forecast", "run"),
    ("/costs", "Costs", "carecast.costs", "run"),
    ("/snapshot", "Snapshot", "carecast.snapshot", "all"),
    ("/budget", "Budget", "carecast.budget", "run"),
    ("/scenarios", "Scenarios", "carecast.scenarios", "run"),
    ("/directory", "Directory", "carecast.market", "all"),
    ("/downloads", "Downloads", None, "all"),
    ("/admin", "Admin", None, "admin"),
]


def capability_ready(module: str | None, attribute: str | None = None) -> bool:
    """Whether a capability's public API is present in this install (they land one by one)."""
    if module is None:
        return True
    if importlib.util.find_spec(module) is None:
        return False
    if attribute is None:
        return True
    mod = importlib.import_module(module)
    return hasattr(mod, attribute)


def menu_for(user: Principal | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    allowed = {
        "all": True,
        "upload": user.may_upload,
        "child": user.sees_child_level,
        "run": user.may_run,
        "admin": user.is_admin,
    }
    return [(path, label) for path, label, module, who in MENU if allowed[who] and capability_ready(module)]


def _plotly_json(fig: Any) -> Markup:
    """A figure as JSON for a <script type="application/json"> block (no inline code)."""
    text = fig.to_json() if hasattr(fig, "to_json") else json.dumps(fig)
    return Markup(text.replace("</", "<\\/"))


@cache
def templates() -> Jinja2Templates:
    env = Environment(loader=PackageLoader("carecast.web", "templates"), autoescape=select_autoescape())
    env.filters["cell"] = format_cell
    env.filters["plotly_json"] = _plotly_json
    env.globals["version"] = carecast.__version__
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None):
    from carecast.web.deps import csrf_token_for

    user = getattr(request.state, "user", None)
    ctx = {"user": user, "menu": menu_for(user), "csrf_token": csrf_token_for(request),
           "path": request.url.path, **(context or {})}
    return templates().TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
