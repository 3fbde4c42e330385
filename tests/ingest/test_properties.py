"""Properties of cleaning on arbitrary messy returns (hypothesis): every row read is accounted for,
and no child has overlapping episodes afterwards."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.ingest import load_returns

from .ingest_cases import ep, hd, write_return

BASE = dt.date(2016, 4, 1)


def _d(days: int) -> str:
    return (BASE + dt.timedelta(days=days)).strftime("%d/%m/%Y")


episode = st.builds(
    lambda child, start, length, open_, code, rne, ls: ep(
        child, _d(start), "" if open_ else _d(start + length), place=code, rne=rne, ls=ls
    ),
    child=st.sampled_from(["1", "2", "3", "", "A7"]),
    start=st.integers(0, 3 * 365),
    length=st.integers(-30, 400),  # negative: ends before it starts
    open_=st.booleans(),
    code=st.sampled_from(["U4", "U6", "K2", "H5", "ZZ", "p1"]),
    rne=st.sampled_from(["S", "P", "L", "U", "T"]),
    ls=st.sampled_from(["C2", "V2", "V3", "C1"]),
)
returns = st.dictionaries(
    st.sampled_from([2017, 2018, 2019]), st.lists(episode, max_size=12), min_size=1
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(returns=returns, merge=st.booleans(), with_header=st.booleans())
def test_rows_accounted_for_and_no_overlaps(returns, merge, with_header):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for year, rows in returns.items():
            header = [hd(c, "01/01/2005") for c in ("1", "2")] if with_header else None
            write_return(root, "Lewisham", year, rows, header)
        res = load_returns(root, merge_legal_changes=merge)
    s = res.quality.summary()
    assert s["read"].sum() == sum(len(r) for r in returns.values())
    assert (s["kept"] + s["dropped"] + s["merged"] == s["read"]).all()
    assert s["kept"].sum() == res.episodes.height

    e = res.episodes.sort("council", "child_id", "decom")
    nxt = e.with_columns(pl.col("decom").shift(-1).over("council", "child_id").alias("next"))
    overlapping = nxt.filter(
        pl.col("next").is_not_null() & (pl.col("dec").is_null() | (pl.col("dec") > pl.col("next")))
    )
    assert overlapping.is_empty(), overlapping
    assert e.select("council", "child_id", "decom").is_duplicated().sum() == 0
    assert e.filter(pl.col("dec") < pl.col("decom")).is_empty()
    assert e["child_id"].null_count() == 0
    # period ids count up from 1 within each child
    firsts = e.group_by("council", "child_id").agg(pl.col("period_id").min())
    assert (firsts["period_id"] == 1).all()
