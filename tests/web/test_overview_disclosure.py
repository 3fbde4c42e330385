"""A regional user's overview, read beside the snapshot of the same data: no hidden count comes back.

The overview's council totals are the snapshot's coverage counts, and its column sums are the
snapshot's counts per placement category, so an attacker holding both pages can subtract. The
attacker (tests/attacker.py) tries; the test fails if it recovers any hidden cell.
"""

from __future__ import annotations

import polars as pl
import pytest

from carecast.schema import load_categories
from carecast.snapshot import take_snapshot
from carecast.snapshot.report import published_tables
from carecast.web import summaries
from tests.attacker import Attack


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from carecast.ingest import load_returns
    from carecast.synth import generate

    path = tmp_path_factory.mktemp("overview")
    generate(path, councils=6, years=(2023, 2024), seed=4)
    return load_returns(path, postcodes=path / "postcodes.csv")


def test_overview_and_snapshot_together_give_no_hidden_count_away(region):
    episodes = region.episodes
    date = episodes.get_column("data_end").max()
    current = summaries.in_care_on(episodes, date)
    per_council = {
        c: summaries.by_category(current.filter(pl.col("council") == c))
        for c in sorted(current.get_column("council").unique().to_list())
    }
    overview, note = summaries.regional_table(per_council)
    snap = published_tables(take_snapshot(episodes, region.children, date=date, region="london"))
    coverage = snap["coverage_by_council"].filter(pl.col("supplied_data"))
    labels = load_categories().categories
    by_category = snap["location_by_category"].with_columns(
        pl.col("category").replace_strict(labels, default=None).alias("label")
    )
    # the two pages count the same children
    totals = {c: n for c, n in zip(overview["Council"], overview["Total"], strict=True) if n != "c"}
    assert totals, "the overview shows its councils' totals"
    published = dict(zip(coverage["council"], coverage["placements"], strict=True))
    assert all(int(n) == int(published[c]) for c, n in totals.items())

    a = Attack({"overview": overview, "coverage": coverage, "by_category": by_category})
    cats = [c for c in overview.columns if c not in ("Council", "Total")]
    a.row_sum("overview", "Total", cats)
    a.same("overview", "Total", ["Council"], "coverage", "placements", ["council"])
    for cat in cats:
        a.total_of("by_category", "placements", pl.col("label") == cat, "overview", cat, None)
    assert len(a.var) >= 5, "the synthetic region should have small counts to hide"
    assert not a.disclosed()
    assert "'c'" in note


def test_the_old_overview_gave_a_hidden_count_away():
    """The attacker finds the leak the issue reported: a council's total hidden, but published beside."""
    overview = pl.DataFrame(
        {
            "Council": ["Greenwich", "Lewisham"],
            "Secure": ["c", "7"],
            "Other": ["419", "30"],
            "Total": ["c", "37"],
        }
    )
    coverage = pl.DataFrame({"council": ["Greenwich", "Lewisham"], "placements": [422, 37]})
    a = Attack({"overview": overview, "coverage": coverage})
    a.row_sum("overview", "Total", ["Secure", "Other"])
    a.same("overview", "Total", ["Council"], "coverage", "placements", ["council"])
    assert a.recovered()[("overview", 0, "Secure")] == pytest.approx((3, 3))
