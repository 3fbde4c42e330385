"""The synthetic data shows the trends the Under pressure report describes."""

import datetime as dt

import polars as pl

from carecast.send import synthetic


def share(frame, mask, year):
    y = frame.filter(pl.col("year") == year)
    return y.filter(mask)["plans"].sum() / y["plans"].sum()


def test_growth_is_concentrated_post_16(synth):
    a = synth.aggregate
    young = [a.filter(pl.col("year") == y, pl.col("age") < 16)["plans"].sum() for y in (2015, 2024)]
    old = [a.filter(pl.col("year") == y, pl.col("age") >= 16)["plans"].sum() for y in (2015, 2024)]
    post19 = [
        a.filter(pl.col("year") == y, pl.col("age") >= 19)["plans"].sum() for y in (2015, 2024)
    ]
    assert old[1] / old[0] > 2 * (young[1] / young[0])
    assert post19[1] / post19[0] > old[1] / old[0]


def test_drift_from_mainstream_to_special_and_inmss(synth):
    a = synth.aggregate.filter(pl.col("age").is_between(5, 15))
    special = pl.col("setting").is_in(["special", "inmss"])
    assert share(a, special, 2024) > share(a, special, 2015) + 0.03
    assert share(a, pl.col("setting") == "mainstream", 2024) < share(
        a, pl.col("setting") == "mainstream", 2015
    )


def test_asd_and_semh_rising(synth):
    r = synth.records

    def need_share(need, day):
        open_ = r.filter(
            (pl.col("setting_start") <= day)
            & (pl.coalesce("setting_end", pl.lit(dt.date(9999, 1, 1))) > day)
        )
        return open_.filter(pl.col("primary_need") == need).height / open_.height

    for need in ("ASD", "SEMH"):
        assert need_share(need, dt.date(2024, 1, 15)) > need_share(need, dt.date(2015, 6, 1))


def test_plans_rise_about_a_third_in_four_years(synth):
    totals = synth.aggregate.group_by("year").agg(pl.col("plans").sum()).sort("year")
    growth = (
        totals.filter(pl.col("year") == 2019)["plans"][0]
        / totals.filter(pl.col("year") == 2015)["plans"][0]
        - 1
    )
    assert 0.2 < growth < 0.45  # London: +31% over four years


def test_some_looked_after_children_get_plans():
    class Csc:  # the shape of carecast.synth.SynthResult the generator reads
        children = pl.DataFrame(
            {
                "council": "Lewisham",
                "child_id": [f"LAC-{i}" for i in range(400)],
                "dob": [dt.date(2008, 1, 1) + dt.timedelta(days=9 * i) for i in range(400)],
            }
        )

    res = synthetic(["Lewisham"], (2019, 2024), seed=2, csc=Csc())
    linked = res.records.filter(pl.col("child_id").str.starts_with("LAC-"))
    share_ = linked["child_id"].n_unique() / 400
    assert 0.15 < share_ < 0.35
    dob = dict(zip(Csc.children["child_id"], Csc.children["dob"], strict=True))
    assert all(dob[c] == d for c, d in linked.select("child_id", "dob").unique().iter_rows())


def test_same_seed_same_records():
    a = synthetic(1, (2020, 2022), seed=5).records
    b = synthetic(1, (2020, 2022), seed=5).records
    assert a.equals(b)
