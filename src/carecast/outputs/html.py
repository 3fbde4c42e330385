"""HTML writer: one self-contained page (Plotly.js inlined once) that opens offline."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from carecast.outputs.charts import worded
from carecast.outputs.columns import Kind, columns_of, kind_of
from carecast.outputs.formats import display, suppressed_numbers
from carecast.outputs.report import Report
from carecast.outputs.vocabulary import heading, prose

MAX_ROWS = 500  # longer tables are cut in HTML (the Excel/CSV output has them whole)


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("carecast.outputs", "templates"), autoescape=select_autoescape()
    )
    env.filters["cell"] = format_cell
    return env


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def format_cell(value, column: str = "", kind: Kind | None = None) -> str:
    """How a value reads in an HTML table, from its column's kind (pounds, percentages, dd/mm/yyyy)."""
    if kind is None:
        kind = kind_of(column, _dtype(value))
    return display(value, kind)


def _dtype(value) -> pl.DataType:
    if isinstance(value, bool):
        return pl.Boolean
    if isinstance(value, int):
        return pl.Int64
    if isinstance(value, float):
        return pl.Float64
    if isinstance(value, dt.date):
        return pl.Date
    return pl.Utf8


def figure_html(fig) -> Markup:
    return Markup(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
        )
    )


def render(report: Report, *, include_plotly: bool = True) -> str:
    sections = []
    for s in report.sections:
        tables = []
        for name, df in s.tables.items():
            shown = df.head(MAX_ROWS)
            raw = [shown.get_column(c).to_list() for c in shown.columns]
            cols = [
                (suppressed_numbers(v) if shown.schema[c] == pl.Utf8 else None) or v
                for c, v in zip(shown.columns, raw, strict=True)
            ]
            rows = list(zip(*cols, strict=True)) if cols else []
            specs = columns_of(df, s.columns)
            kinds = [
                Kind.COUNT
                if specs[c].kind is Kind.TEXT and shown.schema[c] == pl.Utf8 and n is not v
                else specs[c].kind
                for c, n, v in zip(shown.columns, cols, raw, strict=True)
            ]
            tables.append(
                {
                    "name": heading(name),
                    "columns": [specs[c].label for c in df.columns],
                    "kinds": kinds,
                    "rows": rows,
                    "total": df.height,
                    "shown": shown.height,
                }
            )
        sections.append(
            {
                "title": prose(s.title),
                "text": prose(s.text),
                "notes": [prose(n) for n in s.notes],
                "tables": tables,
                "figures": [figure_html(worded(f)) for f in s.drawn_figures()],
            }
        )
    return (
        _env()
        .get_template("report.html")
        .render(
            title=report.title,
            metadata=report.metadata,
            sections=sections,
            plotly_js=Markup(plotly_js()) if include_plotly else None,
        )
    )


def write(report: Report, path: Path) -> list[Path]:
    path.write_text(render(report), encoding="utf-8")
    return [path]
