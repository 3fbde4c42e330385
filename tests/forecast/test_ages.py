"""Birthdays: the same day in Polars (estimation) and NumPy (simulation), leap days on 1 March."""

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.forecast.ages import birthday_expr, birthdays


def test_leap_day_birthday_falls_on_first_of_march_in_common_years():
    got = birthdays(np.array(["2008-02-29"], dtype="datetime64[D]"), [1, 4, 18])
    assert got.tolist() == [[dt.date(2009, 3, 1), dt.date(2012, 2, 29), dt.date(2026, 3, 1)]]


@settings(deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 18))
def test_polars_and_numpy_birthdays_agree(dob, years):
    polars_day = pl.DataFrame({"dob": [dob]}).select(birthday_expr("dob", years)).item()
    numpy_day = birthdays(np.array([dob], dtype="datetime64[D]"), [years])[0, 0].astype(dt.date)
    assert polars_day == numpy_day
    if not (dob.month == 2 and dob.day == 29):
        assert (numpy_day.month, numpy_day.day) == (dob.month, dob.day)
