"""The disclosure layer, attacked: random tables of small counts, and the leak patterns it must stop.

tests/attacker.py builds its relations from what the published tables show, independently of the
relations the layer was given; it must recover no hidden cell from the layer's output, and must
recover the cells that the per-table suppression before the layer gave away.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.outputs.disclosure import Protect, Sum, protect
from tests.attacker import Attack

CATS = ["a", "b", "c", "d"]


def _grid(rows: list[list[int]]) -> pl.DataFrame:
    df = (
        pl.DataFrame(rows, schema=CATS, orient="row")
        .with_row_index("council")
        .with_columns(pl.col("council").cast(pl.Utf8))
    )
    return df.with_columns(pl.sum_horizontal(CATS).alias("total")).with_columns(
        pl.when(pl.col("total") > 0).then(pl.col("a") / pl.col("total")).alias("a_share")
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 9), min_size=4, max_size=4), min_size=2, max_size=7))
def test_no_hidden_cell_of_a_random_table_can_be_recovered(rows):
    """Councils x categories with row totals, a share, and column totals published elsewhere."""
    raw = _grid(rows)
    spec = Protect(
        [*CATS, "total"],
        [Sum("total", tuple(CATS)), *[Sum(None, (c,), by=()) for c in CATS]],
        {"a_share": ("a", "total")},
    )
    shown = protect({"t": raw}, {"t": spec}).tables["t"]
    for col in [*CATS, "total"]:  # primary: every 1-4 is hidden, zero and 5+ are shown as they are
        for r, s in zip(raw[col], shown[col], strict=True):
            assert (s == "c") if 0 < r < 5 else (s == "c" or int(s) == r)
    a = Attack({"t": shown})
    a.row_sum("t", "total", CATS)
    a.share("t", "a_share", ["a"], ["total"])
    for col in CATS:  # the column's total is known, published in another output (unless it is 1-4)
        if not 0 < raw[col].sum() < 5:
            a._add([(1.0, "t", i, col) for i in range(raw.height)], float(raw[col].sum()), True)
    assert not a.disclosed()


def test_the_attacker_finds_each_leak_of_per_table_suppression():
    """The four leaks of the snapshot before the layer, as small tables; the attacker recovers each."""
    # a reason that quotes the hidden count
    typology = pl.DataFrame(
        {"in_house_residential": ["c"], "reason": ["2 child(ren) in the council's own homes"]}
    )
    a = Attack({"t": typology})
    a.quoted("t", "reason", "in_house_residential", r"^(\d+) child")
    assert a.recovered()[("t", 0, "in_house_residential")] == pytest.approx((2, 2))
    # residential 36 = in-area c + in-region 5 + outside 29 (+ location not known), with a share shown
    row = pl.DataFrame(
        {
            "residential": [36],
            "in_area": ["c"],
            "in_region": [5],
            "out": [29],
            "in_region_pct": [5 / 36],
        }
    )
    a = Attack({"t": row})
    a.row_sum("t", "residential", ["in_area", "in_region", "out"], complete=False)
    a.share("t", "in_region_pct", ["in_region"], ["in_area", "in_region", "out"])
    assert a.recovered()[("t", 0, "in_area")] == pytest.approx((2, 2))
    # a cumulative share beside a hidden share
    top = pl.DataFrame(
        {
            "cohort": ["all"] * 3,
            "placements": ["20", "c", "9"],
            "known": [101] * 3,
            "share": [str(20 / 101), "c", str(9 / 101)],
            "cumulative_share": [20 / 101, 24 / 101, 33 / 101],
        }
    )
    a = Attack({"t": top})
    a.cumulative("t", "cumulative_share", "placements", "known", ["cohort"])
    assert a.recovered()[("t", 1, "placements")] == pytest.approx((4, 4))


def test_one_councils_own_unmet_need_is_not_hidden_and_a_regions_cannot_be_recovered():
    from carecast.market.unmet import UNMET_STATUSES, unmet_need

    rng = np.random.default_rng(5)
    n = 160
    statuses = rng.choice(
        [*UNMET_STATUSES, "placed", "open"], size=n, p=[0.15, 0.1, 0.1, 0.5, 0.15]
    )
    refs = pl.DataFrame(
        {
            "council": rng.choice(
                ["Lambeth", "Lewisham", "Southwark", "Greenwich", "Bexley"], size=n
            ),
            "need_profile": rng.choice(
                ["semh", "semh+cse_cce", "disability", "mental_health"], size=n
            ),
            "referred_on": [dt.date(2026, 1 + int(m), 1) for m in rng.integers(0, 6, size=n)],
            "status": statuses,
            "refusal_reasons": rng.choice(["", "cannot_meet_needs", "no_vacancy"], size=n),
            "closing_filter": [("exclusion_zone" if s == "no_match" else None) for s in statuses],
        }
    )
    own = unmet_need(refs.filter(pl.col("council") == "Lambeth"))
    assert (
        own["by_council"]["referrals"].dtype == pl.UInt32
        or own["by_council"]["referrals"].dtype.is_integer()
    )
    shared = unmet_need(refs)
    a = Attack(shared)
    for name in ("by_profile_month", "by_council", "by_need"):
        a.row_sum(name, "unmet", list(UNMET_STATUSES))
        a.row_sum(name, "referrals", ["unmet", "placed"], complete=False)
        a.share(name, "unmet_share", ["unmet"], ["referrals"])
    for name in ("by_profile_month", "by_council"):
        for col in ["referrals", "unmet", *UNMET_STATUSES, "placed"]:
            a._add(
                [(1.0, name, i, col) for i in range(shared[name].height)],
                float(
                    refs.height
                    if col == "referrals"
                    else refs.filter(
                        pl.col("status").is_in(UNMET_STATUSES if col == "unmet" else [col])
                    ).height
                ),
                True,
            )
    assert len(a.var) >= 10
    assert not a.disclosed()
