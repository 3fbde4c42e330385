"""Reading one SSDA903 table from a CSV, XLSX or ODS file into an all-text Polars frame (the XML
return is read by :mod:`carecast.ingest.xml_return`).

CSV and workbooks are read by :mod:`carecast.plumbing.tables` (encoding, delimiter, every sheet,
repeated header lines); this module gives the frames the 903 column names and row numbers.

Everything is read as text: typing happens in :mod:`carecast.ingest.validate`, where a value that
will not parse can be counted against its row instead of failing the whole file. Each frame gets
``source_row``: the 1-based row in the file with the column header as row 1 (what a council
analyst sees in Excel), or the record's position for XML.

A file that cannot be used at all (missing, empty, binary, truncated, malformed) raises
:class:`~carecast.errors.InputError` naming the file and, where known, the row.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.tables import Sheet, Table, read_csv_files, read_table

ROW = "source_row"
_FIX = (
    "export the table again from your case-management system (it should start with a row of "
    "column names such as CHILD,DECOM,...), or save it from Excel as 'CSV UTF-8 (comma "
    "delimited)'"
)


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Upper-case, trimmed column names; all text; row numbers (header = row 1)."""
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    names = {c: c if c in (ROW, "file_index") else str(c).strip().upper() for c in frame.columns}
    return frame.select(
        pl.col(c).cast(pl.Utf8).alias(n) if n not in (ROW, "file_index") else pl.col(c)
        for c, n in names.items()
    )


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Trimmed values, empty cells null: what spreadsheets and XML give needs this; CSV read by
    Polars already has nulls for empty fields, and stray spaces are handled where they matter."""
    return frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in frame.columns if c != ROW
    )


def drop_blank_rows(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Remove blank lines (rows with no value at all) and trim the child id (the join key)."""
    if columns:
        blank = frame.select(pl.all_horizontal(pl.col(columns).is_null()).sum()).item()
        if blank:  # filtering copies every column: only when there is something to remove
            frame = frame.filter(pl.any_horizontal(pl.col(columns).is_not_null()))
    return frame.with_columns(pl.col("CHILD").str.strip_chars().replace("", None))


def read_file(path: Path, shown: str | None = None) -> Table:
    """A CSV or workbook return file, every sheet with 903-style column names and ``source_row``
    (encoding, delimiter, sheets and repeated header lines as :func:`carecast.plumbing.tables.read_table`)."""
    table = read_table(path, what="return", row_column=ROW, fix=_FIX, shown=shown)
    blank = table.format != "csv"
    sheets = tuple(
        Sheet(s.name, _blank_to_null(_finish(s.frame)) if blank else _finish(s.frame))
        for s in table.sheets
    )
    return replace(table, sheets=sheets)


def read_plain_csvs(paths: list[Path], shown: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Plain UTF-8 CSV files with identical column names, read in one parallel scan
    (:func:`carecast.plumbing.tables.read_csv_files`), with 903-style column names."""
    frame, issues = read_csv_files(paths, row_column=ROW, shown=shown)
    return _finish(frame), issues


def missing_file(path: Path) -> InputError:
    return InputError(
        "the file does not exist",
        where=Location(file=str(path)),
        fix="check the path; carecast expects DIR/<council>/<collection year>/episodes.csv (and "
        "header.csv, uasc.csv), DIR/<year>/episodes.csv with --council, or a manifest",
    )
