"""The overview's counts agree with a direct count, for any set of episodes (hypothesis)."""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.web import summaries

DAY0 = dt.date(2020, 1, 1)
END = dt.date(2023, 12, 31)

episode = st.tuples(st.integers(0, 1400), st.one_of(st.none(), st.integers(0, 800)), st.booleans())


def _frame(rows):
    decom = [DAY0 + dt.timedelta(days=a) for a, _, _ in rows]
    dec = [None if d is None else DAY0 + dt.timedelta(days=a + d) for a, d, _ in rows]
    return pl.DataFrame(
        {"decom": decom, "dec": dec, "is_short_break": [b for _, _, b in rows]},
        schema={"decom": pl.Date, "dec": pl.Date, "is_short_break": pl.Boolean},
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(episode, min_size=1, max_size=40))
def test_month_end_trend_matches_a_direct_count(rows):
    eps = _frame(rows)
    trend = summaries.month_end_trend(eps, end=END, months=48)
    for month_end, count in trend.iter_rows():
        direct = sum(
            1
            for (a, d, sb), s, e in zip(rows, eps["decom"], eps["dec"], strict=True)
            if not sb and s <= month_end and (e is None or e > month_end)
        )
        assert count == direct
        assert count == summaries.in_care_on(eps, month_end).height
    assert trend["Month end"].is_sorted() and (trend["Month end"] <= END).all()
