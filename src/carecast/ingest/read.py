"""Reading one SSDA903 table from a CSV or XLSX file into an all-text Polars frame (the XML
return is read by :mod:`carecast.ingest.xml_return`).

Everything is read as text: typing happens in :mod:`carecast.ingest.validate`, where a value that
will not parse can be counted against its row instead of failing the whole file. Each frame gets
``source_row``: the 1-based row in the file with the column header as row 1 (what a council
analyst sees in Excel).

A file that cannot be used at all (missing, empty, binary, truncated, malformed) raises
:class:`~carecast.errors.InputError` naming the file and, where known, the row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import InputError, Location

ROW = "source_row"
_SNIFF = 8192


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (which never fails)."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"latin-1 cannot fail ({path})")


def _check_empty(data: bytes, path: Path) -> None:
    if not data.strip():
        raise InputError(
            "the file is empty",
            where=Location(file=str(path)),
            fix="export the table again from your case-management system (it should start with a "
            "row of column names such as CHILD,DECOM,...), or remove the empty file",
        )


def _check_text(data: bytes, path: Path) -> None:
    _check_empty(data, path)
    head = data[:_SNIFF]
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise InputError(
            "the file is not a text CSV file (it contains binary data)",
            where=Location(file=str(path)),
            fix="save it from Excel as 'CSV UTF-8 (comma delimited)', or give it the extension of "
            "its real format (.xlsx)",
        )


def _check_truncated(data: bytes, n_columns: int, path: Path) -> None:
    """A last line with fewer fields than the header means the file was cut off part-way."""
    body = data.rstrip(b"\r\n")
    if b"\n" not in body:
        return
    last = next(csv.reader([body.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")]), [])
    if 0 < len(last) < n_columns:
        raise InputError(
            f"the file ends part-way through a row ({len(last)} of {n_columns} fields): it looks "
            "truncated (or a quote mark on that row is never closed)",
            where=Location(file=str(path), row=body.count(b"\n") + 1),
            fix="export or copy the file again in full; check the disk was not full when it was saved",
        )


def _utf8(data: bytes, path: Path) -> bytes:
    """The bytes as UTF-8 without a BOM (re-encoded only when they are not UTF-8 already)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return _decode(data, path).encode("utf-8")


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Upper-case, trimmed column names; all text; row numbers (header = row 1)."""
    names = [str(c).strip().upper() for c in frame.columns]
    return frame.select(
        [pl.col(c).cast(pl.Utf8).alias(n) for c, n in zip(frame.columns, names, strict=True)]
    ).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


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


def read_csv(path: Path) -> pl.DataFrame:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise missing_file(path) from None
    except OSError as exc:
        raise InputError(f"the file cannot be opened: {exc.strerror}", where=Location(file=str(path)),
                         fix="check the file's permissions and that it is not open elsewhere") from None
    _check_text(data, path)
    data = _utf8(data, path)
    try:
        frame = pl.read_csv(data, infer_schema=False, null_values=[""], truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).splitlines()[0]
        raise InputError(
            f"the file is not a well-formed CSV file ({first})",
            where=Location(file=str(path)),
            fix="open it in Excel and save it again as CSV; look for a quote mark (\") that is "
            "never closed or a row with more values than column names",
        ) from None
    _check_truncated(data, frame.width, path)
    return _finish(frame)


def probe_csv(path: Path) -> tuple[list[str], bool]:
    """Check a CSV file as :func:`read_csv` would; return its raw column names and whether it is
    plain UTF-8 without a BOM, so that it can be read together with others in one scan."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise missing_file(path) from None
    _check_text(data, path)
    plain = not data.startswith(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        plain = False
    first = _decode(data.split(b"\n", 1)[0], path).rstrip("\r")
    columns = next(csv.reader([first]), [])
    _check_truncated(data, len(columns), path)
    return columns, plain


def read_csv_many(paths: list[Path]) -> pl.DataFrame:
    """Plain UTF-8 CSV files with identical column names, read in one parallel scan.

    Adds ``source_row`` (per file, header = row 1) and ``file_index`` (position in ``paths``).
    A file that breaks the scan is found by reading each file alone, which raises its own error.
    """
    try:
        frame = pl.scan_csv(paths, infer_schema=False, include_file_paths="__path", null_values=[""],
                            truncate_ragged_lines=False).collect()
    except pl.exceptions.PolarsError:
        for p in paths:
            read_csv(p)
        raise
    runs = frame["__path"].rle()
    lengths = runs.struct.field("len").to_numpy()
    index = {str(p): i for i, p in enumerate(paths)}
    file_index = np.repeat([index[v] for v in runs.struct.field("value").to_list()], lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    frame = _finish(frame.drop("__path"))
    return frame.with_columns(
        pl.Series(ROW, np.arange(frame.height) - starts + 2, dtype=pl.Int64),
        pl.Series("file_index", file_index, dtype=pl.Int32),
    )


def read_xlsx(path: Path, sheet: str | None = None) -> pl.DataFrame:
    """One sheet (``sheet``, else the first) of a workbook, as text."""
    if not path.exists():
        raise missing_file(path)
    _check_empty(path.read_bytes()[:_SNIFF], path)
    try:
        frame = pl.read_excel(path, sheet_name=sheet) if sheet else pl.read_excel(path, sheet_id=1)
        frame = frame.select(pl.all().cast(pl.Utf8))
    except Exception as exc:  # fastexcel raises its own types for corrupt workbooks
        raise InputError(
            f"the workbook cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})",
            where=Location(file=str(path)),
            fix="open it in Excel and save it again as .xlsx, or export the table as CSV",
        ) from None
    return _blank_to_null(_finish(frame))


def xlsx_sheets(path: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:
        raise InputError(
            f"the workbook cannot be read ({type(exc).__name__})",
            where=Location(file=str(path)),
            fix="open it in Excel and save it again as .xlsx, or export the tables as CSV",
        ) from None


def missing_file(path: Path) -> InputError:
    return InputError(
        "the file does not exist",
        where=Location(file=str(path)),
        fix="check the path; carecast expects DIR/<council>/<collection year>/episodes.csv (and "
        "header.csv, uasc.csv), DIR/<year>/episodes.csv with --council, or a manifest",
    )
