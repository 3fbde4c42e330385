"""Historic cost from episodes: days × weekly / 7, split at 1 April, short breaks left out and counted."""

import datetime as dt

import polars as pl
import pytest

from carecast.costs.historic import actual_costs
from carecast.costs.mix import derive_cost_mix
from carecast.costs.unit_costs import default_unit_costs

UC = default_unit_costs().with_weekly(
    {"ifa": 700, "kinship": 70, "secure_welfare": 7000, "secure_remand": 1400},
    dt.date(2000, 4, 1),
    inflation=0.0,
)


def episodes(rows):
    cols = ["child_id", "decom", "dec", "cost_group", "category", "is_short_break"]
    df = pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])
    return df.with_columns(
        pl.lit("Lewisham").alias("council"), pl.lit(dt.date(2019, 3, 31)).alias("data_end")
    )


def test_episode_over_31_march_is_split_between_financial_years():
    eps = episodes(
        [("1", dt.date(2018, 3, 25), dt.date(2018, 4, 8), "ifa", "fostering_ifa", False)]
    )
    a = actual_costs(eps, UC).by_financial_year
    assert a["financial_year"].to_list() == ["2017-18", "2018-19"]
    assert a["days"].to_list() == [
        7,
        7,
    ]  # 25-31 March, 1-7 April (the day of leaving is not charged)
    assert a["cost"].to_list() == pytest.approx([700, 700])


def test_open_episode_runs_to_the_end_of_the_data_and_short_breaks_are_counted_out():
    eps = episodes(
        [
            ("2", dt.date(2018, 4, 1), None, "ifa", "fostering_ifa", False),
            ("3", dt.date(2018, 5, 1), dt.date(2018, 5, 3), "kinship", "kinship", True),
        ]
    )
    a = actual_costs(eps, UC)
    assert a.by_financial_year["days"].to_list() == [365]
    assert a.by_financial_year["cost"][0] == pytest.approx(700 / 7 * 365)
    assert a.excluded.filter(pl.col("reason").str.contains("short break"))["episodes"][0] == 1


def test_cost_mix_derived_from_episode_days():
    eps = episodes(
        [
            ("4", dt.date(2018, 4, 1), dt.date(2018, 5, 1), "secure_welfare", "secure", False),
            ("5", dt.date(2018, 4, 1), dt.date(2018, 5, 31), "secure_remand", "secure", False),
        ]
    )
    mix = derive_cost_mix(eps, start=dt.date(2018, 4, 1), end=dt.date(2019, 3, 31))
    assert mix["secure"]["secure_welfare"] == pytest.approx(30 / (30 + 60))
    assert mix["fostering_ifa"] == {"ifa": 1.0}  # no data: falls back to the rules' mapping


def test_actual_and_projected_side_by_side():
    import numpy as np

    from carecast.costs.historic import actual_and_projected
    from carecast.costs.projection import project_costs

    eps = episodes([("1", dt.date(2017, 4, 1), None, "ifa", "fostering_ifa", False)])
    proj = project_costs(
        [dt.date(2019, 4, 1) + dt.timedelta(weeks=k) for k in range(60)],
        ["fostering_ifa"],
        np.ones((5, 60, 1)),
        UC,
    )
    t = actual_and_projected(actual_costs(eps, UC), proj)
    assert t["financial_year"].to_list() == ["2017-18", "2018-19", "2019-20", "2020-21"]
    assert t["actual_cost"].to_list()[:2] == pytest.approx([700 / 7 * 365, 700 / 7 * 365])
    assert t["cost_mean"][2] == pytest.approx(700 / 7 * 366) and t["actual_cost"][2] is None
    assert t["projection_is_complete"].to_list()[2:] == [True, False]


def test_years_before_the_first_return_are_left_out_and_counted():
    eps = episodes([("1", dt.date(2015, 1, 1), None, "ifa", "fostering_ifa", False)]).with_columns(
        pl.lit(2018).alias("collection_year")
    )  # returns cover 2017-18 onwards; data_end 31 March 2019
    actual = actual_costs(eps, UC)
    a = actual.by_financial_year
    complete = dict(zip(a["financial_year"], a["is_complete"], strict=True))
    assert complete == {
        "2017-18": True,
        "2018-19": True,
    }  # not 2014-15 to 2016-17: no return covers them
    left_out = actual.excluded.filter(pl.col("reason").str.contains("before 2017-18"))
    assert left_out["episodes"].to_list() == [1]
    # two councils whose returns start in different years: the years only one covers stay, marked partial
    two = pl.concat(
        [
            eps,
            eps.with_columns(
                pl.lit("Other").alias("council"), pl.lit(2017).alias("collection_year")
            ),
        ]
    )
    b = actual_costs(two, UC).by_financial_year
    assert dict(zip(b["financial_year"], b["is_complete"], strict=True)) == {
        "2016-17": False,
        "2017-18": True,
        "2018-19": True,
    }
    assert (
        not actual_costs(
            episodes([("1", dt.date(2015, 1, 1), None, "ifa", "fostering_ifa", False)]), UC
        )
        .by_financial_year["is_complete"]
        .any()
    )  # no collection_year: coverage unknown
