"""Reading every discovered file into one frame per table, with provenance and file-level checks.

Each file (or workbook sheet, or XML group) is recognised as a 903 table by its columns
(:mod:`carecast.ingest.recognise`); one that is not recognised is listed in ``Gathered.unread``
and recorded as an event, never skipped in silence. A return whose collection year the layout does
not give (a return folder or single file without ``--year``) gets the collection year of its
latest episode start, recorded as YEAR_INFERRED.

Each row gets the loader's metadata: ``uid`` (unique across everything read, so each row can be
followed to its outcome), ``council``, ``collection_year``, ``source_file`` (relative to the
folder given, as the analyst knows it) and ``source_row``. File-level problems are either fatal
(a required column missing, rows for another council: :class:`~carecast.errors.InputError`) or
recorded as events (optional column missing, extra column, no header table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.ingest.discover import READABLE, WHOLE_RETURN, SourceFile
from carecast.ingest.quality import ROWS_SCHEMA, empty_events
from carecast.ingest.read import ROW, drop_blank_rows, read_file, read_plain_csvs
from carecast.ingest.recognise import named_table, recognise
from carecast.ingest.xml_return import read_xml_return
from carecast.plumbing.dates import date_expr
from carecast.plumbing.tables import probe_csv
from carecast.schema.councils import find_council
from carecast.schema.ssda903 import TABLES, table_spec
from carecast.schema.years import collection_year_of

Progress = Callable[[int, int, str], None]
COUNCIL_COLUMNS = ("LA", "COUNCIL", "LA_CODE", "LA_NAME")  # columns some merged extracts carry


UNREAD_SCHEMA = {
    "council": pl.Utf8,
    "collection_year": pl.Int32,
    "source_file": pl.Utf8,
    "reason": pl.Utf8,
}


@dataclass
class Gathered:
    tables: dict[str, pl.DataFrame]  # every table of TABLES: spec columns (text) + metadata
    events: pl.DataFrame  # file-level events
    rows: pl.DataFrame  # rows read per file
    unread: pl.DataFrame  # files and sheets not read (not recognised as a 903 table), with why


@dataclass
class _Part:
    """One table's rows from one file, sheet or XML group, before its metadata is added."""

    src: SourceFile
    table: str | None
    label: str  # the file (and sheet or table) as the analyst knows it
    frame: pl.DataFrame | None


def _file_event(
    council: str,
    year: int | None,
    table: str,
    rule: str,
    file: str,
    column: str | None,
    value: str | None = None,
) -> dict:
    return {
        "uid": None,
        "council": council,
        "collection_year": year,
        "table": table,
        "rule_id": rule,
        "source_file": file,
        "source_row": None,
        "column": column,
        "value": value,
    }


def _check_council(frame: pl.DataFrame, src: SourceFile, shown: str) -> pl.DataFrame:
    """A council column, if present, must name this folder's council on every row."""
    for col in COUNCIL_COLUMNS:
        if col not in frame.columns:
            continue
        values = frame.select(col, ROW).drop_nulls(col).unique(col, keep="first").sort(ROW)
        for value, row in values.iter_rows():
            hit = find_council(value, required=False)
            if hit is None or hit.name != src.council:
                others = ", ".join(str(v) for v in values[col].to_list()[:5])
                raise InputError(
                    f"the file mixes councils: column {col} has {others} but the file is in "
                    f"{src.council}'s folder",
                    where=Location(file=shown, row=row, column=col),
                    fix="split the file into one file per council and put each in that council's "
                    "folder (DIR/<council>/<year>/), or list them in a manifest",
                )
        return frame.drop(col)
    return frame


def _check_columns(
    columns: list[str], src: SourceFile, table: str, shown: str, file_events: list[dict]
) -> None:
    """Required columns present (else unusable); missing optional and extra columns recorded."""
    spec = table_spec(table)
    for name in spec.required:
        if name not in columns:
            raise InputError(
                f"the {table} table has no {name} column (it has: {', '.join(c for c in columns if c != ROW)})",
                where=Location(file=shown, row=1, column=name),
                fix=f"add the {name} column (row 1 must hold the 903 column names: "
                f"{', '.join(spec.columns)}), or rename the column that holds it",
            )
    for name in spec.columns:
        if name not in columns:
            file_events.append(
                _file_event(src.council, src.year, table, "MISSING_COLUMN", shown, name)
            )
    for name in columns:
        if name != ROW and name not in spec.columns:
            file_events.append(
                _file_event(src.council, src.year, table, "EXTRA_COLUMN", shown, name)
            )


def _select(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The specification's columns in order (absent ones blank), row number and metadata."""
    spec = table_spec(table)
    return frame.select(
        [
            pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.Utf8).alias(c)
            for c in spec.columns
        ]
        + [ROW, "council", "collection_year", "source_file"]
    )


def _conform(
    frame: pl.DataFrame, src: SourceFile, year: int, table: str, shown: str, file_events: list[dict]
) -> pl.DataFrame:
    frame = _check_council(frame, src, shown)
    _check_columns(frame.columns, src, table, shown, file_events)
    return _select(
        frame.with_columns(
            pl.lit(src.council).alias("council"),
            pl.lit(year, dtype=pl.Int32).alias("collection_year"),
            pl.lit(shown).alias("source_file"),
        ),
        table,
    )


def _read_bucket(
    members: list[tuple[SourceFile, str]], table: str, file_events: list[dict]
) -> pl.DataFrame:
    """Files with identical columns read in one scan, each row tagged with its file's metadata
    (gathered from per-file values by file index: new columns only, the data is not copied)."""
    frame, issues = read_plain_csvs(
        [src.path for src, _ in members], [shown for _, shown in members]
    )
    by_shown = {shown: src for src, shown in members}
    for issue in issues.iter_rows(named=True):
        file_events.append(_issue_event(by_shown[issue["file"]], table, issue, issue["file"]))
    index = frame["file_index"]
    return _select(
        frame.with_columns(
            pl.Series("council", [src.council for src, _ in members]).gather(index),
            pl.Series("collection_year", [src.year for src, _ in members], dtype=pl.Int32).gather(
                index
            ),
            pl.Series("source_file", [shown for _, shown in members]).gather(index),
        ),
        table,
    )


def _issue_event(src: SourceFile, table: str, issue: dict, label: str) -> dict:
    """A reader's repair (e.g. a repeated header line dropped) as a file-level loader event."""
    event = _file_event(src.council, src.year, table, issue["rule"], label, issue["column"])
    return {**event, "source_row": issue["row"], "value": issue["value"]}


def _given(src: SourceFile) -> str | None:
    """The table a manifest names for the file (None: recognise it)."""
    return src.table if src.table not in (None, WHOLE_RETURN) else None


def _parts(src: SourceFile, shown: str, file_events: list[dict]) -> list[_Part]:
    """The tables one file holds: every XML group, every workbook sheet, or the CSV itself; the
    reader's repairs (:func:`carecast.plumbing.tables.read_table`) become events of their table."""
    suffix = src.path.suffix.lower()
    if suffix == ".xml":
        return [_Part(src, t, f"{shown}:{t}", f) for t, f in read_xml_return(src.path).items()]
    if suffix not in READABLE:
        return [_Part(src, None, shown, None)]
    read = read_file(src.path, shown)
    sheets = read.sheets
    out = []
    for sheet in sheets:
        if sheet.name is None:  # a CSV file
            table = _given(src) or recognise(sheet.frame.columns, src.path.stem)
            out.append(_Part(src, table, shown, sheet.frame))
            continue
        # a lone sheet ("Sheet1") is named by its file; a sheet of a workbook by itself
        name = sheet.name if len(sheets) > 1 or named_table(sheet.name) else src.path.stem
        table = (
            _given(src)
            if len(sheets) == 1 and _given(src)
            else recognise(sheet.frame.columns, name)
        )
        out.append(
            _Part(src, table, shown if len(sheets) == 1 else f"{shown}:{sheet.name}", sheet.frame)
        )
    table_of_label = {p.label: p.table for p in out}
    for issue in read.issues.iter_rows(named=True):
        table = table_of_label.get(issue["file"]) or (out[0].table if len(out) == 1 else None)
        file_events.append(_issue_event(src, table or "(none)", issue, issue["file"]))
    return out


def _unread_reason(part: _Part) -> str:
    if part.frame is None:
        return f"not a {', '.join(sorted(s.lstrip('.').upper() for s in READABLE))} file"
    cols = ", ".join(c for c in part.frame.columns if c != ROW)[:200]
    return f"its columns ({cols}) are not those of any 903 table"


def _infer_year(parts: list[_Part]) -> int:
    """The collection year of a return from its latest episode start (DECOM)."""
    starts = [
        p.frame.select(date_expr("DECOM").max()).item()
        for p in parts
        if p.table == "episodes" and p.frame is not None and "DECOM" in p.frame.columns
    ]
    starts = [d for d in starts if d is not None]
    if not starts:
        src = parts[0].src
        raise InputError(
            "the collection year of this return cannot be told: it has no episodes with a start date",
            where=Location(file=str(src.path)),
            fix="pass --year with the collection year (e.g. 2019 for April 2018 to March 2019), or put "
            "the files in a folder named for the year",
        )
    return collection_year_of(max(starts))


def _no_episodes(council: str, year: int, where: Path, unread: list[dict]) -> InputError:
    others = "; ".join(f"{u['source_file']}: {u['reason']}" for u in unread[:5])
    return InputError(
        f"no episodes file for {council} {year}"
        + (f" (not recognised: {others})" if others else ""),
        where=Location(file=str(where / "episodes.csv")),
        fix="put the return's episodes table in this folder as episodes.csv (or .xlsx/.xml), "
        "or remove the empty year folder",
    )


def gather(files: list[SourceFile], root: Path, progress: Progress | None = None) -> Gathered:
    """Read ``files`` (from :func:`~carecast.ingest.discover.discover`) into one frame per table."""
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    file_events: list[dict] = []
    rows: list[dict] = []
    unread: list[dict] = []
    base = root if root.is_dir() else root.parent
    buckets: dict[tuple[str, tuple[str, ...]], list[tuple[SourceFile, str]]] = {}
    pending: dict[tuple[str, int | None], list[_Part]] = {}
    for i, src in enumerate(files):
        try:
            shown = str(src.path.relative_to(base))
        except ValueError:
            shown = str(src.path)
        if progress:
            progress(i, len(files), shown)
        if src.year is not None and src.path.suffix.lower() == ".csv":
            probe = probe_csv(src.path, what="return", shown=shown)
            raw, plain = probe.columns, probe.plain
            columns = [c.strip().upper() for c in raw]
            table = _given(src) or recognise(columns, src.path.stem)
            if table is not None and plain and not set(columns) & set(COUNCIL_COLUMNS):
                _check_columns(columns, src, table, shown, file_events)
                buckets.setdefault((table, tuple(raw)), []).append((src, shown))
                rows.append(
                    {
                        "council": src.council,
                        "collection_year": src.year,
                        "table": table,
                        "source_file": shown,
                    }
                )
                continue
        pending.setdefault((src.council, src.year), []).extend(_parts(src, shown, file_events))
    for (council, given_year), got in pending.items():
        year = given_year if given_year is not None else _infer_year(got)
        if given_year is None:
            file_events.append(
                _file_event(
                    council,
                    year,
                    "episodes",
                    "YEAR_INFERRED",
                    got[0].label.split(":")[0],
                    "DECOM",
                    str(year),
                )
            )
        for part in got:
            if part.table is None:
                unread.append(
                    {
                        "council": council,
                        "collection_year": year,
                        "source_file": part.label,
                        "reason": _unread_reason(part),
                    }
                )
                file_events.append(
                    _file_event(council, year, "(none)", "UNRECOGNISED_TABLE", part.label, None)
                )
                continue
            parts[part.table].append(
                _conform(part.frame, part.src, year, part.table, part.label, file_events)
            )
            rows.append(
                {
                    "council": council,
                    "collection_year": year,
                    "table": part.table,
                    "source_file": part.label,
                }
            )
    for (table, _), members in buckets.items():
        parts[table].append(_read_bucket(members, table, file_events))
    if progress:
        progress(len(files), len(files), "read")
    by_return: dict[tuple[str, int], dict[str, list[str]]] = {}
    for r in rows:
        by_return.setdefault((r["council"], r["collection_year"]), {}).setdefault(
            r["table"], []
        ).append(r["source_file"])
    for u in unread:
        by_return.setdefault((u["council"], u["collection_year"]), {})
    for (council, year), tables in sorted(by_return.items()):
        if "episodes" not in tables:
            folder = next(f.path.parent for f in files if f.council == council)
            raise _no_episodes(
                council,
                year,
                folder,
                [u for u in unread if u["council"] == council and u["collection_year"] == year],
            )
        for table, sources in tables.items():
            if len(set(sources)) > 1:  # two files, or two sheets of one workbook
                file_events.append(
                    _file_event(
                        council, year, table, "TABLE_IN_SEVERAL_FILES", "; ".join(sources), None
                    )
                )
    have = {(r["council"], r["collection_year"], r["table"]) for r in rows}
    for council, year in sorted({(r["council"], r["collection_year"]) for r in rows}):
        if (council, year, "header") not in have:
            file_events.append(
                _file_event(
                    council, year, "header", "NO_HEADER_FILE", f"{council}/{year}/header.csv", None
                )
            )
    tables = {}
    offset = 0
    for table in TABLES:
        spec_cols = list(table_spec(table).columns)
        if parts[table]:
            frame = drop_blank_rows(
                pl.concat(parts[table], how="vertical", rechunk=False), spec_cols
            )
        else:
            frame = pl.DataFrame(
                schema={
                    **{c: pl.Utf8 for c in spec_cols},
                    ROW: pl.Int64,
                    "council": pl.Utf8,
                    "collection_year": pl.Int32,
                    "source_file": pl.Utf8,
                }
            )
        frame = frame.with_row_index("uid", offset=offset).with_columns(
            pl.col("uid").cast(pl.Int64)
        )
        offset += frame.height
        tables[table] = frame
    ev = pl.DataFrame(file_events, schema=empty_events().schema) if file_events else empty_events()
    unread_frame = pl.DataFrame(unread, schema=UNREAD_SCHEMA)
    read = pl.concat(
        [
            t.group_by("source_file").agg(pl.len().cast(pl.Int64).alias("rows_read"))
            for t in tables.values()
        ]
    )  # after blank lines are removed
    rows_frame = (
        pl.DataFrame(rows, schema={k: v for k, v in ROWS_SCHEMA.items() if k != "rows_read"})
        .join(read, on="source_file", how="left")
        .with_columns(pl.col("rows_read").fill_null(0))
    )
    return Gathered(tables, ev, rows_frame, unread_frame)
