"""The financial year and the SSDA903 collection year, defined once.

Both run 1 April – 31 March. A **financial year** is labelled by both calendar years
("2023-24") and numbered by the year it starts in (2023). A **collection year** of the SSDA903
return is numbered by the year it ends in: collection year 2024 covers 1 April 2023 – 31 March
2024, the return councils submit in summer 2024 (the DfE's "2023 to 2024" / "2024" return).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl


def financial_year_of(day: dt.date) -> int:
    """The financial year (numbered by its starting calendar year) that contains ``day``."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of financial year ``fy`` (numbered by its start year)."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def financial_year_label(fy: int) -> str:
    """``2023`` → ``"2023-24"``."""
    return f"{fy}-{(fy + 1) % 100:02d}"


def collection_year_of(day: dt.date) -> int:
    """The SSDA903 collection year (numbered by its end year) that contains ``day``."""
    return financial_year_of(day) + 1


def collection_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of collection year ``year`` (numbered by its end year)."""
    return financial_year_bounds(year - 1)


def financial_year_expr(date_col: str | pl.Expr) -> pl.Expr:
    """Polars expression: the financial year (start year) of a date column."""
    col = pl.col(date_col) if isinstance(date_col, str) else date_col
    return (col.dt.year() - (col.dt.month() < 4).cast(pl.Int32)).cast(pl.Int32)


def financial_year_label_expr(fy: str | pl.Expr) -> pl.Expr:
    """Polars expression: :func:`financial_year_label` of a column of financial years."""
    col = pl.col(fy) if isinstance(fy, str) else fy
    return pl.format("{}-{}", col, ((col + 1) % 100).cast(pl.Utf8).str.zfill(2))


def financial_year_bounds_expr(fy: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Polars expressions: first and last day (inclusive) of a column of financial years."""
    col = pl.col(fy) if isinstance(fy, str) else fy
    return pl.date(col, 4, 1), pl.date(col + 1, 3, 31)


def collection_year_end_expr(year: str | pl.Expr) -> pl.Expr:
    """Polars expression: 31 March ending a column of collection years."""
    col = pl.col(year) if isinstance(year, str) else year
    return pl.date(col, 3, 31)


def financial_year_array(days: np.ndarray) -> np.ndarray:
    """:func:`financial_year_of` for an array of ``datetime64[D]`` days, vectorised."""
    months = days.astype("datetime64[M]").astype(np.int64)  # months since January 1970
    return (months - 3) // 12 + 1970  # April 1970 is month 3: FY 1970 starts there


def financial_year_starts(fys: np.ndarray | list[int]) -> np.ndarray:
    """1 April of each financial year, as ``datetime64[D]`` (add one year for the day after its end)."""
    fy = np.asarray(fys, dtype=np.int64)
    return ((fy - 1970) * 12 + 3).astype("datetime64[M]").astype("datetime64[D]")
