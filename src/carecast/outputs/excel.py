"""Excel writer: one formatted sheet per table, plus an "About" sheet saying how it was made."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from carecast.outputs.formats import is_money, is_share, suppressed_numbers
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
    header = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "£#,##0"})
    share = wb.add_format({"num_format": "0.0%"})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()

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
        for j, col in enumerate(df.columns):
            ws.write(0, j, col, header)
            dtype = df.schema[col]
            fmt = None
            if dtype in (pl.Date, pl.Datetime):
                fmt = date
            elif dtype.is_numeric() and is_money(col):
                fmt = money
            elif dtype.is_numeric() and is_share(col):
                fmt = share
            values = df.get_column(col).to_list()
            numbers = suppressed_numbers(values) if dtype == pl.Utf8 else None
            if numbers is not None:  # counts with "c" cells: numbers stay numbers
                values = numbers
                fmt = share if is_share(col) else money if is_money(col) else None
            for i, v in enumerate(values, start=1):
                if v is None:
                    continue
                if isinstance(v, str) and numbers is not None:
                    ws.write_string(i, j, v)
                    continue
                if fmt is date:
                    ws.write_datetime(i, j, _to_datetime(v), date)
                elif fmt is not None:
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write(i, j, _cell(v))
            width = max([len(str(col))] + [len(str(v)) for v in values[:200]]) + 2
            ws.set_column(j, j, min(max(width, 8), 60))
        ws.freeze_panes(1, 0)
        if df.height:
            ws.autofilter(0, 0, df.height, max(df.width - 1, 0))
    wb.close()
    return [path]


def _to_datetime(v):
    import datetime as dt

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
