"""Birthdays, computed the same way in Polars (estimation) and NumPy (simulation).

A child's ``k``-th birthday is the same day and month ``k`` years after birth; a child born on
29 February has it on 1 March in non-leap years (as English law counts age). Ageing in the model
happens exactly on these days, never as a uniform hazard.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def birthday_expr(dob: str | pl.Expr, years: int) -> pl.Expr:
    """Polars expression: the date of the ``years``-th birthday of the ``dob`` column."""
    col = pl.col(dob) if isinstance(dob, str) else dob
    first = pl.date(col.dt.year() + years, col.dt.month(), 1)
    return first + pl.duration(days=col.dt.day().cast(pl.Int64) - 1)


def birthdays(dob: np.ndarray, years: np.ndarray | list[int]) -> np.ndarray:
    """Birthdays as ``datetime64[D]``: one row per ``dob``, one column per age in ``years``."""
    dob = np.asarray(dob, dtype="datetime64[D]")
    month = dob.astype("datetime64[M]")
    day = (dob - month.astype("datetime64[D]")).astype(np.int64)
    ages = np.asarray(years, dtype=np.int64)
    first = (month[:, None] + 12 * ages[None, :]).astype("datetime64[D]")
    return first + day[:, None]
