"""Excel writer: one formatted sheet per table, plus an "About" sheet saying how it was made."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from carecast.outputs.columns import Column, Kind
from carecast.outputs.committee import write_sheet
from carecast.outputs.formats import EXCEL_FORMATS, fy_label, suppressed_numbers, text
from carecast.outputs.report import Report

_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD.sub("_", name)[:31] or "Sheet"
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f"_{i}"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(candidate.lower())
    return candidate


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return value


def write(report: Report, path: Path) -> list[Path]:
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "remove_timezone": True})
    header = wb.add_format(
        {
            "bold": True,
            "bg_color": "#1F3864",
            "font_color": "#FFFFFF",
            "text_wrap": True,
            "valign": "top",
        }
    )
    formats = {kind: wb.add_format({"num_format": f}) for kind, f in EXCEL_FORMATS.items()}
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()

    if report.committee is not None:  # a committee paper's table first; the workbook opens on it
        write_sheet(wb, wb.add_worksheet(_sheet_name("Summary", used)), report.committee)
    about = wb.add_worksheet(_sheet_name("About", used))
    about.write(0, 0, report.title, title)
    row = 2
    for key, value in _flatten(report.metadata):
        about.write(row, 0, key)
        about.write(row, 1, _cell(value), wrap)
        row += 1
    row += 1
    for section in report.sections:
        if section.text or section.notes:
            about.write(row, 0, section.title, wb.add_format({"bold": True}))
            about.write(row, 1, "\n".join([section.text, *section.notes]).strip(), wrap)
            row += 1
    about.set_column(0, 0, 32)
    about.set_column(1, 1, 100)

    for name, df in report.tables().items():
        ws = wb.add_worksheet(_sheet_name(name, used))
        columns = report.columns(name)
        if report.for_import:
            columns = {c: Column(c, col.kind, c) for c, col in columns.items()}
        _write_table(ws, df, columns, header, formats, worded=not report.for_import)
    wb.close()
    return [path]


def _write_table(
    ws, df: pl.DataFrame, columns: dict[str, Column], header, formats, *, worded: bool
) -> None:
    """One table: headings in words, every number a number with its kind's format, "c" as text."""
    for j, col in enumerate(df.columns):
        spec = columns[col]
        ws.write(0, j, spec.label, header)
        values = df.get_column(col).to_list()
        numbers = suppressed_numbers(values) if df.schema[col] == pl.Utf8 else None
        kind = spec.kind
        if numbers is not None:  # counts with "c" cells: numbers stay numbers
            values = numbers
            if kind is Kind.TEXT:
                kind = Kind.COUNT
        fmt = formats.get(kind)
        for i, v in enumerate(values, start=1):
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                continue
            if isinstance(v, str):
                ws.write_string(i, j, text(v) if worded else v)
            elif isinstance(v, bool):
                ws.write_string(i, j, "yes" if v else "no")
            elif isinstance(v, dt.date):
                ws.write_datetime(i, j, _to_datetime(v), formats[Kind.DATE])
            elif kind is Kind.FINANCIAL_YEAR and isinstance(v, int):
                ws.write_string(i, j, fy_label(v))
            elif isinstance(v, int | float) and fmt is not None:
                ws.write_number(i, j, v, fmt)
            else:
                ws.write(i, j, _cell(v))
        width = max([len(spec.label)] + [len(str(v)) for v in values[:200]]) + 2
        ws.set_column(j, j, min(max(width, 8), 60))
    ws.freeze_panes(1, 0)
    if df.height:
        ws.autofilter(0, 0, df.height, max(df.width - 1, 0))


def _to_datetime(v):
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime(v.year, v.month, v.day)


def _flatten(meta: dict, prefix: str = ""):
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value
