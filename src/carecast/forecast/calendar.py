"""Month arithmetic for report dates (the same day each month, clipped to the month's end)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def monthly_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """``start`` and each month after it, strictly before ``end``."""
    out, k = [], 0
    while (d := add_months(start, k)) < end:
        out.append(d)
        k += 1
    return out


def months_back(end: dt.date, earliest: dt.date) -> list[dt.date]:
    """The same day of each month going back from ``end`` to no earlier than ``earliest``, oldest first."""
    out, k = [], 0
    while (d := add_months(end, -k)) >= earliest:
        out.append(d)
        k += 1
    return out[::-1]


def day_offsets(days: list[dt.date], origin: dt.date) -> np.ndarray:
    """Days from ``origin`` as floats (the model's clock)."""
    return np.asarray([(d - origin).days for d in days], dtype=np.float64)


def days_from(dates: pl.Series, origin: dt.date) -> np.ndarray:
    """A Polars date column as float days from ``origin``."""
    return dates.cast(pl.Int64).to_numpy().astype(np.float64) - (origin - dt.date(1970, 1, 1)).days
