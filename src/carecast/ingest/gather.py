"""Reading every discovered file into one frame per table, with provenance and file-level checks.

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
from carecast.ingest.discover import WHOLE_RETURN, SourceFile, table_of
from carecast.ingest.quality import ROWS_SCHEMA, empty_events
from carecast.ingest.read import ROW, drop_blank_rows, read_file, read_plain_csvs, read_xml
from carecast.plumbing.tables import probe_csv
from carecast.schema.councils import find_council
from carecast.schema.ssda903 import TABLES, table_spec

Progress = Callable[[int, int, str], None]
COUNCIL_COLUMNS = ("LA", "COUNCIL", "LA_CODE", "LA_NAME")  # columns some merged extracts carry


@dataclass
class Gathered:
    tables: dict[str, pl.DataFrame]  # header / episodes / uasc, spec columns + metadata
    events: pl.DataFrame  # file-level events
    rows: pl.DataFrame  # rows read per file


def _file_event(council: str, year: int, table: str, rule: str, file: str, column: str | None) -> dict:
    return {"uid": None, "council": council, "collection_year": year, "table": table, "rule_id": rule,
            "source_file": file, "source_row": None, "column": column, "value": None}


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


def _check_columns(columns: list[str], src: SourceFile, table: str, shown: str,
                   file_events: list[dict]) -> None:
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
            file_events.append(_file_event(src.council, src.year, table, "MISSING_COLUMN", shown, name))
    for name in columns:
        if name != ROW and name not in spec.columns:
            file_events.append(_file_event(src.council, src.year, table, "EXTRA_COLUMN", shown, name))


def _select(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The specification's columns in order (absent ones blank), row number and metadata."""
    spec = table_spec(table)
    return frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.Utf8).alias(c) for c in spec.columns]
        + [ROW, "council", "collection_year", "source_file"]
    )


def _conform(frame: pl.DataFrame, src: SourceFile, table: str, shown: str,
             file_events: list[dict]) -> pl.DataFrame:
    frame = _check_council(frame, src, shown)
    _check_columns(frame.columns, src, table, shown, file_events)
    return _select(frame.with_columns(
        pl.lit(src.council).alias("council"),
        pl.lit(src.year, dtype=pl.Int32).alias("collection_year"),
        pl.lit(shown).alias("source_file"),
    ), table)


def _read_bucket(members: list[tuple[SourceFile, str]], table: str,
                 file_events: list[dict]) -> pl.DataFrame:
    """Files with identical columns read in one scan, each row tagged with its file's metadata
    (gathered from per-file values by file index: new columns only, the data is not copied)."""
    frame, issues = read_plain_csvs([src.path for src, _ in members], [shown for _, shown in members])
    by_shown = {shown: src for src, shown in members}
    for issue in issues.iter_rows(named=True):
        file_events.append(_issue_event(by_shown[issue["file"]], table, issue, issue["file"]))
    index = frame["file_index"]
    return _select(frame.with_columns(
        pl.Series("council", [src.council for src, _ in members]).gather(index),
        pl.Series("collection_year", [src.year for src, _ in members], dtype=pl.Int32).gather(index),
        pl.Series("source_file", [shown for _, shown in members]).gather(index),
    ), table)


def _issue_event(src: SourceFile, table: str, issue: dict, label: str) -> dict:
    """A reader's repair (repeated header line, unread sheet) as a file-level loader event."""
    event = _file_event(src.council, src.year, table, issue["rule"], label, issue["column"])
    return {**event, "source_row": issue["row"], "value": issue["value"]}


def _read(src: SourceFile, shown: str, file_events: list[dict]) -> dict[str, pl.DataFrame | None]:
    """The tables in one file; the reader's repairs and any sheet not read become events."""
    if src.table == WHOLE_RETURN and src.path.suffix.lower() == ".xml":
        return read_xml(src.path)
    read = read_file(src.path, shown)
    if src.table != WHOLE_RETURN:
        out = {src.table: read.frame}
        used = {read.sheets[0].name}
    else:
        out, used = {}, set()
        for sheet in read.sheets:
            table = table_of(Path(f"{sheet.name}.csv"))
            if table in TABLES and table not in out:
                out[table] = sheet.frame
                used.add(sheet.name)
    for issue in read.issues.iter_rows(named=True):
        sheet = issue["file"].rsplit(":", 1)[-1] if read.sheet_names else None
        table = src.table if src.table != WHOLE_RETURN else table_of(Path(f"{sheet}.csv"))
        file_events.append(_issue_event(src, table, issue, issue["file"]))
    for issue in read.unused_sheets({u for u in used if u}, file=shown):
        file_events.append(_issue_event(src, src.table, {"rule": issue.rule, "row": None,
                                                         "column": None, "value": issue.value},
                                        shown))
    return out


def gather(files: list[SourceFile], root: Path, progress: Progress | None = None) -> Gathered:
    """Read ``files`` (from :func:`~carecast.ingest.discover.discover`) into one frame per table."""
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    file_events: list[dict] = []
    rows: list[dict] = []
    base = root if root.is_dir() else root.parent
    buckets: dict[tuple[str, tuple[str, ...]], list[tuple[SourceFile, str]]] = {}
    for i, src in enumerate(files):
        try:
            shown = str(src.path.relative_to(base))
        except ValueError:
            shown = str(src.path)
        if progress:
            progress(i, len(files), shown)
        if src.table != WHOLE_RETURN and src.path.suffix.lower() == ".csv":
            probe = probe_csv(src.path, what="return", shown=shown)
            columns = [c.strip().upper() for c in probe.columns]
            if probe.plain and not set(columns) & set(COUNCIL_COLUMNS):
                _check_columns(columns, src, src.table, shown, file_events)
                buckets.setdefault((src.table, tuple(probe.columns)), []).append((src, shown))
                rows.append({"council": src.council, "collection_year": src.year, "table": src.table,
                             "source_file": shown})
                continue
        for table, frame in _read(src, shown, file_events).items():
            if frame is None:
                continue
            label = shown if src.table != WHOLE_RETURN else f"{shown}:{table}"
            parts[table].append(_conform(frame, src, table, label, file_events))
            rows.append({"council": src.council, "collection_year": src.year, "table": table,
                         "source_file": label})
    for (table, _), members in buckets.items():
        parts[table].append(_read_bucket(members, table, file_events))
    if progress:
        progress(len(files), len(files), "read")
    have = {(r["council"], r["collection_year"], r["table"]) for r in rows}
    for council, year in sorted({(r["council"], r["collection_year"]) for r in rows}):
        if (council, year, "header") not in have:
            file_events.append(_file_event(council, year, "header", "NO_HEADER_FILE",
                                           f"{council}/{year}/header.csv", None))
    tables = {}
    offset = 0
    for table in TABLES:
        spec_cols = list(table_spec(table).columns)
        if parts[table]:
            frame = drop_blank_rows(pl.concat(parts[table], how="vertical", rechunk=False), spec_cols)
        else:
            frame = pl.DataFrame(schema={**{c: pl.Utf8 for c in spec_cols}, ROW: pl.Int64, "council": pl.Utf8,
                                         "collection_year": pl.Int32, "source_file": pl.Utf8})
        frame = frame.with_row_index("uid", offset=offset).with_columns(pl.col("uid").cast(pl.Int64))
        offset += frame.height
        tables[table] = frame
    ev = pl.DataFrame(file_events, schema=empty_events().schema) if file_events else empty_events()
    read = pl.concat([t.group_by("source_file").agg(pl.len().cast(pl.Int64).alias("rows_read"))
                      for t in tables.values()])  # after blank lines are removed
    rows_frame = (pl.DataFrame(rows, schema={k: v for k, v in ROWS_SCHEMA.items() if k != "rows_read"})
                  .join(read, on="source_file", how="left").with_columns(pl.col("rows_read").fill_null(0)))
    return Gathered(tables, ev, rows_frame)
