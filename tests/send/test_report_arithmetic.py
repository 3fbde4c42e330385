"""The Under pressure (Isos for London Councils, 2019) SEND arithmetic, from the shipped seed figures."""

import pytest
import yaml

from carecast.send.grant import average_cost_per_plan, deficit_pct, pct_change
from tests.paths import SEED_FIGURES

SEEDS = yaml.safe_load(SEED_FIGURES.read_text())
COSTS = SEEDS["send_costs_per_year"]


def _years(d):
    """YAML 1.1 reads a key like 2014_15 as the number 201415; key such tables by '2014_15' again."""
    return {(f"{str(k)[:4]}_{str(k)[4:]}" if isinstance(k, int) else k): v for k, v in d.items()}


LONDON = {
    k: _years(v) if isinstance(v, dict) else v for k, v in SEEDS["london_finance_2017_18"].items()
}


def test_ehcp_growth_against_under_pressure_2019():
    growth = pct_change(LONDON["ehcps"]["2014_15"], LONDON["ehcps"]["2017_18"])
    assert growth == pytest.approx(
        31.7, abs=0.05
    )  # "an increase from 41,000 ... to 54,000 – a 31% rise"
    spend = pct_change(
        LONDON["high_needs_spend_m"]["2014_15"], LONDON["high_needs_spend_m"]["2017_18"]
    )
    assert (
        round(spend) == 14
    )  # "a 31% increase in EHCPs compared with a 14% increase in expenditure"


def test_average_cost_per_plan_against_under_pressure_2019():
    fall = pct_change(
        COSTS["average_per_ehcp_placement_2014_15"], COSTS["average_per_ehcp_placement_2017_18"]
    )
    assert fall == pytest.approx(-10.8, abs=0.05)
    # the published totals point the same way: spend per plan fell as plans outgrew spend
    before = average_cost_per_plan(
        LONDON["high_needs_spend_m"]["2014_15"] * 1e6, LONDON["ehcps"]["2014_15"]
    )
    after = average_cost_per_plan(
        LONDON["high_needs_spend_m"]["2017_18"] * 1e6, LONDON["ehcps"]["2017_18"]
    )
    assert after < before
    assert pct_change(before, after) == pytest.approx((1.137 / 1.317 - 1) * 100, abs=0.3)


def test_in_year_deficit_pct_against_under_pressure_2019():
    # "in-year deficit ... 3% of the high needs allocation in 2014-15 to 7% in 2017-18"; allocations up £81m;
    # the 26 boroughs' shortfall £68m. Allocation 2014-15 = spend / 1.03.
    spend_14, spend_17 = (
        LONDON["high_needs_spend_m"]["2014_15"],
        LONDON["high_needs_spend_m"]["2017_18"],
    )
    alloc_14 = spend_14 / 1.03
    assert deficit_pct(spend_14, alloc_14) == pytest.approx(3.0)
    alloc_17 = alloc_14 + 81
    assert round(deficit_pct(spend_17, alloc_17)) == 7
    assert spend_17 - alloc_17 == pytest.approx(68, abs=0.5)
    # all of London: £77m was 7% of the allocation
    assert deficit_pct(1100 + LONDON["in_year_shortfall_m"]["high_needs"], 1100) == pytest.approx(
        7.0
    )


def test_default_costs_are_the_reports_figures():
    from carecast.send import default_annual_costs

    c = default_annual_costs()
    assert c.per_setting["special"] == COSTS["maintained_or_academy_special"]
    assert c.per_setting["inmss"] == COSTS["independent_non_maintained_special"]
    assert c.per_setting["mainstream"] == COSTS["mainstream_top_up"]
    assert all(c.references[s] for s in c.per_setting)
