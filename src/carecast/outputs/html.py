"""HTML writer: one self-contained page (Plotly.js inlined once) that opens offline."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from carecast.outputs.formats import is_money, is_plain, is_share, suppressed_numbers
from carecast.outputs.report import Report

MAX_ROWS = 500  # longer tables are cut in HTML (the Excel/CSV output has them whole)


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("carecast.outputs", "templates"), autoescape=select_autoescape())
    env.filters["cell"] = format_cell
    return env


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def format_cell(value, column: str = "") -> str:
    """How a value reads in an HTML table: pounds, percentages, thousands separators, dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, int) and is_plain(column):
        return str(value)
    if isinstance(value, int | float):
        if is_share(column):
            return f"{value:.1%}"
        if is_money(column):
            return f"£{value:,.0f}"
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"
        return f"{value:,}"
    return str(value)


def figure_html(fig) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True}))


def render(report: Report, *, include_plotly: bool = True) -> str:
    sections = []
    for s in report.sections:
        tables = []
        for name, df in s.tables.items():
            shown = df.head(MAX_ROWS)
            cols = [shown.get_column(c).to_list() for c in shown.columns]
            cols = [(suppressed_numbers(v) if shown.schema[c] == pl.Utf8 else None) or v
                    for c, v in zip(shown.columns, cols, strict=True)]
            rows = list(zip(*cols, strict=True)) if cols else []
            tables.append({"name": name, "columns": df.columns, "rows": rows, "total": df.height, "shown": shown.height})
        sections.append({"title": s.title, "text": s.text, "notes": s.notes, "tables": tables,
                         "figures": [figure_html(f) for f in s.drawn_figures()]})
    return _env().get_template("report.html").render(
        title=report.title,
        metadata=report.metadata,
        sections=sections,
        plotly_js=Markup(plotly_js()) if include_plotly else None,
    )


def write(report: Report, path: Path) -> list[Path]:
    path.write_text(render(report), encoding="utf-8")
    return [path]


