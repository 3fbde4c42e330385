"""Checking each table's rows against its collection year's specification, vectorised.

Turns the all-text frames from :mod:`carecast.ingest.read` into typed columns: dates parsed from
dd/mm/yyyy, yyyy-mm-dd (with or without a time) or an Excel day number; codes trimmed and
upper-cased and checked against the code list of the row's own collection year (one
``is_in`` per column per distinct code list, not per row). Returns the typed frame and the
quality events; nothing is dropped here.
"""

from __future__ import annotations

import polars as pl

from carecast.ingest.quality import empty_events, events
from carecast.schema.ssda903 import spec_for_year, table_spec

_EXCEL_EPOCH = pl.date(1899, 12, 30)


def parse_date(column: str) -> pl.Expr:
    """dd/mm/yyyy, d/m/yyyy, yyyy-mm-dd[ hh:mm:ss] or an Excel serial day; null if none fits or
    the year is outside 1900-2100 (a two-digit year read as AD 19 is not a date)."""
    s = pl.col(column)
    serial = s.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    parsed = pl.coalesce(
        s.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        s.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        pl.when(serial.is_not_null()).then(_EXCEL_EPOCH + pl.duration(days=serial)),
    )
    return pl.when(parsed.dt.year().is_between(1900, 2100)).then(parsed)


def type_table(frame: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed dates and tidied codes for ``table``, plus BAD_DATE / CODE_TIDIED / UNKNOWN_CODE events.

    Date columns keep their text in ``<COL>__raw`` for the caller to tell a blank from a bad value.
    """
    spec = table_spec(table)
    out = [empty_events()]
    for name in spec.date_columns:
        # fast path: most files use dd/mm/yyyy throughout; try the other forms only if needed
        quick = frame.select(pl.col(name).str.strptime(pl.Date, "%d/%m/%Y", strict=False))[name]
        ok = quick.null_count() == frame[name].null_count() and (quick.is_null() | quick.dt.year().is_between(1900, 2100)).all()
        frame = frame.with_columns(pl.col(name).alias(f"{name}__raw"),
                                   quick.alias(name) if ok else parse_date(name).alias(name))
    for name in spec.date_columns:
        if name == "DECOM":
            continue  # an unreadable episode start is a drop, decided by the cleaner
        bad = frame.filter(pl.col(f"{name}__raw").is_not_null() & pl.col(name).is_null())
        if bad.height:
            out.append(events(bad, "BAD_DATE", table, name,
                              None if spec.columns[name].personal else pl.col(f"{name}__raw")))
    years = frame["collection_year"].unique().to_list()
    for col in spec.code_columns:
        name = col.name
        tidy = pl.col(name).str.to_uppercase().str.replace_all(r"\s+", "")
        changed = frame.filter(pl.col(name).str.contains(r"[a-z\s]"))
        if changed.height:
            out.append(events(changed, "CODE_TIDIED", table, name, pl.col(name)))
            frame = frame.with_columns(tidy.alias(name))
        # group years by identical code list so each distinct list is one is_in
        by_list: dict[tuple[str, ...], list[int]] = {}
        for y in years:
            by_list.setdefault(tuple(sorted(spec_for_year(y).code_lists[col.codes or ""])), []).append(y)
        unknown = pl.lit(False)
        for codes, ys in by_list.items():
            unknown = unknown | (pl.col("collection_year").is_in(ys) & ~pl.col(name).is_in(list(codes)))
        bad = frame.filter(pl.col(name).is_not_null() & unknown)
        if bad.height:
            out.append(events(bad, "UNKNOWN_CODE", table, name,
                              None if col.personal else pl.col(name)))
    return frame, pl.concat(out, how="vertical")
