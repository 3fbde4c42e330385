"""Checking each table's rows against its collection year's specification, vectorised.

Turns the all-text frames from :mod:`carecast.ingest.read` into typed columns: dates parsed from
dd/mm/yyyy or yyyy-mm-dd (with or without a time) as they are; Excel day numbers, files written
month-first (decided per file by :func:`carecast.plumbing.dates.detect_order`; a file with both
orders is refused), other unambiguous day-first forms (dd.mm.yy) and days past the month's end
(31/04) are read and counted as repairs; anything else is a bad date. Codes are trimmed and
upper-cased and checked against the code list of the row's own collection year (one
``is_in`` per column per distinct code list, not per row). Returns the typed frame and the
quality events; nothing is dropped here.
"""

from __future__ import annotations

import polars as pl

from carecast.ingest.quality import empty_events, events
from carecast.plumbing.dates import (
    DAY_FIRST,
    clamp_day_expr,
    date_expr,
    detect_order,
    lenient_expr,
    plausible,
    serial_expr,
)
from carecast.schema.ssda903 import spec_for_year, table_spec

NOT_BEFORE = {"DEC": "DECOM"}  # a repaired date must not fall before this (already typed) column


def _type_dates(frame: pl.DataFrame, table: str, out: list[pl.DataFrame]) -> pl.DataFrame:
    spec = table_spec(table)
    columns = list(spec.date_columns)
    orders = detect_order(frame, columns, by="source_file", row="source_row")
    month_first = [e.file for e in orders if e.order == "month_first"]
    in_us_file = pl.col("source_file").is_in(month_first)
    for name in columns:
        raw = f"{name}__raw"
        frame = frame.with_columns(pl.col(name).alias(raw))
        # fast path: most files use dd/mm/yyyy throughout; try other forms only for what is left
        quick = frame.select(
            plausible(pl.col(name).str.strptime(pl.Date, DAY_FIRST, strict=False))
        )[name]
        if not month_first and quick.null_count() == frame[raw].null_count():
            frame = frame.with_columns(quick.alias(name))
            continue
        value = None if spec.columns[name].personal else pl.col(raw)
        frame = frame.with_columns(
            pl.when(in_us_file)
            .then(date_expr(name, order="month_first"))
            .otherwise(date_expr(name))
            .alias(name)
        )
        us = frame.filter(
            in_us_file & pl.col(raw).str.contains(r"^\s*\d{1,2}/\d{1,2}/").fill_null(False)
        )
        if us.height:
            out.append(events(us, "DATES_MONTH_FIRST", table, name, value))
        serial = frame.filter(serial_expr(raw).is_not_null() & pl.col(name).is_not_null())
        if serial.height:
            out.append(events(serial, "EXCEL_SERIAL_DATE", table, name, value))
        for parser, rule in (
            (lenient_expr, "DATE_FORMAT_REPAIRED"),
            (clamp_day_expr, "IMPOSSIBLE_DAY_CLAMPED"),
        ):
            usable = pl.col(name).is_null() & pl.col("_fixed").is_not_null()
            if name in NOT_BEFORE:  # a guessed end that contradicts the start is no repair
                usable = usable & ~(pl.col("_fixed") < pl.col(NOT_BEFORE[name])).fill_null(False)
            fixed = frame.with_columns(parser(raw).alias("_fixed")).filter(usable)
            if fixed.height:
                out.append(events(fixed, rule, table, name, value))
                frame = (
                    frame.join(fixed.select("uid", "_fixed"), on="uid", how="left")
                    .with_columns(pl.coalesce(name, "_fixed").alias(name))
                    .drop("_fixed")
                )
        if name != "DECOM":  # an unreadable episode start is a drop, decided by the cleaner
            bad = frame.filter(pl.col(raw).is_not_null() & pl.col(name).is_null())
            if bad.height:
                out.append(events(bad, "BAD_DATE", table, name, value))
    return frame


def type_table(frame: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed dates and tidied codes for ``table``, plus the events for what was repaired or is bad."""
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
            by_list.setdefault(
                tuple(sorted(spec_for_year(y).code_lists[col.codes or ""])), []
            ).append(y)
        unknown = pl.lit(False)
        for codes, ys in by_list.items():
            unknown = unknown | (
                pl.col("collection_year").is_in(ys) & ~pl.col(name).is_in(list(codes))
            )
        bad = frame.filter(pl.col(name).is_not_null() & unknown)
        if bad.height:
            out.append(
                events(bad, "UNKNOWN_CODE", table, name, None if col.personal else pl.col(name))
            )
    return frame.drop(f"{c}__raw" for c in spec.date_columns), pl.concat(out, how="vertical")
