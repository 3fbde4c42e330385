"""Small vocabulary the rule modules share, so each rule reads like its DfE message.

The DfE validator's comparisons treat a missing value as "not true" (pandas compares NaN/NaT as
False); ``known`` gives Polars comparisons the same meaning, so a rule flags what the DfE tool
flags. Row numbers are the ``_row`` column added by ``context.prepare``.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from carecast.dferules.context import ROW, date

__all__ = [
    "ROW",
    "date",
    "known",
    "rows",
    "flag",
    "not_in",
    "years_after",
    "blank",
    "given",
    "bad_date",
    "by_child",
]


def known(expr: pl.Expr) -> pl.Expr:
    """A condition that is false where it cannot be decided (a value is missing)."""
    return expr.fill_null(False)


def rows(frame: pl.DataFrame, mask: pl.Expr) -> pl.Series:
    """Row numbers of ``frame`` where ``mask`` holds (missing counts as false)."""
    return frame.filter(known(mask))[ROW]


def flag(table: str, frame: pl.DataFrame, mask: pl.Expr) -> dict[str, pl.Series]:
    """The usual one-table result: ``{table: rows where mask holds}``."""
    return {table: rows(frame, mask)}


def not_in(column: str, codes: Iterable[str], *, blank_ok: bool = False) -> pl.Expr:
    """The value is not one of ``codes`` (a blank counts as not in, unless ``blank_ok``)."""
    inside = pl.col(column).is_in(list(codes))
    return ~inside.fill_null(blank_ok)


def blank(column: str) -> pl.Expr:
    return pl.col(column).is_null()


def given(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def years_after(expr: pl.Expr, years: int) -> pl.Expr:
    """The date ``years`` later (29 February -> 28 February, as pandas' DateOffset does)."""
    return expr.dt.offset_by(f"{years}y")


def bad_date(column: str) -> pl.Expr:
    """Filled in but not a dd/mm/yyyy date."""
    return given(column) & date(column).is_null()


def by_child(
    left: pl.DataFrame, right: pl.DataFrame, how: str = "inner", suffix: str = "_r"
) -> pl.DataFrame:
    """Rows of ``left`` joined to ``right`` on CHILD (left's ``_row`` kept as ``_row``)."""
    return left.join(right, on="CHILD", how=how, suffix=suffix)  # type: ignore[arg-type]


def first_per_child(frame: pl.DataFrame, by: str, *, latest: bool = False) -> pl.DataFrame:
    """Each child's row with the earliest (``latest``: the latest) ``by``, rows without one left
    out and ties going to the first row, as the DfE tool's idxmin/idxmax pick them."""
    dated = frame.filter(pl.col(by).is_not_null())
    return dated.sort([by, ROW], descending=[latest, False]).unique("CHILD", keep="first")
