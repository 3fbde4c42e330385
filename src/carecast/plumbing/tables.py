"""The one way carecast reads a table a user gives it: CSV, XLSX/XLSM, ODS or Parquet.

Councils export from case-management systems, Excel and LibreOffice, so the same table arrives
as UTF-8 with or without a byte-order mark, UTF-16 (Excel's "Unicode text"), Windows-1252
(Excel's plain "CSV"), comma-, semicolon- (European locales) or tab-separated, or as a workbook
whose sheets are named however the analyst liked. Each capability used to guess these on its
own, and four of them decoded with ``utf8-lossy``, turning "é" into "�" without a word. Here:

* the encoding is detected from the byte-order mark, else UTF-8, else Windows-1252; nothing is
  ever decoded lossily: bytes that are none of these stop the read, naming the line;
* the delimiter is the one of comma, semicolon and tab that splits the header line most;
* every sheet of a workbook is returned with its name, so a caller can list the ones it does
  not use instead of skipping them in silence;
* a line that repeats the column header (two exports pasted together) is dropped and recorded
  under its own rule, instead of surfacing later as "bad date" on every column;
* every column is text unless the caller asks otherwise, so codes such as "007" keep their
  zeros and a value that will not parse can be counted against its row rather than failing
  the file.

What was detected and what was repaired travel with the frame in :class:`Table`. Files that
cannot be used raise :class:`~carecast.errors.InputError` naming the file (and row, where known)
and saying what to do.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import InputError, Location
from carecast.plumbing.quality import Issue, combine, empty_issues, row_issues

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PARQUET_SUFFIXES = (".parquet",)
DELIMITERS = (",", ";", "\t")
_SNIFF = 8192
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16-le": "UTF-16 (little-endian)",
    "utf-16-be": "UTF-16 (big-endian)",
    "cp1252": "Windows-1252",
}
REPEATED_HEADER = "REPEATED_HEADER"


@dataclass(frozen=True)
class Sheet:
    """One table from a file: ``name`` is the workbook sheet's name (None for CSV and Parquet)."""

    name: str | None
    frame: pl.DataFrame


@dataclass(frozen=True)
class Table:
    """What :func:`read_table` read, and how.

    ``sheets`` holds every sheet of a workbook, in workbook order (one unnamed sheet for CSV and
    Parquet). ``issues`` are the repairs made while reading (in the
    :mod:`carecast.plumbing.quality` shape), for the caller to add to its own log.
    """

    path: Path
    format: str  # csv | xlsx | ods | parquet
    sheets: tuple[Sheet, ...]
    encoding: str | None = None  # Python codec name, CSV only
    delimiter: str | None = None  # CSV only
    issues: pl.DataFrame = field(default_factory=empty_issues)

    @property
    def frame(self) -> pl.DataFrame:
        """The first (for CSV and Parquet, the only) table."""
        return self.sheets[0].frame

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets if s.name is not None]

    def sheet(self, name: str) -> pl.DataFrame | None:
        """The sheet called ``name`` (case and surrounding spaces ignored), or None."""
        key = name.strip().casefold()
        return next(
            (s.frame for s in self.sheets if (s.name or "").strip().casefold() == key), None
        )

    def unused_sheets(self, used: set[str], *, file: str | None = None) -> list[Issue]:
        """One flagged issue per sheet the caller did not read, so none is skipped in silence."""
        shown = file or str(self.path)
        return [
            Issue(
                rule="SHEET_NOT_READ",
                severity="flagged",
                file=shown,
                column=None,
                value=s.name,
                message=f"the sheet '{s.name}' was not read ({s.frame.height} "
                "rows): carecast did not recognise it as one of the tables it needs",
                fix="rename the sheet to the table it holds, or remove it if it is not needed",
                count=max(s.frame.height, 1),
            )
            for s in self.sheets
            if s.name is not None and s.name not in used
        ]

    def describe(self) -> str:
        """What was detected, in words (for a report's notes)."""
        parts = [self.format.upper()]
        if self.encoding:
            parts.append(_ENCODING_NAMES.get(self.encoding, self.encoding))
        if self.delimiter:
            parts.append(
                {",": "comma", ";": "semicolon", "\t": "tab"}[self.delimiter] + "-separated"
            )
        if self.sheet_names:
            parts.append("sheets " + ", ".join(self.sheet_names))
        return ", ".join(parts)


def read_table(
    path: str | Path,
    *,
    what: str = "table",
    text: bool = True,
    row_column: str | None = None,
    sheet: str | None = None,
    fix: str | None = None,
    shown: str | None = None,
    header: bool = True,
) -> Table:
    """Read ``path`` by its extension (anything that is not a workbook or Parquet is read as CSV).

    ``what`` names the file in messages ("provider register"); ``fix`` is what to do when it
    cannot be read; ``shown`` is the name to give it in messages (default: the path). With
    ``text`` (the default) every column is a string; otherwise types are inferred. ``row_column``
    adds the row each record had in the file (header = row 1). ``sheet`` reads only that sheet of
    a workbook (None if it is absent is the caller's to report: :meth:`Table.sheet`). Without
    ``header`` a workbook is read as a grid (columns ``column_0``...; rows numbered from 1), for
    published tables whose header sits below titles and notes.
    """
    p = Path(path)
    name = shown or str(p)
    fix = fix or "save it again as CSV (UTF-8) or as an Excel workbook (.xlsx), with one header row"
    if not p.exists():
        raise InputError(
            f"the {what} file does not exist",
            where=Location(file=name),
            fix="check the path and the file name",
        )
    if p.is_dir():
        raise InputError(
            f"the {what} is a folder, not a file",
            where=Location(file=name),
            fix="give the path of the file itself",
        )
    suffix = p.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(p, name, what, text, row_column, fix)
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(p, name, what, text, row_column, sheet, fix, header)
    return read_csv_text(
        _read_bytes(p, name, what),
        p,
        what=what,
        text=text,
        row_column=row_column,
        fix=fix,
        shown=name,
    )


def _read_bytes(p: Path, name: str, what: str) -> bytes:
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(
            f"the {what} file cannot be opened ({exc.strerror})",
            where=Location(file=name),
            fix="check the file's permissions and that it is not open in another program",
        ) from None


# --- CSV -------------------------------------------------------------------------------------


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: ASCII text has a zero in every other byte."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes) -> str:
    """The codec the bytes are in: a byte-order mark decides, else UTF-8, else Windows-1252.

    Raises ``UnicodeDecodeError`` (from Windows-1252) for bytes that are neither: the caller
    reports it with the line, because decoding them any other way would invent characters.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    guess = _utf16_without_bom(data[:_SNIFF])
    if guess:
        return guess
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        data.decode("cp1252")  # raises when the bytes are not Windows-1252 either
        return "cp1252"


def _decode(data: bytes, name: str, what: str) -> tuple[str, str]:
    try:
        codec = detect_encoding(data)
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"the {what} file is not in a text encoding carecast can read without guessing "
            "(it is not UTF-8, UTF-16 or Windows-1252)",
            where=Location(file=name, row=line),
            fix="open it in Excel or a text editor and save it as 'CSV UTF-8 (comma delimited)'",
        ) from None


def _check_text(data: bytes, name: str, what: str) -> None:
    if not data.strip():
        raise InputError(
            f"the {what} file is empty",
            where=Location(file=name),
            fix="export the table again (it should start with a row of column names), "
            "or remove the empty file",
        )
    if data.startswith(b"PK\x03\x04"):
        raise InputError(
            f"the {what} file is a workbook or zip archive, not a text CSV file "
            "(it contains binary data)",
            where=Location(file=name),
            fix="give it the extension of its real format (.xlsx or .ods), or save "
            "it from Excel as 'CSV UTF-8 (comma delimited)'",
        )


def detect_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever splits the header line into the most columns (comma
    when none does, or on a tie: it is the CSV default)."""
    best, most = ",", 0
    for d in DELIMITERS:
        n = len(next(csv.reader([header_line], delimiter=d), []))
        if n > most:
            best, most = d, n
    return best


def _header_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _check_truncated(text: str, n_columns: int, delimiter: str, name: str, what: str) -> None:
    """A last line with fewer fields than the header means the file was cut off part-way."""
    body = text.rstrip("\r\n")
    if "\n" not in body:
        return
    last = next(csv.reader([body.rsplit("\n", 1)[-1]], delimiter=delimiter), [])
    if 0 < len(last) < n_columns:
        raise InputError(
            f"the {what} file ends part-way through a row ({len(last)} of {n_columns} fields): it "
            "looks truncated (or a quote mark on that row is never closed)",
            where=Location(file=name, row=body.count("\n") + 1),
            fix="export or copy the file again in full; check the disk was not full when it was "
            "saved",
        )


def _ragged_row(text: str, delimiter: str) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row with more fields than the header, if any.

    Only called once polars has refused the file, so reading it again row by row costs nothing
    on good files; it turns polars' "more fields than defined in 'Schema'" into a line number.
    """
    rows = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(rows, [])
    for line, row in enumerate(rows, start=2):
        if len(row) > len(header):
            return line, len(row), len(header)
    return None


def _polars_csv_error(
    exc: Exception, text: str, delimiter: str, name: str, what: str, fix: str
) -> InputError:
    ragged = _ragged_row(text, delimiter)
    if ragged is not None:
        line, fields, width = ragged
        return InputError(
            f"the {what} file cannot be read: row {line} has {fields} values but the header "
            f"names {width} columns",
            where=Location(file=name, row=line),
            fix=f"{fix}; remove the extra values on that row (or add the missing column names), "
            'or close a quote mark (") left open on an earlier row',
        )
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        f"the {what} file is not a well-formed CSV file ({first})",
        where=Location(file=name),
        fix=f'{fix}; look for a quote mark (") that is never closed or a row with more values '
        "than column names",
    )


def read_csv_text(
    data: bytes,
    path: Path,
    *,
    what: str = "table",
    text: bool = True,
    row_column: str | None = None,
    fix: str = "save it again as CSV (UTF-8)",
    shown: str | None = None,
) -> Table:
    """A CSV given as bytes (an upload, or a file already read): see :func:`read_table`."""
    name = shown or str(path)
    _check_text(data, name, what)
    decoded, codec = _decode(data, name, what)
    if "\x00" in decoded:
        raise InputError(
            f"the {what} file is not a text CSV file (it contains binary data)",
            where=Location(file=name),
            fix="save it from Excel as 'CSV UTF-8 (comma delimited)', or give it the "
            "extension of its real format (.xlsx)",
        )
    delimiter = detect_delimiter(_header_line(decoded))
    utf8 = data if codec == "utf-8" else decoded.encode("utf-8")
    try:
        frame = pl.read_csv(
            utf8,
            separator=delimiter,
            infer_schema=not text,
            infer_schema_length=10_000,
            null_values=[""],
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise _polars_csv_error(exc, decoded, delimiter, name, what, fix) from None
    _check_truncated(decoded, frame.width, delimiter, name, what)
    frame, issues = _finish(frame, name, row_column)
    return Table(path, "csv", (Sheet(None, frame),), codec, delimiter, issues)


# --- repeated header lines -------------------------------------------------------------------


def _finish(
    frame: pl.DataFrame, name: str, row_column: str | None, header: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Row numbers (header = row 1), then repeated header lines dropped and recorded."""
    first = 2 if header else 1
    frame = frame.with_row_index("__row", offset=first).with_columns(pl.col("__row").cast(pl.Int64))
    frame, issues = (
        drop_repeated_headers(frame, name, "__row") if header else (frame, empty_issues())
    )
    if row_column:
        frame = frame.rename({"__row": row_column})
    else:
        frame = frame.drop("__row")
    return frame, issues


def _repeated_header(frame: pl.DataFrame, row: str) -> pl.Expr | None:
    """True on rows that repeat the column names (case and spaces ignored); None when no row can
    (a typed column cannot hold its own name; one column is too little evidence)."""
    columns = [c for c in frame.columns if c not in (row, "file_index")]
    if frame.height == 0 or len(columns) < 2 or any(frame.schema[c] != pl.Utf8 for c in columns):
        return None
    return pl.all_horizontal(
        pl.col(c).str.strip_chars().str.to_lowercase() == c.strip().lower() for c in columns
    ).fill_null(False)


def _header_issues(hits: pl.DataFrame, file: str | pl.Expr | None, row: str) -> pl.DataFrame:
    return row_issues(
        hits,
        rule=REPEATED_HEADER,
        severity="rejected",
        file=file,
        row=row,
        message="the line repeats the column names (two exports pasted together?) and was left out",
        fix="remove the repeated header line, or export the table again in one go",
    )


def drop_repeated_headers(
    frame: pl.DataFrame, file: str | pl.Expr | None, row: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows that repeat the column names, dropped with one issue each (``file``: the file's name,
    or an expression giving it per row when the frame holds several files).

    Two exports pasted into one file leave the second header in the data; read as data it would
    be reported as a bad value on every column of that row.
    """
    repeated = _repeated_header(frame, row)
    if repeated is None:
        return frame, empty_issues()
    hits = frame.filter(repeated)
    if hits.height == 0:
        return frame, empty_issues()
    return frame.filter(~repeated), _header_issues(hits, file, row)


# --- workbooks -------------------------------------------------------------------------------


def _workbook_error(exc: Exception, name: str, what: str) -> InputError:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return InputError(
        f"the {what} workbook cannot be read "
        f"({type(exc).__name__}{': ' + detail if detail else ''})",
        where=Location(file=name),
        fix="open it in Excel or LibreOffice and save it again as .xlsx, or export the table "
        "as CSV",
    )


def workbook_sheets(
    path: str | Path, *, what: str = "table", shown: str | None = None
) -> list[str]:
    """The names of a workbook's sheets, in order."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own types for corrupt workbooks
        raise _workbook_error(exc, shown or str(path), what) from None


def _read_workbook(
    p: Path,
    name: str,
    what: str,
    text: bool,
    row_column: str | None,
    sheet: str | None,
    fix: str,
    header: bool = True,
) -> Table:
    if not p.read_bytes()[:_SNIFF].strip():
        raise InputError(f"the {what} file is empty", where=Location(file=name), fix=fix)
    names = workbook_sheets(p, what=what, shown=name)
    wanted = (
        names
        if sheet is None
        else [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    )
    sheets, issues = [], [empty_issues()]
    for sheet_name in wanted:
        try:
            frame = pl.read_excel(
                p,
                sheet_name=sheet_name,
                has_header=header,
                infer_schema_length=0 if text else 100,
                drop_empty_rows=False,
                drop_empty_cols=False,
                raise_if_empty=False,
            )
        except Exception as exc:  # noqa: BLE001 - see workbook_sheets
            raise _workbook_error(exc, name, what) from None
        if text:
            frame = frame.select(pl.all().cast(pl.Utf8))
        frame, found = _finish(frame, f"{name}:{sheet_name}", row_column, header)
        sheets.append(Sheet(sheet_name, frame))
        issues.append(found)
    if not sheets:
        sheets.append(Sheet(sheet, pl.DataFrame()))
    fmt = "ods" if p.suffix.lower() == ".ods" else "xlsx"
    return Table(p, fmt, tuple(sheets), issues=combine(*issues))


# --- Parquet ---------------------------------------------------------------------------------


def _read_parquet(
    p: Path, name: str, what: str, text: bool, row_column: str | None, fix: str
) -> Table:
    try:
        frame = pl.read_parquet(p)
    except Exception as exc:  # noqa: BLE001 - polars and the OS raise several types here
        raise InputError(
            f"the {what} file is not a readable Parquet file ({type(exc).__name__})",
            where=Location(file=name),
            fix=fix,
        ) from None
    if text:
        frame = frame.select(pl.all().cast(pl.Utf8))
    if row_column:
        frame = frame.with_row_index(row_column, offset=2).with_columns(
            pl.col(row_column).cast(pl.Int64)
        )
    return Table(p, "parquet", (Sheet(None, frame),))


# --- many plain CSV files at once ------------------------------------------------------------


@dataclass(frozen=True)
class CsvProbe:
    """A CSV file's header and encoding, found without reading the whole table."""

    columns: list[str]
    encoding: str
    delimiter: str

    @property
    def plain(self) -> bool:
        """UTF-8 without a byte-order mark, comma-separated: can join a multi-file scan."""
        return self.encoding == "utf-8" and self.delimiter == ","


def probe_csv(path: Path, *, what: str = "table", shown: str | None = None) -> CsvProbe:
    """Check a CSV file as :func:`read_table` would and return its columns and encoding."""
    name = shown or str(path)
    data = _read_bytes(path, name, what) if path.exists() else None
    if data is None:
        raise InputError(
            f"the {what} file does not exist",
            where=Location(file=name),
            fix="check the path and the file name",
        )
    _check_text(data, name, what)
    decoded, codec = _decode(data, name, what)
    if "\x00" in decoded:
        raise InputError(
            f"the {what} file is not a text CSV file (it contains binary data)",
            where=Location(file=name),
            fix="save it from Excel as 'CSV UTF-8 (comma delimited)'",
        )
    header = _header_line(decoded)
    delimiter = detect_delimiter(header)
    columns = next(csv.reader([header], delimiter=delimiter), [])
    _check_truncated(decoded, len(columns), delimiter, name, what)
    return CsvProbe(columns, codec, delimiter)


def read_csv_files(
    paths: list[Path], *, row_column: str, shown: list[str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Plain CSV files (:attr:`CsvProbe.plain`) with identical columns, in one parallel scan.

    Reading thousands of small returns one by one is dominated by per-file overhead; one scan
    is several times faster. Adds ``row_column`` (per file, header = row 1) and ``file_index``
    (position in ``paths``); repeated header lines are dropped and returned as issues. A file
    that breaks the scan is found by reading each file alone, which raises its own error.
    """
    names = shown or [str(p) for p in paths]
    try:
        frame = pl.scan_csv(
            paths,
            infer_schema=False,
            include_file_paths="__path",
            null_values=[""],
            truncate_ragged_lines=False,
        ).collect()
    except pl.exceptions.PolarsError:
        for p, n in zip(paths, names, strict=True):
            read_table(p, shown=n)
        raise
    runs = frame["__path"].rle()
    lengths = runs.struct.field("len").to_numpy()
    index = {str(p): i for i, p in enumerate(paths)}
    file_index = np.repeat([index[v] for v in runs.struct.field("value").to_list()], lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    frame = frame.drop("__path").with_columns(
        pl.Series(row_column, np.arange(frame.height) - starts + 2, dtype=pl.Int64),
        pl.Series("file_index", file_index, dtype=pl.Int32),
    )
    file = pl.col("file_index").replace_strict(dict(enumerate(names)), return_dtype=pl.Utf8)
    return drop_repeated_headers(frame, file, row_column)


def scan_table(path: str | Path, *, what: str = "table", shown: str | None = None) -> pl.LazyFrame:
    """A large CSV or Parquet file as a lazy all-text scan, for files (a national postcode
    directory: 2.7 million rows, 50 columns) where reading everything to use a few columns and
    rows would cost gigabytes. A plain UTF-8 CSV is scanned; any other encoding or delimiter is
    read whole by :func:`read_table` (such files are small extracts in practice)."""
    p = Path(path)
    name = shown or str(p)
    if p.suffix.lower() in PARQUET_SUFFIXES:
        return pl.scan_parquet(p)
    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_table(p, what=what, shown=name).frame.lazy()
    if not p.is_file():
        raise InputError(
            f"the {what} file does not exist",
            where=Location(file=name),
            fix="check the path and the file name",
        )
    with open(p, "rb") as fh:
        head = fh.read(1 << 16)
    _check_text(head, name, what)
    try:
        header = head.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        header = None
    bom = head.startswith(tuple(b for b, _ in _BOMS)) or _utf16_without_bom(head) is not None
    if header is None or bom or detect_delimiter(header) != ",":
        return read_table(p, what=what, shown=name).frame.lazy()
    return pl.scan_csv(p, infer_schema=False, null_values=[""])
