"""Checking each table's rows against its collection year's specification, vectorised.

Turns the all-text frames from :mod:`carecast.ingest.read` into typed columns: dates parsed from
dd/mm/yyyy, yyyy-mm-dd (with or without a time) or an Excel day number (accepted as they are);
other unambiguous day-first forms (dd.mm.yy) and days past the month's end (31/04) are read and
counted as repairs; anything else is a bad date. Codes are trimmed and
upper-cased and checked against the code list of the row's own collection year (one
``is_in`` per column per distinct code list, not per row). Returns the typed frame and the
quality events; nothing is dropped here.
"""

from __future__ import annotations

import polars as pl

from carecast.ingest.quality import empty_events, events
from carecast.schema.ssda903 import spec_for_year, table_spec

_EXCEL_EPOCH = pl.date(1899, 12, 30)
# Forms that are not the 903's but whose meaning is unambiguous: read, and counted as repaired.
NOT_BEFORE = {"DEC": "DECOM"}  # a repaired date must not fall before this (already typed) column
LENIENT_FORMATS = ("%d.%m.%y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d-%m-%y", "%Y/%m/%d")


def _plausible(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.dt.year().is_between(1900, 2100)).then(expr)


def parse_date(column: str) -> pl.Expr:
    """dd/mm/yyyy, d/m/yyyy, yyyy-mm-dd[ hh:mm:ss] or an Excel serial day; null if none fits or
    the year is outside 1900-2100 (a two-digit year read as AD 19 is not a date)."""
    s = pl.col(column).str.strip_chars()
    serial = s.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    return _plausible(pl.coalesce(
        s.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        s.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        pl.when(serial.is_not_null()).then(_EXCEL_EPOCH + pl.duration(days=serial)),
    ))


def parse_lenient(column: str) -> pl.Expr:
    """Dates in other unambiguous day-first forms (dd.mm.yy, dd-mm-yyyy, ...)."""
    s = pl.col(column).str.strip_chars()
    return _plausible(pl.coalesce(*(s.str.strptime(pl.Date, f, strict=False) for f in LENIENT_FORMATS)))


def clamp_day(column: str) -> pl.Expr:
    """A day past the end of its month (31/04/2019) as the month's last day; else null."""
    parts = pl.col(column).str.strip_chars().str.extract_groups(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
    d, m, y = (parts.struct.field(str(i)).cast(pl.Int32, strict=False) for i in (1, 2, 3))
    ok = d.is_between(29, 31) & m.is_between(1, 12) & y.is_between(1900, 2100)
    return pl.when(ok).then(pl.date(y, m, 1).dt.month_end())


def _type_dates(frame: pl.DataFrame, table: str, out: list[pl.DataFrame]) -> pl.DataFrame:
    spec = table_spec(table)
    for name in spec.date_columns:
        raw = f"{name}__raw"
        frame = frame.with_columns(pl.col(name).alias(raw))
        # fast path: most files use dd/mm/yyyy throughout; try other forms only for what is left
        quick = frame.select(_plausible(pl.col(name).str.strptime(pl.Date, "%d/%m/%Y", strict=False)))[name]
        if quick.null_count() == frame[raw].null_count():
            frame = frame.with_columns(quick.alias(name))
            continue
        frame = frame.with_columns(parse_date(name).alias(name))
        value = None if spec.columns[name].personal else pl.col(raw)
        for parser, rule in ((parse_lenient, "DATE_FORMAT_REPAIRED"), (clamp_day, "IMPOSSIBLE_DAY_CLAMPED")):
            usable = pl.col(name).is_null() & pl.col("_fixed").is_not_null()
            if name in NOT_BEFORE:  # a guessed end that contradicts the start is no repair
                usable = usable & ~(pl.col("_fixed") < pl.col(NOT_BEFORE[name])).fill_null(False)
            fixed = frame.with_columns(parser(raw).alias("_fixed")).filter(usable)
            if fixed.height:
                out.append(events(fixed, rule, table, name, value))
                frame = frame.join(fixed.select("uid", "_fixed"), on="uid", how="left").with_columns(
                    pl.coalesce(name, "_fixed").alias(name)).drop("_fixed")
        if name != "DECOM":  # an unreadable episode start is a drop, decided by the cleaner
            bad = frame.filter(pl.col(raw).is_not_null() & pl.col(name).is_null())
            if bad.height:
                out.append(events(bad, "BAD_DATE", table, name, value))
    return frame


def type_table(frame: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed dates and tidied codes for ``table``, plus the events for what was repaired or is bad.

    """
    spec = table_spec(table)
    out = [empty_events()]
    for name in spec.required:
        if name in ("CHILD", "DECOM"):
            continue  # without these the row cannot be used: the cleaner drops it, with its own rule
        blank = frame.filter(pl.col(name).is_null())
        if blank.height:
            out.append(events(blank, "MISSING_VALUE", table, name))
    frame = _type_dates(frame, table, out)
    years = frame["collection_year"].unique().to_list()
    for col in spec.code_columns:
        name = col.name
        tidy = pl.col(name).str.to_uppercase().str.replace_all(r"\s+", "").replace("", None)
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
    return frame.drop(f"{c}__raw" for c in spec.date_columns), pl.concat(out, how="vertical")
