"""In care on a date has one meaning (the end day is not a day in care); one calendar convention."""

from __future__ import annotations

import datetime as dt

import polars as pl

from carecast.plumbing.constants import DAYS_PER_YEAR, WEEKS_PER_YEAR, leaving_age
from carecast.plumbing.episodes import in_care_during, in_care_on

D = dt.date
EPISODES = pl.DataFrame(
    {
        "decom": [D(2020, 1, 1), D(2020, 3, 31), D(2020, 4, 1), D(2019, 1, 1)],
        "dec": [D(2020, 3, 31), None, D(2020, 4, 2), D(2019, 6, 1)],
    }
)


def test_in_care_on_counts_the_start_day_not_the_end_day():
    on = EPISODES.select(in_care_on(D(2020, 3, 31))).to_series().to_list()
    assert on == [False, True, False, False]
    assert EPISODES.select(in_care_on(D(2020, 3, 30))).to_series().to_list() == [
        True,
        False,
        False,
        False,
    ]


def test_in_care_on_a_date_column_and_other_column_names():
    frame = EPISODES.rename({"decom": "start", "dec": "end"}).with_columns(
        pl.lit(D(2020, 4, 1)).alias("date")
    )
    got = frame.select(in_care_on(pl.col("date"), start="start", end="end")).to_series().to_list()
    assert got == [False, True, True, False]


def test_in_care_during_a_period():
    got = EPISODES.select(in_care_during(D(2020, 3, 31), D(2020, 4, 1))).to_series().to_list()
    assert got == [False, True, True, False]


def test_one_calendar_convention():
    assert DAYS_PER_YEAR == 365.25
    assert WEEKS_PER_YEAR * 7 == DAYS_PER_YEAR  # a what-if year costs what costing charges a year
    assert leaving_age() == 18
