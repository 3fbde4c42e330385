"""The financial year and the SSDA903 collection year, at their boundaries."""

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from carecast.schema.years import (
    collection_year_bounds,
    collection_year_of,
    financial_year_bounds,
    financial_year_expr,
    financial_year_label,
    financial_year_of,
)


def test_financial_year_boundaries():
    assert financial_year_of(dt.date(2024, 3, 31)) == 2023
    assert financial_year_of(dt.date(2024, 4, 1)) == 2024
    assert financial_year_bounds(2023) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    assert financial_year_label(2023) == "2023-24"
    assert financial_year_label(1999) == "1999-00"


def test_collection_year_is_numbered_by_its_end():
    assert collection_year_of(dt.date(2024, 3, 31)) == 2024
    assert collection_year_of(dt.date(2024, 4, 1)) == 2025
    assert collection_year_bounds(2024) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_falls_inside_its_years_bounds(day):
    start, end = financial_year_bounds(financial_year_of(day))
    assert start <= day <= end
    start, end = collection_year_bounds(collection_year_of(day))
    assert start <= day <= end


def test_polars_expression_agrees_with_python():
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(0, 900, 7)]
    got = pl.DataFrame({"d": days}).select(financial_year_expr("d")).to_series().to_list()
    assert got == [financial_year_of(d) for d in days]


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_array_and_expression_forms_agree_with_the_scalar(day):
    import numpy as np

    from carecast.schema.years import (
        collection_year_end_expr,
        financial_year_array,
        financial_year_bounds_expr,
        financial_year_label_expr,
        financial_year_starts,
    )

    fy = financial_year_of(day)
    assert financial_year_array(np.array([day], dtype="datetime64[D]"))[0] == fy
    assert financial_year_starts([fy])[0].astype(dt.date) == financial_year_bounds(fy)[0]
    frame = pl.DataFrame({"fy": [fy], "cy": [fy + 1]})
    first, last = financial_year_bounds_expr("fy")
    got = frame.select(
        first,
        last.alias("last"),
        financial_year_label_expr("fy").alias("label"),
        collection_year_end_expr("cy").alias("cy_end"),
    ).row(0)
    assert got == (
        *financial_year_bounds(fy),
        financial_year_label(fy),
        collection_year_bounds(fy + 1)[1],
    )
