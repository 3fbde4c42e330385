"""Pseudonymisation and small-number suppression (DOMAIN.md §7)."""

import datetime as dt

import polars as pl
import pytest

from carecast.errors import ParameterError
from carecast.privacy import (
    dob_to_month,
    load_key,
    postcode_to_sector,
    pseudonymise_ids,
    suppress_small,
)

KEY = b"0123456789abcdef-test-key"


def test_pseudonym_is_keyed_on_council_and_child():
    df = pl.DataFrame({"council": ["A", "B", "A", "A"], "child_id": ["1", "1", "1", "2"]})
    out = pseudonymise_ids(df, KEY)["child_id"].to_list()
    assert out[0] == out[2]  # same child, same pseudonym
    assert out[0] != out[1]  # same CHILD number in another council differs
    assert out[0] != out[3]
    assert all(len(x) == 20 and x not in {"1", "2"} for x in out)
    other = pseudonymise_ids(df, b"another-key-of-16-bytes")["child_id"].to_list()
    assert other[0] != out[0]


def test_key_must_be_given(monkeypatch):
    monkeypatch.delenv("CARECAST_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ParameterError, match="key"):
        load_key()
    monkeypatch.setenv("CARECAST_PSEUDONYM_KEY", "x" * 20)
    assert load_key() == b"x" * 20


def test_dob_to_month_and_sector():
    df = pl.DataFrame({"dob": [dt.date(2010, 5, 17)], "pc": ["se6 4ru"]})
    assert dob_to_month(df)["dob"][0] == dt.date(2010, 5, 1)
    assert df.select(postcode_to_sector(pl.col("pc")))["pc"][0] == "SE6 4"
    assert pl.DataFrame({"pc": ["N1 9GU", "bad"]}).select(postcode_to_sector(pl.col("pc")))[
        "pc"
    ].to_list() == ["N1 9", None]


def test_suppression_hides_1_to_4_and_their_shares_but_not_zero():
    df = pl.DataFrame({"council": ["A", "B", "C"], "n": [0, 3, 12], "share": [0.0, 0.25, 0.75]})
    out = suppress_small(df, counts=["n"], shares={"share": "n"})
    assert out["n"].to_list() == ["0", "c", "12"]
    assert out["share"].to_list() == ["0.0", "c", "0.75"]
