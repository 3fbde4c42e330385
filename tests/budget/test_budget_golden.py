"""Report figures rebuilt from their published inputs (seed_figures.yaml and the seed texts)."""

import datetime as dt
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml

from carecast.costs.budget.decomposition import (
    SpendYear,
    decompose_spend_change,
    implied_population_and_prices,
    load_decomposition_inputs,
)
from carecast.costs.budget.inputs import parse_plan
from carecast.costs.budget.outturn import monitor
from carecast.costs.budget.placements import read_register
from carecast.costs.budget.whatif import at_neighbours_mix, at_neighbours_rate, move_children
from carecast.costs.unit_costs import default_unit_costs
from carecast.plumbing.constants import WEEKS_PER_YEAR as WEEKS  # 365.25 days ÷ 7

from .budget_fixtures import write_csv

SEED = yaml.safe_load((Path(__file__).parent / "seed_figures.yaml").read_text())
LEW = SEED["unit_costs_per_week"]["lewisham_sept_2017"]
LEW18 = SEED["lewisham_2018"]
CCN = SEED["ccn_national"]  # YAML 1.1 reads keys like 2014_15 as the integer 201415
GROUP = {
    "residential": "external_residential",
    "agency_fostering": "ifa",
    "in_house_fostering": "in_house_fostering",
}


def test_placement_costs_against_lewisham_2018(tmp_path):
    """T9: 35 × £3,741 × 52 = £6.8m; 198 × £911 × 52 = £9.4m; 168 × £426 × 52 = £3.7m.

    Built as a placement register of 401 children open all year at the table's weekly costs and
    costed by the monitoring engine (365 days, so 52.14 weeks): each line rounds to the report's £m.
    """
    rows = []
    for key, group in GROUP.items():
        rows += [
            [f"{key}{i}", group, "", LEW[key]["weekly"], "2017-01-01", ""]
            for i in range(LEW[key]["children"])
        ]
    regs = read_register(
        write_csv(
            tmp_path / "t9.csv",
            ["child", "placement_type", "provider", "weekly_cost", "start", "planned_end"],
            rows,
        )
    )
    plan = parse_plan(
        {
            "council": "Lewisham",
            "financial_year": 2017,
            "lines": {k: {"budget": 0, "cost_groups": [g]} for k, g in GROUP.items()},
        },
        "t9.yaml",
    )
    m = monitor(plan, regs, default_unit_costs(), as_of=dt.date(2017, 9, 30))
    got = dict(zip(m.lines["line"], m.lines["forecast_outturn"], strict=True))
    for key in GROUP:
        assert LEW[key]["children"] * LEW[key]["weekly"] * 52 == pytest.approx(
            float(LEW[key]["annual_cost"]), abs=0.05e6
        )
        assert round(got[key] / 1e6, 1) == pytest.approx(float(LEW[key]["annual_cost"]) / 1e6)


def test_neighbour_rate_what_if_against_lewisham_2018():
    """71.8 vs 63.8 per 10,000 on 68,272 children → ~55 fewer LAC, ≈ £3.4m at current average cost.

    Average cost = placement forecast (budget £22.6m + £8.7m overspend) / 494 LAC (August 2018).
    """
    spend = (
        LEW18["budget_lines_m"]["placements"] + LEW18["forecast_overspend_m"]["placements"]
    ) * 1e6
    w = at_neighbours_rate(
        LEW18["lac_per_10k"]["lewisham"],
        LEW18["lac_per_10k"]["stat_neighbours"],
        LEW18["children_0_17"],
        placement_spend=spend,
        children=LEW18["lac_august"][2018],
    )
    assert round(w.fewer_children) == LEW18["neighbour_rate_what_if"]["fewer_children"]
    assert w.saving / 1e6 == pytest.approx(LEW18["neighbour_rate_what_if"]["saving_m"], abs=0.1)


def test_ccn_decomposition_volume_and_cost_halves_from_published_figures():
    """From 69,470 → 80,080 children and £1,040 → £1,265 a week alone: volume 46% (38+8), cost 54% (36+18)."""
    y0 = SpendYear(
        "2014-15",
        CCN["children_in_care"][2015],
        SEED["unit_costs_per_week"]["england_ccn"]["all_placements_2014_15"],
    )
    y1 = SpendYear(
        "2019-20",
        CCN["children_in_care"][2020],
        SEED["unit_costs_per_week"]["england_ccn"]["all_placements_2019_20"],
    )
    d = dict(
        zip(
            *decompose_spend_change(y0, y1)
            .select("driver", "share")
            .to_dict(as_series=False)
            .values(),
            strict=True,
        )
    )
    drivers = CCN["spend_growth_drivers"]
    assert d["more children"] + d["child population"] == pytest.approx(
        drivers["more_children"] + drivers["child_population"], abs=0.005
    )
    assert d["price inflation"] + d[
        "spend per child per week (mix and unit cost)"
    ] == pytest.approx(drivers["spend_per_child_per_week"] + drivers["price_inflation"], abs=0.005)
    assert y0.spend / 1e9 == pytest.approx(CCN["spend_bn"][201415], abs=0.05)
    assert y1.spend / 1e9 == pytest.approx(CCN["spend_bn"][201920], abs=0.05)


def test_ccn_decomposition_against_ccn_newton_2022():
    """The shipped CCN inputs file reproduces 38 / 36 / 18 / 8 (population and prices as implied; see file note)."""
    path = resources.files("carecast.costs").joinpath("data/ccn_england_2015_2020.yaml")
    y0, y1, meta = load_decomposition_inputs(path)
    d = dict(
        zip(
            *decompose_spend_change(y0, y1)
            .select("driver", "share")
            .to_dict(as_series=False)
            .values(),
            strict=True,
        )
    )
    drivers = CCN["spend_growth_drivers"]
    assert round(d["more children"], 2) == drivers["more_children"]
    assert (
        round(d["spend per child per week (mix and unit cost)"], 2)
        == drivers["spend_per_child_per_week"]
    )
    assert round(d["price inflation"], 2) == drivers["price_inflation"]
    assert round(d["child population"], 2) == drivers["child_population"]
    pop, infl = implied_population_and_prices(
        y0, y1, drivers["child_population"], drivers["price_inflation"]
    )
    assert (pop, infl) == pytest.approx((y1.child_population, y1.price_index), abs=1e-4)
    assert "does not publish" in meta["note"]


def test_decomposition_components_add_up_and_split_mix_from_unit_cost():
    y0 = SpendYear("a", 100, 1000, 1.0, 1.0, {"ifa": (50, 800), "external_residential": (50, 1200)})
    y1 = SpendYear("b", 120, 1210, 1.1, 1.1, {"ifa": (60, 880), "external_residential": (60, 1540)})
    d = decompose_spend_change(y0, y1)
    assert d["amount_gbp"].sum() == pytest.approx(y1.spend - y0.spend)
    got = dict(zip(d["driver"], d["amount_gbp"], strict=True))
    assert got["placement mix"] == pytest.approx(0.0)  # same 50/50 shares
    assert got["child population"] == pytest.approx(100 * 0.1 * 1210 * WEEKS)
    assert got["more children"] == pytest.approx((120 - 110) * 1210 * WEEKS)
    assert got["price inflation"] == pytest.approx(100 * 1000 * 0.1 * WEEKS)
    assert got["unit cost"] == pytest.approx(
        100 * (0.5 * (880 - 880) + 0.5 * (1540 - 1320)) * WEEKS
    )


def test_move_children_residential_to_fostering_saving_per_child():
    uc = default_unit_costs()
    on = dt.date(2017, 9, 1)
    m = move_children(5, "external_residential", "ifa", uc, on=on).row(0, named=True)
    assert m["saving_per_child_per_year"] == pytest.approx((3316 - 871) * WEEKS)
    assert m["saving_per_year"] == pytest.approx(5 * (3316 - 871) * WEEKS)
    ifa = move_children(
        10, "ifa", "in_house_fostering", uc, on=on, weekly_from=911, weekly_to=426
    ).row(0, named=True)
    assert ifa["saving_per_year"] == pytest.approx(10 * (911 - 426) * WEEKS)


def test_at_neighbours_mix_keeps_children_and_moves_cost():
    uc = default_unit_costs().with_weekly(
        {"external_residential": 3741, "ifa": 911, "in_house_fostering": 426}, dt.date(2017, 4, 1)
    )
    kids = {"external_residential": 35, "ifa": 198, "in_house_fostering": 168}
    df = at_neighbours_mix(kids, {"external_residential": 0.05}, uc, on=dt.date(2017, 9, 1))
    total = df.filter(df["cost_group"] == "total").row(0, named=True)
    assert total["children_at_neighbours_mix"] == pytest.approx(401)
    res = df.filter(df["cost_group"] == "external_residential").row(0, named=True)
    assert res["children_at_neighbours_mix"] == pytest.approx(0.05 * 401)
    assert total["saving_per_year"] > 0 and np.isfinite(total["saving_per_year"])


def test_decomposition_between_any_two_years_from_own_history():
    import polars as pl

    from carecast.costs.budget.decomposition import spend_years_from_actuals

    # 2021-22 and 2022-23 have 365 days (2023-24 has 29 February)
    hist = pl.DataFrame(
        {
            "fy": [2021, 2021, 2022, 2022],
            "cost_group": ["ifa", "external_residential"] * 2,
            "days": [365 * 10, 365 * 2, 365 * 12, 365 * 2],
            "cost": [365 * 10 * 100.0, 365 * 2 * 500.0, 365 * 12 * 110.0, 365 * 2 * 550.0],
        }
    )
    y0, y1 = spend_years_from_actuals(hist, 2021, 2022, price_ratio=1.1)
    assert (y0.children, y1.children) == pytest.approx((12, 14))
    assert y0.by_group["ifa"] == pytest.approx((10, 700))
    d = dict(
        zip(
            *decompose_spend_change(y0, y1)
            .select("driver", "amount_gbp")
            .to_dict(as_series=False)
            .values(),
            strict=True,
        )
    )
    assert d["unit cost"] == pytest.approx(0.0, abs=1e-6)  # every price rose exactly 10%
    assert d["price inflation"] == pytest.approx(12 * y0.weekly_cost * 0.1 * WEEKS)
    assert sum(d.values()) == pytest.approx(y1.spend - y0.spend)


def test_shipped_t9_example_matches_the_report():
    t9 = yaml.safe_load(
        resources.files("carecast.costs").joinpath("data/lewisham_t9.yaml").read_text()
    )["placements"]
    for key, group in GROUP.items():
        assert (t9[group]["children"], t9[group]["weekly"]) == (
            LEW[key]["children"],
            LEW[key]["weekly"],
        )
