"""Projected cost: exact day counts, FY boundaries, bands as quantiles of per-simulation totals."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.costs.mix import default_cost_mix
from carecast.costs.projection import project_costs
from carecast.costs.unit_costs import default_unit_costs
from carecast.errors import InputError

FLAT = default_unit_costs().with_weekly(
    {"ifa": 700, "in_house_fostering": 350, "secure_welfare": 7000, "secure_remand": 1400},
    dt.date(2000, 4, 1),
    inflation=0.0,
)


def weekly(start, n):
    return [start + dt.timedelta(weeks=k) for k in range(n)]


def test_one_child_for_a_year_costs_52_weeks():
    p = project_costs(weekly(dt.date(2024, 4, 1), 52), ["fostering_ifa"], np.ones((1, 52, 1)), FLAT)
    assert p.by_financial_year["cost_mean"].to_list() == pytest.approx([700 * 52])
    assert p.by_week["cost_mean"].to_list() == pytest.approx([700] * 52)


def test_step_straddling_31_march_is_split_at_new_years_price():
    uc = FLAT.with_weekly({"ifa": 700}, dt.date(2000, 4, 1), inflation=0.10)
    # step starts Thu 28 March 2024: 4 days (28-31 Mar) in 2023-24, 3 days (1-3 Apr) in 2024-25
    p = project_costs([dt.date(2024, 3, 28)], ["fostering_ifa"], np.ones((1, 1, 1)), uc)
    fy = p.by_financial_year
    assert fy["financial_year"].to_list() == ["2023-24", "2024-25"]
    price23 = uc.weekly_cost("ifa", dt.date(2024, 3, 31)) / 7
    price24 = uc.weekly_cost("ifa", dt.date(2024, 4, 1)) / 7
    assert price24 == pytest.approx(price23 * 1.1)
    assert fy["cost_mean"].to_list() == pytest.approx([4 * price23, 3 * price24])
    assert fy["days_covered"].to_list() == [4, 3]
    assert fy["is_complete"].to_list() == [False, False]


def test_quarters_are_financial_quarters():
    p = project_costs(weekly(dt.date(2024, 4, 1), 53), ["fostering_ifa"], np.ones((1, 53, 1)), FLAT)
    q = p.by_quarter
    assert q["quarter"].to_list()[:4] == [1, 2, 3, 4]
    assert q["quarter_start"].to_list()[:4] == [
        dt.date(2024, 4, 1),
        dt.date(2024, 7, 1),
        dt.date(2024, 10, 1),
        dt.date(2025, 1, 1),
    ]
    assert q["days_covered"].to_list()[:4] == [91, 92, 92, 90]
    assert q.filter(q["financial_year"] == "2024-25")["cost_mean"].sum() == pytest.approx(
        700 / 7 * 365
    )


def test_bands_are_quantiles_of_per_simulation_totals_not_sums_of_quantiles():
    rng = np.random.default_rng(7)
    counts = rng.poisson(3, size=(500, 52, 2)).astype(float)
    p = project_costs(
        weekly(dt.date(2024, 4, 1), 52), ["fostering_ifa", "fostering_in_house"], counts, FLAT
    )
    per_sim = (counts[:, :, 0] * 700 + counts[:, :, 1] * 350).sum(axis=1)
    row = p.by_financial_year.row(0, named=True)
    assert row["cost_p5"] == pytest.approx(np.percentile(per_sim, 5))
    assert row["cost_p95"] == pytest.approx(np.percentile(per_sim, 95))
    assert p.sim_by_financial_year_[:, 0] == pytest.approx(per_sim)
    by_cat = p.by_financial_year_category
    sum_of_p95 = by_cat["cost_p95"].sum()
    assert row["cost_p95"] < sum_of_p95  # independent categories: the total's band is narrower
    assert by_cat["cost_mean"].sum() == pytest.approx(row["cost_mean"])


def test_category_spanning_two_cost_groups_uses_mix():
    mix = default_cost_mix()
    assert mix["secure"] == {"secure_remand": 0.5, "secure_welfare": 0.5}
    own = {**mix, "secure": {"secure_welfare": 0.25, "secure_remand": 0.75}}
    p = project_costs(
        [dt.date(2024, 4, 1)], ["secure"], np.ones((1, 1, 1)), FLAT, category_cost_mix=own
    )
    assert p.by_week["cost_mean"][0] == pytest.approx(0.25 * 7000 + 0.75 * 1400)
    g = p.by_financial_year_cost_group
    assert g.filter(g["cost_group"] == "secure_welfare")["cost_mean"][0] == pytest.approx(1750)


def test_numpy_datetime_dates_work_like_python_dates():
    d = np.arange(
        np.datetime64("2024-04-01"), np.datetime64("2024-06-01"), np.timedelta64(7, "D")
    ).astype("datetime64[ns]")
    a = project_costs(d, ["fostering_ifa"], np.ones((1, len(d), 1)), FLAT)
    b = project_costs(
        d.astype("datetime64[D]").astype(dt.date).tolist(),
        ["fostering_ifa"],
        np.ones((1, len(d), 1)),
        FLAT,
    )
    assert a.by_month.equals(b.by_month)
    assert a.records()[0]["mean"] == pytest.approx(b.by_financial_year["cost_mean"][0])


@pytest.mark.parametrize(
    "counts,dates,cats,words",
    [
        (np.ones((1, 2)), weekly(dt.date(2024, 4, 1), 2), ["fostering_ifa"], "dimensions"),
        (np.ones((1, 3, 1)), weekly(dt.date(2024, 4, 1), 2), ["fostering_ifa"], "steps"),
        (np.ones((1, 2, 2)), weekly(dt.date(2024, 4, 1), 2), ["fostering_ifa"], "categories"),
        (-np.ones((1, 2, 1)), weekly(dt.date(2024, 4, 1), 2), ["fostering_ifa"], "negative"),
        (
            np.ones((1, 2, 1)),
            [dt.date(2024, 4, 8), dt.date(2024, 4, 1)],
            ["fostering_ifa"],
            "increasing",
        ),
    ],
)
def test_bad_arrays_give_clear_messages(counts, dates, cats, words):
    with pytest.raises(InputError, match=words):
        project_costs(dates, cats, counts, FLAT)


def test_unknown_category_without_mix_is_a_parameter_error():
    from carecast.errors import ParameterError

    with pytest.raises(ParameterError, match="no cost-group mix"):
        project_costs([dt.date(2024, 4, 1)], ["helicopter"], np.ones((1, 1, 1)), FLAT)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 9),
    st.dates(dt.date(2015, 1, 1), dt.date(2030, 1, 1)),
    st.integers(0, 2**31),
)
def test_every_period_table_adds_to_the_same_total(n_steps, gap, start, seed):
    counts = np.random.default_rng(seed).integers(0, 5, size=(3, n_steps, 2)).astype(float)
    dates = [start + dt.timedelta(days=gap * k) for k in range(n_steps)]
    p = project_costs(dates, ["fostering_ifa", "secure"], counts, default_unit_costs())
    total = p.by_week["cost_mean"].sum()
    for table in (p.by_month, p.by_quarter, p.by_financial_year):
        assert table["cost_mean"].sum() == pytest.approx(total)
        assert table["days_covered"].sum() == (n_steps * gap if n_steps > 1 else 7)


def test_daily_steps_are_summed_into_weeks():
    dates = [dt.date(2024, 4, 1) + dt.timedelta(days=k) for k in range(21)]
    p = project_costs(dates, ["fostering_ifa"], np.ones((2, 21, 1)), FLAT)
    assert p.by_week["week_start"].to_list() == [
        dt.date(2024, 4, 1),
        dt.date(2024, 4, 8),
        dt.date(2024, 4, 15),
    ]
    assert p.by_week["days"].to_list() == [7, 7, 7]
    assert p.by_week["cost_mean"].to_list() == pytest.approx([700, 700, 700])
