"""Capacity arithmetic and the gap/plan on hand-made cases."""

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from carecast.errors import ParameterError
from carecast.sufficiency import parse_capacity, sufficiency_gap


def _months(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


BASE = {
    "as_at": "2025-04-01",
    "foster_households": {
        "current_households": 100,
        "approvals_per_year": 10,
        "deregistrations_per_year": 10,
        "children_per_household": 1.5,
        "utilisation": 0.8,
    },
    "homes": [
        {"name": "A", "category": "residential_in_house", "places": 4, "start": "2020-01-01"}
    ],
    "block_contracts": [
        {
            "name": "B",
            "category": "residential_external",
            "places": 6,
            "start": "2025-04-01",
            "end": "2026-03-31",
        }
    ],
}


def test_foster_places_are_households_times_children_times_utilisation():
    cap = parse_capacity(BASE, "t")
    p = cap.places([dt.date(2025, 4, 1), dt.date(2027, 4, 1)])
    foster = p.filter(pl.col("category") == "fostering_in_house")["places"].to_list()
    assert foster == pytest.approx([120.0, 120.0])  # approvals = deregistrations: flat
    block = p.filter(pl.col("category") == "residential_external")["places"].to_list()
    assert block == [6.0, 0.0]  # block contract ended


def test_deregistration_rate_tends_to_steady_state():
    data = {
        **BASE,
        "foster_households": {
            "current_households": 50,
            "approvals_per_year": 10,
            "deregistration_rate": 0.1,
        },
    }
    cap = parse_capacity(data, "t")
    h = cap.foster_households.households(np.array([0.0, 100.0]))
    assert h[0] == pytest.approx(50) and h[1] == pytest.approx(100, rel=1e-3)


def test_gap_and_plan_close_a_growing_fostering_shortfall():
    dates = _months(dt.date(2025, 4, 1), 36)
    t = np.array([(d - dt.date(2025, 4, 1)).days / 365.25 for d in dates])
    demand = pl.DataFrame(
        {
            "date": dates * 2,
            "category": ["fostering_in_house"] * 36 + ["residential_in_house"] * 36,
            "p50": list(120 + 12 * t) + [5.0] * 36,  # fostering demand grows 12 children a year
            "p90": list(130 + 12 * t) + [7.0] * 36,
        }
    )
    res = sufficiency_gap(demand, parse_capacity(BASE, "t"))
    fy = res.by_year.filter(pl.col("category") == "fostering_in_house")
    assert fy["financial_year"].to_list() == ["2025-26", "2026-27", "2027-28"]
    assert fy["gap_p50"].to_list()[-1] == pytest.approx(12 * t[-1], rel=1e-6)
    plan = res.plan.filter(
        (pl.col("category") == "fostering_in_house")
        & (pl.col("quantile") == "p50")
        & (pl.col("unit") == "households a year")
    )
    # 12 children a year / (1.5 × 0.8 = 1.2 places per household) = 10 households a year
    assert plan["amount"].to_list() == [10]
    assert (
        "= 10 a year" in plan["reason"][0] and "÷" in plan["reason"][0]
    )  # the arithmetic is shown
    # the plan really closes the gap
    cap = parse_capacity(BASE, "t")
    fixed = cap.places(dates, extra_approvals_per_year=10).filter(
        pl.col("category") == "fostering_in_house"
    )
    assert (fixed["places"].to_numpy() >= demand["p50"].to_numpy()[:36] - 1e-9).all()
    homes = res.plan.filter(pl.col("category") == "residential_in_house")
    assert homes.filter(pl.col("quantile") == "p50")["amount"].to_list() == [1]
    assert homes.filter(pl.col("quantile") == "p90")["amount"].to_list() == [3]


def test_a_shortfall_at_the_start_is_not_divided_by_a_month_of_approvals():
    """27 children short from the first month: approvals cannot close that in weeks, so the plan
    says the market places them meanwhile and asks for the approvals that close it a year on."""
    dates = _months(dt.date(2025, 4, 1), 36)
    demand = pl.DataFrame(
        {
            "date": dates,
            "category": ["fostering_in_house"] * 36,
            "p50": [150.0] * 36,
            "p90": [150.0] * 36,
        }
    )
    cap = parse_capacity(BASE, "t")
    have = cap.places(dates).filter(pl.col("category") == "fostering_in_house")["places"].to_numpy()
    res = sufficiency_gap(demand, cap)
    plan = res.plan.filter(
        (pl.col("category") == "fostering_in_house") & (pl.col("quantile") == "p50")
    )
    market = plan.filter(pl.col("unit") == "children")
    assert market["amount"].to_list() == [math.ceil(150 - have[:12].min() - 1e-9)]
    yearly = plan.filter(pl.col("unit") == "households a year")["amount"].to_list()
    assert (
        len(yearly) == 1 and yearly[0] < 40
    )  # was hundreds a year: the first month's gap over weeks of approvals
    fixed = cap.places(dates, extra_approvals_per_year=yearly[0]).filter(
        pl.col("category") == "fostering_in_house"
    )
    assert (fixed["places"].to_numpy()[12:] >= 150 - 1e-9).all()  # closed from a year on


def test_categories_without_own_capacity_are_spot_purchased():
    demand = pl.DataFrame(
        {"date": [dt.date(2025, 5, 1)], "category": ["fostering_ifa"], "p50": [40.2], "p90": [45.0]}
    )
    res = sufficiency_gap(demand, parse_capacity(BASE, "t"))
    row = res.plan.filter(pl.col("quantile") == "p90").row(0, named=True)
    assert row["amount"] == 45 and "market" in row["action"]


def test_bad_capacity_files_are_rejected_with_the_field():
    bad = {**BASE, "homes": [{"name": "A", "category": "castle", "places": 4}]}
    with pytest.raises(ParameterError, match="castle"):
        parse_capacity(bad, "t")
    bad = {
        **BASE,
        "block_contracts": [
            {
                "name": "B",
                "category": "residential_external",
                "places": 6,
                "start": "2026-01-01",
                "end": "2025-01-01",
            }
        ],
    }
    with pytest.raises(ParameterError, match="ends"):
        parse_capacity(bad, "t")
    with pytest.raises(ParameterError, match="p90"):
        sufficiency_gap(
            pl.DataFrame({"date": [dt.date(2025, 1, 1)], "category": ["x"], "p50": [1.0]}),
            parse_capacity(BASE, "t"),
        )
