"""``--like-england``: synthetic councils land within 10% of the published counts they imitate."""

import polars as pl

from carecast.synth import generate
from carecast.synth.england import like_england
from tests.published.conftest import PUBLISHED


def test_synthetic_31_march_counts_within_10_percent(tmp_path):
    plan = like_england(PUBLISHED, "Plymouth,Enfield,Sandwell", (2020, 2024), seed=3)
    assert plan.imitated["ons_code"].to_list() and set(plan.councils) == {
        "Plymouth",
        "Enfield",
        "Sandwell",
    }
    res = generate(
        tmp_path / "out",
        councils=plan.councils,
        years=(2020, 2024),
        seed=3,
        params=plan.overrides,
        defects=False,
    )
    both = plan.imitated.join(
        res.summary().select(pl.col("council").alias("name"), "looked_after_31_march"), on="name"
    )
    ratio = (both["looked_after_31_march"] / both["stock"]).to_list()
    assert len(ratio) == 3 and all(0.9 <= r <= 1.1 for r in ratio), ratio


def test_a_number_spans_englands_sizes():
    plan = like_england(PUBLISHED, 5, (2023, 2024), seed=0)
    stock = plan.imitated["stock"].to_list()
    assert stock == sorted(stock) and stock[0] < 50 and stock[-1] > 2000
