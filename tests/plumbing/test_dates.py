"""One date parser: the 903's forms, ISO, Excel day numbers; month-first decided per file."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from carecast.errors import InputError, ParameterError
from carecast.plumbing.dates import date_expr, detect_order, parse_date, serial_expr


def test_scalar_parser_reads_both_forms_and_names_the_field():
    assert parse_date("2024-03-31") == dt.date(2024, 3, 31)
    assert parse_date(" 31/03/2024 ") == dt.date(2024, 3, 31)
    assert parse_date(dt.datetime(2024, 3, 31, 9)) == dt.date(2024, 3, 31)
    assert parse_date(None) is None
    with pytest.raises(ParameterError) as err:
        parse_date("31 March", "start")
    assert err.value.where.field == "start"


def test_column_parser_forms():
    frame = pl.DataFrame(
        {
            "d": [
                "01/04/2019",
                "2019-04-01",
                "2019-04-01 00:00:00",
                "43556",
                "43556.0",
                "01/04/19",
                "31/04/2019",
                None,
            ]
        }
    )
    got = frame.select(date_expr("d"))["d"].to_list()
    april = dt.date(2019, 4, 1)
    assert got == [april, april, april, april, april, None, None, None]


def test_month_first_parsing():
    frame = pl.DataFrame({"d": ["04/01/2019", "12/25/2019"]})
    assert frame.select(date_expr("d", order="month_first"))["d"].to_list() == [
        dt.date(2019, 4, 1),
        dt.date(2019, 12, 25),
    ]


def test_serial_days_are_identified_for_recording():
    frame = pl.DataFrame({"d": ["43556", "01/04/2019", "4355", "123456"]})
    assert frame.select(serial_expr("d").is_not_null()).to_series().to_list() == [
        True,
        False,
        False,
        False,
    ]


def test_order_is_decided_per_file():
    frame = pl.DataFrame(
        {
            "file": ["uk", "uk", "us", "us", "plain"],
            "DECOM": ["25/03/2019", "01/04/2019", "03/25/2019", "04/01/2019", "01/02/2019"],
            "DEC": [None, None, None, "12/31/2019", None],
        }
    )
    orders = {e.file: e for e in detect_order(frame, ["DECOM", "DEC"], by="file")}
    assert orders["uk"].order == "day_first" and orders["uk"].day_first == 1
    assert orders["us"].order == "month_first" and orders["us"].month_first == 2
    assert orders["plain"].order == "day_first"  # nothing says otherwise: the guidance's form


def test_a_file_with_both_orders_is_refused_naming_a_row():
    frame = pl.DataFrame({"file": ["x", "x"], "row": [2, 3], "DECOM": ["25/03/2019", "03/26/2019"]})
    with pytest.raises(InputError) as err:
        detect_order(frame, ["DECOM"], by="file", row="row")
    assert (err.value.where.file, err.value.where.row, err.value.where.column) == ("x", 3, "DECOM")
    assert "dd/mm/yyyy" in err.value.fix
