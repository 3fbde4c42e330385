"""Incomplete series: single-year figures use every council with that year's figures; trend
figures use only councils with every figure in every year, and each figure names who is in it
and who was left out and why (Under pressure, footnote 6)."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.benchmark import analyse
from carecast.benchmark.series import complete

from .benchmark_panels import panel_from

YEARS = [2014, 2015, 2016]


def _panel():
    records = {}
    for c, spend in {"Lewisham": 110.0, "Lambeth": 120.0, "Southwark": 130.0}.items():
        for i, y in enumerate(YEARS):
            records[(c, y)] = {
                "csc_spend": spend + i * 10,
                "csc_budget": 100.0,
                "population_0_25": 10.0,
                "lac": 50.0 + i,
                "population_0_17": 7.0,
            }
    records[("Southwark", 2015)]["csc_budget"] = None  # a gap in the middle of the series
    return panel_from(records)


def test_complete_names_the_gap():
    cov = complete(_panel().wide(), ["csc_spend", "csc_budget"], YEARS, "test")
    assert cov.n == 2 and cov.councils == ["Lambeth", "Lewisham"]
    assert cov.excluded == {"Southwark": "no csc_budget for 2015-16"}
    assert cov.row()["councils_excluded"] == "Southwark (no csc_budget for 2015-16)"


def test_single_year_figures_keep_the_council_trend_figures_drop_it():
    r = analyse(_panel(), "Lewisham")
    s = r.deficit_summary.filter(pl.col("service") == "csc")
    all_2016 = s.filter(pl.col("basis").str.starts_with("all") & (pl.col("year") == 2016)).row(
        0, named=True
    )
    all_2015 = s.filter(pl.col("basis").str.starts_with("all") & (pl.col("year") == 2015)).row(
        0, named=True
    )
    series_2016 = s.filter(
        pl.col("basis").str.starts_with("complete") & (pl.col("year") == 2016)
    ).row(0, named=True)
    assert all_2016["n"] == 3 and "Southwark" in all_2016["councils"]
    assert all_2015["n"] == 2 and "Southwark" not in all_2015["councils"]
    assert series_2016["n"] == 2 and "Southwark" not in series_2016["councils"]
    # pooled deficit over the complete series: (130 + 140 - 200) / 200
    assert series_2016["deficit_pct"] == pytest.approx(70 / 200)
    assert all_2016["deficit_pct"] == pytest.approx((130 + 140 + 150 - 300) / 300)


def test_every_figure_states_n_and_its_councils():
    r = analyse(_panel(), "Lewisham")
    cov = r.coverage_table()
    assert cov.height > 10
    assert (
        cov["n"]
        == cov["councils_included"].map_elements(
            lambda s: len([c for c in s.split("; ") if c]), return_dtype=pl.Int64
        )
    ).all()
    trend = cov.filter(
        pl.col("figure") == "Children's social care: spend vs budget, complete series"
    ).row(0, named=True)
    assert trend["n"] == 2 and "Southwark (no csc_budget for 2015-16)" in trend["councils_excluded"]
    # a measure nobody has gives n = 0, stated, not an error
    ehcp = cov.filter(pl.col("figure") == "Trend: Education, health and care plans (January)").row(
        0, named=True
    )
    assert ehcp["n"] == 0 and ehcp["n_excluded"] == 3


def test_regression_needs_enough_councils():
    r = analyse(_panel(), "Lewisham")
    row = r.regressions.filter(pl.col("regression") == "lac_rate_vs_csc_spend_per_head").row(
        0, named=True
    )
    assert row["n"] == 3 and row["r_squared"] is not None
    ehcp = r.regressions.filter(pl.col("regression") == "ehcp_growth_vs_hn_spend_growth").row(
        0, named=True
    )
    assert ehcp["n"] == 0 and ehcp["r_squared"] is None and "fewer than" in ehcp["note"]


def test_a_budget_only_year_is_next_year_not_a_gap():
    """Under pressure compares 2017-18 outturn with budgets set for 2018-19: a panel holding those
    budgets must not lose every council from the complete series for want of 2018-19 spend."""
    records = {}
    for c, spend in {"Lewisham": 120.0, "Lambeth": 90.0}.items():
        records[(c, 2016)] = {"csc_spend": spend - 10, "csc_budget": 100.0}
        records[(c, 2017)] = {"csc_spend": spend, "csc_budget": 100.0}
        records[(c, 2018)] = {"csc_budget": 105.0}
    r = analyse(panel_from(records), "Lewisham")
    assert r.years == [2016, 2017]
    series = r.deficit_summary.filter(
        pl.col("basis").str.starts_with("complete") & (pl.col("service") == "csc")
    )
    assert series["n"].to_list() == [2, 2]
    fwd = r.forward_risk_summary.filter(
        (pl.col("service") == "csc") & (pl.col("year") == 2017)
    ).row(0, named=True)
    assert (fwd["n"], fwd["n_exceeding"]) == (
        2,
        1,
    )  # Lewisham's 120 exceeds the 105 set for 2018-19
    assert r.forward_risk_by_council.filter(pl.col("year") == 2017)[
        "next_year_label"
    ].unique().to_list() == ["2018-19"]
