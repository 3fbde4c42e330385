"""The report's arithmetic reproduced from hand-made panels: every expected value is worked out
by hand in the test, from the definitions in Under pressure (DOMAIN.md §5.4)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from carecast.benchmark import budgets, contributions, neighbours, per_head, quadrants
from carecast.benchmark.regression import fit_line

from .benchmark_panels import panel_from as make_panel_


def test_in_year_deficit_pct_and_councils_in_deficit():
    wide = make_panel_(
        {
            ("Lewisham", 2017): {"csc_spend": 110.0, "csc_budget": 100.0},
            ("Lambeth", 2017): {"csc_spend": 90.0, "csc_budget": 100.0},
            ("Southwark", 2017): {"csc_spend": 300.0, "csc_budget": 200.0},
        }
    ).wide()
    detail, summary, _ = budgets.deficits(wide, [2017])
    by = {r["council"]: r for r in detail.iter_rows(named=True)}
    assert by["Lewisham"]["deficit_pct"] == pytest.approx(0.10)
    assert by["Lambeth"]["deficit_pct"] == pytest.approx(-0.10)
    assert by["Southwark"]["deficit_gbp"] == 100.0
    assert [by[c]["in_deficit"] for c in ("Lewisham", "Lambeth", "Southwark")] == [
        True,
        False,
        True,
    ]
    pooled = summary.filter(
        pl.col("basis").str.starts_with("all") & (pl.col("service") == "csc")
    ).row(0, named=True)
    # Σ deficit / Σ budget = (10 - 10 + 100) / 400
    assert pooled["deficit_pct"] == pytest.approx(100 / 400)
    assert pooled["n"] == 3 and pooled["n_in_deficit"] == 2


def test_outturn_against_next_years_budget():
    wide = make_panel_(
        {
            ("Lewisham", 2017): {"csc_spend": 120.0, "hn_spend": 50.0},
            ("Lewisham", 2018): {"csc_budget": 110.0, "hn_budget": 60.0},
            ("Lambeth", 2017): {"csc_spend": 100.0, "hn_spend": 70.0},
            ("Lambeth", 2018): {"csc_budget": 105.0, "hn_budget": 60.0},
        }
    ).wide()
    detail, summary, _ = budgets.forward_risk(wide, [2017, 2018])
    csc = {r["council"]: r for r in detail.filter(pl.col("service") == "csc").iter_rows(named=True)}
    assert csc["Lewisham"]["gap_gbp"] == 10.0 and csc["Lewisham"]["exceeds_next_budget"]
    assert csc["Lambeth"]["gap_gbp"] == -5.0 and not csc["Lambeth"]["exceeds_next_budget"]
    either = summary.filter(pl.col("service") == "either").row(0, named=True)
    assert (either["n"], either["n_exceeding"]) == (2, 2)  # Lewisham on CSC, Lambeth on high needs
    hn = summary.filter(pl.col("service") == "hn").row(0, named=True)
    assert hn["exceeding_share"] == pytest.approx(0.5)


def test_spend_per_head_and_per_deprived_child_with_ranks():
    wide = make_panel_(
        {
            ("Lewisham", 2017): {
                "csc_spend": 3000.0,
                "population_0_25": 10.0,
                "deprived_0_25": 2.0,
            },
            ("Lambeth", 2017): {"csc_spend": 5000.0, "population_0_25": 10.0, "deprived_0_25": 5.0},
            ("Southwark", 2017): {
                "csc_spend": 3000.0,
                "population_0_25": 10.0,
                "deprived_0_25": 1.0,
            },
        }
    ).wide()
    detail, summary, cov = per_head.levels(wide, 2017)
    head = detail.filter((pl.col("service") == "csc") & (pl.col("figure") == "spend_per_head"))
    ranks = dict(zip(head["council"], head["rank"], strict=True))
    assert ranks == {"Lambeth": 1, "Lewisham": 2, "Southwark": 2}  # ties share the higher rank
    s = summary.filter((pl.col("service") == "csc") & pl.col("basis").str.contains("per head")).row(
        0, named=True
    )
    assert (s["min_spend"], s["max_spend"], s["max_council"]) == (300.0, 500.0, "Lambeth")
    assert s["mean_spend"] == pytest.approx((300 + 500 + 300) / 3)
    assert s["pooled_spend"] == pytest.approx(11000 / 30)
    dep = summary.filter(
        (pl.col("service") == "csc") & pl.col("basis").str.contains("deprived")
    ).row(0, named=True)
    assert (dep["min_spend"], dep["max_spend"]) == (1000.0, 3000.0)
    # high needs has no figures: its coverage says n = 0 and who is missing what
    hn = next(c for c in cov if c.figure.startswith("High needs") and "per head" in c.figure)
    assert hn.n == 0 and "no hn_spend" in hn.excluded["Lewisham"]


def test_change_per_head_controls_for_population():
    wide = make_panel_(
        {
            ("Lewisham", 2014): {"csc_spend": 1000.0, "population_0_25": 10.0},
            ("Lewisham", 2015): {"csc_spend": 1100.0, "population_0_25": 11.0},
            ("Lewisham", 2016): {"csc_spend": 1320.0, "population_0_25": 12.0},
            ("Lambeth", 2014): {"csc_spend": 2000.0, "population_0_25": 10.0},
            ("Lambeth", 2015): {"csc_spend": 2000.0, "population_0_25": 10.0},
            ("Lambeth", 2016): {"csc_spend": 2200.0, "population_0_25": 11.0},
        }
    ).wide()
    detail, summary, _ = per_head.changes(wide, [2014, 2015, 2016])
    d = {r["council"]: r for r in detail.filter(pl.col("service") == "csc").iter_rows(named=True)}
    # Lewisham: spend rose 32% but population 20%: 1320/12 - 1000/10 = 110 - 100
    assert d["Lewisham"]["spend_per_head_change"] == pytest.approx(10.0)
    assert d["Lewisham"]["per_head_change_pct"] == pytest.approx(0.10)
    # Lambeth: spend +10%, population +10%: per head unchanged (counts as "fell or flat")
    assert d["Lambeth"]["spend_per_head_change"] == pytest.approx(0.0)
    s = summary.filter(pl.col("service") == "csc").row(0, named=True)
    assert (s["n"], s["n_rose"], s["n_fell_or_flat"]) == (2, 1, 1)
    assert s["mean_spend_per_head_change"] == pytest.approx(5.0)


def test_r_squared_of_an_exact_line_is_one():
    x = np.array([1.0, 2.0, 5.0, 7.0, 11.0])
    fit = fit_line(x, 3.0 + 2.0 * x)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-12)
    assert (fit.slope, fit.intercept) == pytest.approx((2.0, 3.0))


def test_r_squared_worked_by_hand():
    # x̄ = 1, ȳ = 2/3; Sxy = 1, Sxx = 2, Syy = 2/3 → R² = 1 / (2 · 2/3) = 3/4, slope = 1/2
    fit = fit_line([0.0, 1.0, 2.0], [0.0, 1.0, 1.0])
    assert fit.r_squared == pytest.approx(0.75, abs=1e-15)
    assert fit.slope == pytest.approx(0.5) and fit.intercept == pytest.approx(1 / 6)


def test_r_squared_is_nan_when_x_does_not_vary():
    assert math.isnan(fit_line([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]).r_squared)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=3, max_size=30))
def test_r_squared_against_scipy(points):
    x, y = np.array(points).T
    if np.ptp(x) < 1e-6 or np.ptp(y) < 1e-6:
        return
    ref = stats.linregress(x, y)
    fit = fit_line(x, y)
    assert fit.r_squared == pytest.approx(ref.rvalue**2, rel=1e-9, abs=1e-12)
    assert 0.0 <= fit.r_squared <= 1.0 + 1e-12


def test_quadrant_assignment():
    # (LAC first, LAC last, spend first, spend last) with population 100 throughout
    plan = {
        "Lewisham": (100, 90, 1000, 900),
        "Lambeth": (100, 90, 1000, 1200),
        "Southwark": (100, 120, 1000, 800),
        "Greenwich": (100, 130, 1000, 1300),
        "Camden": (100, 100, 1000, 1000),
    }
    records = {}
    for c, (l0, l1, s0, s1) in plan.items():
        records[(c, 2014)] = {"lac": l0, "csc_spend": s0, "population_0_25": 100}
        records[(c, 2015)] = {"lac": l1, "csc_spend": s1, "population_0_25": 100}
    assigned, summary, _, cov = quadrants.quadrants(make_panel_(records).wide(), [2014, 2015])
    q = dict(zip(assigned["council"], assigned["quadrant"], strict=True))
    assert q["Lewisham"] == quadrants.quadrant_label(False, False)
    assert q["Lambeth"] == quadrants.quadrant_label(False, True)
    assert q["Southwark"] == quadrants.quadrant_label(True, False)
    assert q["Greenwich"] == quadrants.quadrant_label(True, True)
    assert q["Camden"] == quadrants.quadrant_label(False, False)  # no change = fell or flat
    assert summary["n"].sum() == 5 and cov[0].n == 5
    both_rose = summary.filter(pl.col("quadrant") == quadrants.quadrant_label(True, True)).row(
        0, named=True
    )
    assert both_rose["lac_change_pct"] == pytest.approx(0.30)


def test_quadrant_component_growth():
    comps = ["s251_3_1_11", "s251_3_2_1", "s251_3_3_4", "s251_3_4_6", "s251_3_5_3"]
    first = dict(zip(comps, [100.0, 10.0, 20.0, 50.0, 20.0], strict=True))
    last = dict(zip(comps, [120.0, 10.0, 20.0, 60.0, 20.0], strict=True))
    records = {
        ("Lewisham", 2014): {"lac": 10, "csc_spend": 200, "population_0_25": 10, **first},
        ("Lewisham", 2015): {"lac": 9, "csc_spend": 230, "population_0_25": 10, **last},
    }
    _, _, growth, _ = quadrants.quadrants(make_panel_(records).wide(), [2014, 2015])
    g = dict(zip(growth["component"], growth["growth_pct"], strict=True))
    assert g["s251_3_1_11"] == pytest.approx(0.20) and g["s251_3_4_6"] == pytest.approx(0.20)
    assert g["s251_3_2_1"] == 0.0
    assert set(growth["quadrant"]) == {quadrants.quadrant_label(False, True)}


def test_contribution_shares():
    comps = ["s251_3_1_11", "s251_3_2_1", "s251_3_3_4", "s251_3_4_6", "s251_3_5_3"]
    first = [100.0, 10.0, 20.0, 50.0, 20.0]
    change = [30.0, 0.0, 10.0, 60.0, 0.0]  # total change 100
    records = {
        ("Lewisham", 2014): dict(zip(comps, first, strict=True)),
        ("Lewisham", 2015): {c: f + d for c, f, d in zip(comps, first, change, strict=True)},
    }
    table, cov = contributions.contributions(
        make_panel_(records).wide(), ["csc_spend"], [2014, 2015]
    )
    share = dict(zip(table["component"], table["contribution_share"], strict=True))
    assert share == pytest.approx(
        {
            "s251_3_1_11": 0.3,
            "s251_3_2_1": 0.0,
            "s251_3_3_4": 0.1,
            "s251_3_4_6": 0.6,
            "s251_3_5_3": 0.0,
        }
    )
    assert table.filter(pl.col("component") == "s251_3_1_11")["growth_pct"].item() == pytest.approx(
        0.3
    )
    assert cov[0].n == 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(1, 1e6), min_size=5, max_size=5),
    st.lists(st.floats(-1e5, 1e6), min_size=5, max_size=5),
)
def test_contribution_shares_sum_to_one(first, change):
    comps = ["s251_3_1_11", "s251_3_2_1", "s251_3_3_4", "s251_3_4_6", "s251_3_5_3"]
    if abs(sum(change)) < 1.0:
        return
    records = {
        ("Lewisham", 2014): dict(zip(comps, first, strict=True)),
        ("Lewisham", 2015): {c: f + d for c, f, d in zip(comps, first, change, strict=True)},
    }
    table, _ = contributions.contributions(make_panel_(records).wide(), ["csc_spend"], [2014, 2015])
    assert table["contribution_share"].sum() == pytest.approx(1.0)


def test_neighbour_rank_one_is_highest():
    records = {
        (c, 2017): {"s251_3_1_11": v * 1000, "population_0_17": 1000.0}
        for c, v in {"Lewisham": 371, "Lambeth": 400, "Southwark": 300, "Greenwich": 371}.items()
    }
    summary, detail, _ = neighbours.compare(
        make_panel_(records).wide(), "Lewisham", ["Lambeth", "Southwark", "Greenwich"], 2017
    )
    row = summary.filter(pl.col("measure") == "s251_3_1_11").row(0, named=True)
    assert row["council_value"] == pytest.approx(371.0)
    assert (row["rank"], row["of"]) == (2, 4)
    assert row["neighbour_mean"] == pytest.approx((400 + 300 + 371) / 3)
