"""Dates as councils write them: one set of formats, one scalar parser, one Polars parser.

The SSDA903 guidance writes dates dd/mm/yyyy; exports also give ISO dates (yyyy-mm-dd, with a
time when a workbook cell was a date), Excel day numbers (a date cell saved as "General"), other
day-first forms (01.05.19) and, from systems set to a US locale, month-first dates (05/01/2019).
Three copies of the parsing had drifted (one accepted serial days, one did not); here:

* :func:`parse_date` reads a date a person typed (a ``--start`` option, a YAML value);
* :func:`date_expr` reads a column of them, vectorised;
* :func:`detect_order` decides per file whether a column set is day-first or month-first,
  from the values that can only be read one way (a first number above 12 is a day), and refuses
  a file that has both, because reading it either way would silently move dates by months;
* :func:`serial_expr` says which values were Excel day numbers, so callers record the
  conversion as a repair instead of doing it unseen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from carecast.errors import InputError, Location, ParameterError

# The Excel (1900 system) day 0, as Excel counts (it treats 1900 as a leap year, so day 60 is
# the fictitious 29/02/1900; every day from 61 on, i.e. every date a return holds, is right).
EXCEL_EPOCH = dt.date(1899, 12, 30)
DAY_FIRST = "%d/%m/%Y"  # the 903's own form
MONTH_FIRST = "%m/%d/%Y"
ISO = "%Y-%m-%d"
# Forms that are not the 903's but whose meaning is unambiguous (day first): read, and counted
# as repaired by callers that keep a quality log.
LENIENT_FORMATS = ("%d.%m.%y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d-%m-%y", "%Y/%m/%d")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100  # outside this a year is a typing slip (AD 19)
_SLASHED = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:\s.*)?$"
_SERIAL = r"^(\d{5})(?:\.0+)?$"  # five digits: days 10000-99999 = 1927-2173

Order = Literal["day_first", "month_first"]


def parse_date(text: str | dt.date | None, field: str | None = None) -> dt.date | None:
    """A date a person wrote: yyyy-mm-dd or dd/mm/yyyy (a date object passes; None stays None).

    Raises :class:`~carecast.errors.ParameterError` naming ``field`` when it is neither, so a
    typing slip in an option fails before any work starts.
    """
    if text is None or isinstance(text, dt.date):
        return text.date() if isinstance(text, dt.datetime) else text
    for fmt in (ISO, DAY_FIRST):
        try:
            return dt.datetime.strptime(str(text).strip(), fmt).date()
        except ValueError:
            continue
    raise ParameterError(
        f"'{text}' is not a date",
        where=Location(field=field) if field else None,
        fix="write dates as YYYY-MM-DD (e.g. 2024-03-31) or DD/MM/YYYY",
    )


def _col(column: str | pl.Expr) -> pl.Expr:
    return (pl.col(column) if isinstance(column, str) else column).cast(pl.Utf8).str.strip_chars()


def plausible(expr: pl.Expr) -> pl.Expr:
    """``expr`` where its year is 1900-2100, else null."""
    return pl.when(expr.dt.year().is_between(EARLIEST_YEAR, LATEST_YEAR)).then(expr)


def serial_expr(column: str | pl.Expr) -> pl.Expr:
    """The date an Excel day number stands for (null for anything else)."""
    days = _col(column).str.extract(_SERIAL).cast(pl.Int64, strict=False)
    return pl.when(days.is_not_null()).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=days))


def date_expr(column: str | pl.Expr, *, order: Order = "day_first", serial: bool = True) -> pl.Expr:
    """dd/mm/yyyy (mm/dd/yyyy when ``order`` is month-first), yyyy-mm-dd[ time] or an Excel day
    number; null when none fits or the year is outside 1900-2100."""
    s = _col(column)
    slashed = DAY_FIRST if order == "day_first" else MONTH_FIRST
    parts = [
        s.str.strptime(pl.Date, slashed, strict=False),
        s.str.slice(0, 10).str.strptime(pl.Date, ISO, strict=False),
    ]
    if serial:
        parts.append(serial_expr(s))
    return plausible(pl.coalesce(*parts))


def lenient_expr(column: str | pl.Expr) -> pl.Expr:
    """Dates in the other unambiguous day-first forms (:data:`LENIENT_FORMATS`)."""
    s = _col(column)
    return plausible(
        pl.coalesce(*(s.str.strptime(pl.Date, f, strict=False) for f in LENIENT_FORMATS))
    )


def clamp_day_expr(column: str | pl.Expr) -> pl.Expr:
    """A day past the end of its month (31/04/2019) as the month's last day; else null."""
    parts = _col(column).str.extract_groups(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
    d, m, y = (parts.struct.field(str(i)).cast(pl.Int32, strict=False) for i in (1, 2, 3))
    ok = d.is_between(29, 31) & m.is_between(1, 12) & y.is_between(EARLIEST_YEAR, LATEST_YEAR)
    return pl.when(ok).then(pl.date(y, m, 1).dt.month_end())


@dataclass(frozen=True)
class OrderEvidence:
    """Values in one file that can only be read one way, and the decision they lead to."""

    file: str | None
    day_first: int  # values whose first number is above 12
    month_first: int  # values whose second number is above 12
    order: Order


def _evidence(column: str) -> tuple[pl.Expr, pl.Expr]:
    parts = _col(column).str.extract_groups(_SLASHED)
    a = parts.struct.field("1").cast(pl.Int32, strict=False)
    b = parts.struct.field("2").cast(pl.Int32, strict=False)
    return (a > 12) & (b <= 12), (b > 12) & (a <= 12)


def detect_order(
    frame: pl.DataFrame,
    columns: list[str],
    *,
    by: str | None = None,
    row: str | None = None,
    file: str | None = None,
) -> list[OrderEvidence]:
    """Day-first or month-first, per file (per value of ``by``, else for the whole frame).

    A value such as 25/03/2019 can only be day-first, 03/25/2019 only month-first. A file with
    only the first kind, or with neither (every day 12 or under), is day-first as the guidance
    says; only the second kind: month-first. A file with both is refused: its dates cannot be
    read without guessing, and a wrong guess moves episode ends by months (reopening them).
    """
    columns = [c for c in columns if c in frame.columns]
    if not columns or frame.height == 0:
        return [OrderEvidence(file, 0, 0, "day_first")]
    flags = []
    for c in columns:
        day, month = _evidence(c)
        flags += [day.fill_null(False).alias(f"{c}__d"), month.fill_null(False).alias(f"{c}__m")]
    keys = [by] if by else []
    marked = frame.select(*keys, *([row] if row else []), *flags)
    day_any = pl.any_horizontal(pl.col(f"{c}__d") for c in columns)
    month_any = pl.any_horizontal(pl.col(f"{c}__m") for c in columns)
    summary = (
        marked.with_columns(day_any.alias("_d"), month_any.alias("_m"))
        .group_by(keys or pl.lit(0))
        .agg(pl.col("_d").sum(), pl.col("_m").sum())
    )
    out = []
    for rec in summary.iter_rows(named=True):
        name = rec[by] if by else file
        if rec["_d"] and rec["_m"]:
            raise _mixed(marked, columns, by, name, row, rec["_d"], rec["_m"])
        out.append(
            OrderEvidence(name, rec["_d"], rec["_m"], "month_first" if rec["_m"] else "day_first")
        )
    return sorted(out, key=lambda e: str(e.file))


def _mixed(
    marked: pl.DataFrame,
    columns: list[str],
    by: str | None,
    name: str | None,
    row: str | None,
    days: int,
    months: int,
) -> InputError:
    """The refusal for a file whose dates are day-first in some rows and month-first in others."""
    mine = marked.filter(pl.col(by) == name) if by else marked
    where = Location(file=name)
    for c in columns:  # point at the first month-first value: the rarer reading in most files
        hit = mine.filter(pl.col(f"{c}__m"))
        if hit.height:
            where = Location(file=name, row=hit[row][0] if row else None, column=c)
            break
    return InputError(
        f"the dates cannot be read without guessing: {days} value(s) are only possible as "
        f"day/month/year (e.g. 25/03/2019) and {months} only as month/day/year (e.g. 03/25/2019)",
        where=where,
        fix="export the file again with every date as dd/mm/yyyy (or yyyy-mm-dd); check the "
        "computer's regional settings are United Kingdom",
    )
