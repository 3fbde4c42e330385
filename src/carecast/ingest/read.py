"""Reading one SSDA903 table from a CSV, XLSX, ODS or XML file into an all-text Polars frame.

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

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.tables import Sheet, Table, read_csv_files, read_table
from carecast.schema.ssda903 import TABLES

ROW = "source_row"
_FIX = ("export the table again from your case-management system (it should start with a row of "
        "column names such as CHILD,DECOM,...), or save it from Excel as 'CSV UTF-8 (comma "
        "delimited)'")


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Upper-case, trimmed column names; all text; row numbers (header = row 1)."""
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    names = {c: c if c in (ROW, "file_index") else str(c).strip().upper() for c in frame.columns}
    return frame.select(pl.col(c).cast(pl.Utf8).alias(n) if n not in (ROW, "file_index") else pl.col(c)
                        for c, n in names.items())


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Trimmed values, empty cells null: what spreadsheets and XML give needs this; CSV read by
    Polars already has nulls for empty fields, and stray spaces are handled where they matter."""
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns if c != ROW)


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
    sheets = tuple(Sheet(s.name, _blank_to_null(_finish(s.frame)) if blank else _finish(s.frame))
                   for s in table.sheets)
    return replace(table, sheets=sheets)


def read_plain_csvs(paths: list[Path], shown: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Plain UTF-8 CSV files with identical column names, read in one parallel scan
    (:func:`carecast.plumbing.tables.read_csv_files`), with 903-style column names."""
    frame, issues = read_csv_files(paths, row_column=ROW, shown=shown)
    return _finish(frame), issues


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].upper()


def read_xml(path: Path) -> dict[str, pl.DataFrame | None]:
    """The XML form of the return: one element per child holding its header fields, its episodes
    (one element per episode) and any UASC fields. Element names are the 903 column names; any
    wrapping elements are ignored, so the common layouts all read the same way."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise missing_file(path) from None
    if not data.strip():
        raise InputError("the file is empty", where=Location(file=str(path)), fix=_FIX)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(
            f"the XML is malformed or truncated ({exc})",
            where=Location(file=str(path), row=line),
            fix="export the return again; the file must be complete and well-formed XML",
        ) from None
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    for child in root.iter():
        if _local(child.tag) != "CHILD" or len(child) == 0:
            continue
        header: dict[str, str] = {}
        uasc: dict[str, str] = {}
        episodes: list[dict[str, str]] = []
        stack = list(child)
        while stack:  # walk the child's record without descending into episodes / UASC
            el = stack.pop(0)
            name = _local(el.tag)
            leaves = {_local(e.tag): (e.text or "").strip() for e in el.iter() if len(e) == 0}
            if name == "EPISODE":
                episodes.append(leaves)
            elif name == "UASC" and len(el):
                uasc = leaves
            elif len(el):
                stack[:0] = list(el)
            else:
                header.setdefault("CHILD" if name == "CHILDID" else name, (el.text or "").strip())
        child_id = header.get("CHILD", "")
        if "DUC" in header:
            uasc.setdefault("DUC", header.pop("DUC"))
        rows["header"].append(header)
        for ep in episodes:
            rows["episodes"].append({"CHILD": child_id, **ep})
        if uasc:
            rows["uasc"].append({"CHILD": child_id, "SEX": header.get("SEX", ""),
                                 "DOB": header.get("DOB", ""), **uasc})
    if not rows["header"]:
        raise InputError(
            "the XML file holds no child records",
            where=Location(file=str(path)),
            fix="check this is the SSDA903 return (it should contain one element per child with "
            "CHILD, SEX, DOB and its episodes)",
        )
    return {t: _blank_to_null(_finish(pl.DataFrame(r, infer_schema_length=None))) if r else None
            for t, r in rows.items()}


def missing_file(path: Path) -> InputError:
    return InputError(
        "the file does not exist",
        where=Location(file=str(path)),
        fix="check the path; carecast expects DIR/<council>/<collection year>/episodes.csv (and "
        "header.csv, uasc.csv), DIR/<year>/episodes.csv with --council, or a manifest",
    )
