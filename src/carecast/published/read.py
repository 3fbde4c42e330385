"""The one place the published-statistics package reads files: CSV and ODS, every cell as text.

Everything is read as text (no type guessing) so a suppression code such as ``c`` or ``[x]`` in a
numeric column reaches :mod:`carecast.published.codes` intact instead of failing a cast or, worse,
becoming a zero. Casting happens afterwards, in one place, with a reason for every blank. CSV goes
through the project's table reader (:mod:`carecast.plumbing.tables`); the RO3 workbook is read
here as a grid of cells, because its header sits below a block of titles and notes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.tables import read_table


def read_csv_text(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A CSV file, all columns text, with a 1-based ``row`` (the header is row 1), read through
    :func:`carecast.plumbing.tables.read_table` (encoding and delimiter detected, nothing
    decoded lossily); and the lines it set aside (a repeated header), in the plumbing's issue
    shape, for the caller's log."""
    table = read_table(path, what="published statistics", row_column="row", shown=path.name,
                       fix="give the file as downloaded from Explore Education Statistics")
    frame = table.frame
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    return frame.with_columns(pl.col("row").cast(pl.Int64)), table.issues


def read_sheet_text(path: Path, sheet_prefix: str) -> pl.DataFrame:
    """The first sheet whose name starts with ``sheet_prefix`` (ODS or XLSX, read by calamine
    through fastexcel), every cell as text, no header (published workbooks put titles and notes
    above the table). ``row`` is the spreadsheet's 1-based row number, so a message can send the
    reader to the cell."""
    import fastexcel

    try:
        book = fastexcel.read_excel(str(path))
        names = [n for n in book.sheet_names if n.startswith(sheet_prefix)]
        if not names:
            raise InputError(
                f"{path.name} has no sheet named {sheet_prefix}… (it has "
                f"{', '.join(book.sheet_names)})",
                fix="give the workbook as published, without renaming its sheets",
                where=Location(file=path.name),
            )
        frame = book.load_sheet_by_name(names[0], header_row=None, dtypes="string").to_polars()
    except FileNotFoundError as exc:
        raise InputError(f"{path.name} does not exist", fix="check the folder holds it") from exc
    except InputError:
        raise
    except Exception as exc:  # calamine's own errors for a file that is not a spreadsheet
        raise InputError(
            f"{path.name} cannot be read as a spreadsheet ({exc})",
            fix="give the ODS workbook as published",
            where=Location(file=path.name),
        ) from exc
    return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
