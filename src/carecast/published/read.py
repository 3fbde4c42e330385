"""The one place the published-statistics package reads files: CSV and ODS, every cell as text.

Everything is read as text (no type guessing) so a suppression code such as ``c`` or ``[x]`` in a
numeric column reaches :mod:`carecast.published.codes` intact instead of failing a cast or, worse,
becoming a zero. Casting happens afterwards, in one place, with a reason for every blank. Both go
through the project's table reader (:mod:`carecast.plumbing.tables`); the RO3 workbook is read
as a grid of cells, because its header sits below a block of titles and notes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.tables import read_table, workbook_sheets


def read_csv_text(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A CSV file, all columns text, with a 1-based ``row`` (the header is row 1), read through
    :func:`carecast.plumbing.tables.read_table` (encoding and delimiter detected, nothing
    decoded lossily); and the lines it set aside (a repeated header), in the plumbing's issue
    shape, for the caller's log."""
    table = read_table(
        path,
        what="published statistics",
        row_column="row",
        shown=path.name,
        fix="give the file as downloaded from Explore Education Statistics",
    )
    frame = table.frame
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    return frame.with_columns(pl.col("row").cast(pl.Int64)), table.issues


def read_sheet_text(path: Path, sheet_prefix: str) -> pl.DataFrame:
    """The first sheet whose name starts with ``sheet_prefix`` (ODS or XLSX), every cell as text,
    no header (published workbooks put titles and notes above the table), read through
    :func:`carecast.plumbing.tables.read_table`. ``row`` is the spreadsheet's 1-based row number,
    so a message can send the reader to the cell."""
    fix = "give the workbook as published, without renaming its sheets"
    if not path.is_file():
        raise InputError(f"{path.name} does not exist", fix="check the folder holds it")
    sheets = workbook_sheets(path, what="published workbook", shown=path.name)
    names = [n for n in sheets if n.startswith(sheet_prefix)]
    if not names:
        raise InputError(
            f"{path.name} has no sheet named {sheet_prefix}… (it has {', '.join(sheets)})",
            fix=fix,
            where=Location(file=path.name),
        )
    table = read_table(
        path,
        what="published workbook",
        sheet=names[0],
        header=False,
        row_column="row",
        shown=path.name,
        fix=fix,
    )
    return table.frame
