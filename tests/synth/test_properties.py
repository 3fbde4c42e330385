"""Properties that hold for any seed and span of years (hypothesis, a few small examples)."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.schema import collection_year_bounds
from carecast.synth import generate


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**31 - 1), first=st.integers(2012, 2023), span=st.integers(0, 2))
def test_any_seed_gives_consistent_histories_and_accounted_files(
    tmp_path_factory, seed, first, span
):
    res = generate(
        tmp_path_factory.mktemp("prop"), councils=["Bexley"], years=(first, first + span), seed=seed
    )
    e = res.episodes.sort("child_id", "decom")
    nxt = pl.col("decom").shift(-1).over("child_id")
    assert (
        e.filter(nxt.is_not_null() & (pl.col("dec").is_null() | (pl.col("dec") > nxt))).height == 0
    )
    defects = res.defects_frame()
    header_rows = episode_rows = 0
    for y in range(first, first + span + 1):
        folder = res.path / "Bexley" / str(y)
        ep = pl.read_csv(folder / "episodes.csv", infer_schema=False)
        hd = pl.read_csv(folder / "header.csv", infer_schema=False)
        missing = set(ep["CHILD"]) - set(hd["CHILD"])
        planted = set(
            defects.filter((pl.col("kind") == "child_without_header") & (pl.col("year") == y))[
                "child"
            ]
        )
        assert missing == planted
        assert set(hd["CHILD"]) <= set(ep["CHILD"])
        header_rows += hd.height
        episode_rows += ep.height
    added = defects.filter(
        pl.col("kind").is_in(
            ["duplicate_row", "duplicate_across_returns", "late_closed", "corrected_end"]
        )
    ).height
    assert res.rows_written == {
        "header": header_rows,
        "episodes": episode_rows,
        "uasc": res.rows_written["uasc"],
    }
    # every return holds exactly the episodes open in its year, plus the rows defects added
    expected = 0
    for y in range(first, first + span + 1):
        start, end = collection_year_bounds(y)
        expected += e.filter(
            (pl.col("decom") <= end) & (pl.col("dec").is_null() | (pl.col("dec") >= start))
        ).height
    assert episode_rows == expected + added
