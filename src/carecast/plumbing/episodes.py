"""The one episode query every analysis asks: was this child in care on this date?

An SSDA903 episode runs from DECOM (the first day in care) to DEC (the day it ended, which is
not a day in care: a child who leaves on 31 March is not counted in care on 31 March, as the
DfE counts "looked after at 31 March"); an open episode has no DEC. Eight analyses wrote this
comparison out, some with ``<`` where others had ``<=``, which moves a child in or out of a
count on the day they leave. Use these instead.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

DateLike = dt.date | pl.Expr


def _day(day: DateLike) -> pl.Expr:
    return day if isinstance(day, pl.Expr) else pl.lit(day, dtype=pl.Date)


def in_care_on(day: DateLike, *, start: str = "decom", end: str = "dec") -> pl.Expr:
    """True for episodes open on ``day``: started on or before it and not ended by it
    (``end`` exclusive; null means still open). ``day`` may be a column (``pl.col("date")``)."""
    d = _day(day)
    return (pl.col(start) <= d) & (pl.col(end).is_null() | (pl.col(end) > d))


def in_care_during(
    first: DateLike, last: DateLike, *, start: str = "decom", end: str = "dec"
) -> pl.Expr:
    """True for episodes open on at least one day from ``first`` to ``last`` (both inclusive)."""
    return (pl.col(start) <= _day(last)) & (pl.col(end).is_null() | (pl.col(end) > _day(first)))
