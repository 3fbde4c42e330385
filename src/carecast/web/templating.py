"""Jinja2 pages: one environment, one ``render`` that gives every page the user, CSRF token and menu."""

from __future__ import annotations

import json
import numbers
from functools import cache
from typing import Any

import numpy as np
import plotly.io
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

import carecast
from carecast.outputs.charts import worded
from carecast.outputs.html import format_cell
from carecast.web.access import Principal
from carecast.web.security import csrf_token_for

# (path, label, who sees it)
MENU: list[tuple[str, str, str]] = [
    ("/overview", "Overview", "all"),
    ("/upload", "Upload returns", "upload"),
    ("/children", "Children", "child"),
    ("/forecast", "Forecast", "run"),
    ("/costs", "Costs", "run"),
    ("/snapshot", "Snapshot", "all"),
    ("/budget", "Budget", "run"),
    ("/scenarios", "Scenarios", "run"),
    ("/sufficiency", "Sufficiency", "sufficiency"),
    ("/send", "High needs", "run"),
    ("/directory", "Directory", "all"),
    ("/downloads", "Downloads", "all"),
    ("/admin", "Admin", "admin"),
]


def menu_for(user: Principal | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    allowed = {
        "all": True,
        "upload": user.may_upload,
        "child": user.sees_child_level,
        "run": user.may_run,
        "sufficiency": user.may_assess_sufficiency,
        "admin": user.is_admin,
    }
    return [(path, label) for path, label, who in MENU if allowed[who]]


def web_cell(value: Any, column: str = "") -> str:
    """Cells as the shared HTML writer formats them, except years, which read as 2024, not 2,024."""
    if isinstance(value, int) and not isinstance(value, bool) and "year" in column.lower():
        return str(value)
    return format_cell(value, column)


def chart_cell(value: Any) -> str:
    """A chart's value in its table alternative: thousands separated, at most two decimals,
    dates as dd/mm/yyyy (as the charts show them), missing values blank."""
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[D]").item()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)
    number = float(value)
    if number.is_integer() or abs(number) >= 100:
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def _plotly_json(fig: Any) -> str:
    """A figure as JSON for a data attribute (escaped by the template): no inline script at all.

    Serialising a figure is slow, and cached results are shown again and again, so the JSON is
    kept on the figure after the first time.
    """
    if not hasattr(fig, "to_json"):
        return json.dumps(fig)
    cached = getattr(fig, "_carecast_json", None)
    if cached is None:  # worded once: ids in legends become words, financial-year axes categorical
        cached = plotly.io.to_json(worded(fig), validate=False)
        fig._carecast_json = cached
    return cached


@cache
def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("carecast.web", "templates"), autoescape=select_autoescape()
    )
    env.filters["webcell"] = web_cell
    env.filters["plotly_json"] = _plotly_json
    env.filters["chartcell"] = chart_cell
    env.globals["zip"] = zip
    env.globals["version"] = carecast.__version__
    return Jinja2Templates(env=env)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
):
    user = getattr(request.state, "user", None)
    ctx = {
        "user": user,
        "menu": menu_for(user),
        "csrf_token": csrf_token_for(request),
        "path": request.url.path,
        **(context or {}),
    }
    return templates().TemplateResponse(
        request, name, ctx, status_code=status_code, headers=headers
    )
