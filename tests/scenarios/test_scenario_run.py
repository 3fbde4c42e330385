"""Scenarios simulated with the same seeds on synthetic returns: the levers do what they say."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.costs import default_unit_costs
from carecast.scenarios import load_scenario, parse_scenario, run_scenarios
from carecast.scenarios.run import apply_unit_cost_levers

pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")
SIMS = 60
COST_PER_CHILD = 1000.0

CUT = f"""\
scenario: cut10
levers:
  - {{lever: reduce_entries, start: 2015-01-01, percent: 10, cost_per_child_supported: {COST_PER_CHILD}}}
"""
STEP_DOWN = """\
scenario: step_down
levers:
  - {lever: step_down, start: 2015-01-01, percent: 60, after_weeks: 4}
"""
EXITS = """\
scenario: exits
levers:
  - {lever: raise_exits, start: 2015-01-01, percent: 100}
"""


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    from carecast.ingest import load_returns
    from carecast.synth import generate

    path = tmp_path_factory.mktemp("synth")
    generate(path, councils=1, years=(2020, 2024), seed=1)
    return load_returns(path).episodes


@pytest.fixture(scope="module")
def comparison(episodes):
    scenarios = [
        load_scenario("baseline"),
        parse_scenario(CUT),
        parse_scenario(STEP_DOWN),
        parse_scenario(EXITS),
    ]
    return run_scenarios(episodes, scenarios, horizon_years=3, n_sims=SIMS, seed=11)


def test_reducing_entries_by_10_percent_reduces_simulated_entries_by_10_percent(comparison):
    """Tolerance: entries are thinned independently with p = 0.9, so the ratio's standard error is
    sqrt(0.09 / N) with N baseline entrants over all simulations (~0.003 here); we allow 0.015."""
    base, cut = comparison.runs[0], comparison.runs[1]
    n_base = base.sim_entrants_.sum()
    assert n_base > 2000
    assert cut.sim_entrants_.sum() / n_base == pytest.approx(0.9, abs=0.015)
    # common random numbers: the scenario's would-be entrants are the baseline's entrants exactly
    would_be = cut.result.sim_entrants_.sum() + cut.result.sim_prevented_.sum()
    assert would_be == n_base


def test_net_saving_is_gross_saving_minus_lever_cost(comparison):
    net = comparison.net_saving().filter(pl.col("scenario") == "cut10")
    assert net["net_saving_mean"].to_numpy() == pytest.approx(
        net["gross_saving_mean"].to_numpy() - net["lever_cost_mean"].to_numpy()
    )
    base, cut = comparison.runs[0], comparison.runs[1]
    per_sim = (base.sim_placement_cost_ - cut.sim_placement_cost_) - cut.sim_lever_cost_.sum(axis=2)
    whole = net.filter(pl.col("financial_year") == "whole horizon").row(0, named=True)
    assert whole["net_saving_mean"] == pytest.approx(per_sim.sum(axis=1).mean())
    # the band is of the per-simulation difference
    assert whole["net_saving_p5"] == pytest.approx(np.quantile(per_sim.sum(axis=1), 0.05))
    # lever cost = baseline entries × 10% × one child supported per baseline entry × £1,000
    baseline_entries = cut.result.sim_entrants_.sum() + cut.result.sim_prevented_.sum()
    assert cut.sim_lever_cost_.sum() == pytest.approx(baseline_entries * 0.10 * COST_PER_CHILD)
    assert whole["lever_cost_mean"] > 0 and whole["gross_saving_mean"] > 0


def test_step_down_moves_children_from_residential_to_in_house_fostering(comparison):
    cats = list(comparison.runs[0].result.categories)
    res, fih = cats.index("residential_external"), cats.index("fostering_in_house")
    base, step = comparison.runs[0].result, comparison.runs[2].result
    end_base = base.sim_counts_[:, -1].mean(axis=0)
    end_step = step.sim_counts_[:, -1].mean(axis=0)
    assert end_base[res] > 5
    assert end_step[res] < 0.6 * end_base[res]
    assert end_step[fih] > end_base[fih]
    # children move, they are not lost: the total is about the same
    assert end_step.sum() == pytest.approx(end_base.sum(), rel=0.05)


def test_raising_exits_reduces_children_in_care(comparison):
    base, exits = comparison.runs[0].result, comparison.runs[3].result
    assert (
        exits.sim_counts_[:, -1].sum(axis=1).mean()
        < 0.85 * base.sim_counts_[:, -1].sum(axis=1).mean()
    )


def test_same_seed_gives_identical_baseline(episodes, comparison):
    again = run_scenarios(
        episodes, [load_scenario("baseline")], horizon_years=3, n_sims=SIMS, seed=11
    )
    assert np.array_equal(again.runs[0].result.sim_counts_, comparison.runs[0].result.sim_counts_)
    other = run_scenarios(
        episodes, [load_scenario("baseline")], horizon_years=3, n_sims=SIMS, seed=12
    )
    assert not np.array_equal(
        other.runs[0].result.sim_counts_, comparison.runs[0].result.sim_counts_
    )


def test_common_random_numbers_scenarios_match_the_baseline_until_their_levers_start(
    episodes, comparison
):
    """Every child draws its own random numbers, so a scenario whose levers start a year in is the
    baseline, simulation by simulation, until then (and differs after)."""
    start = comparison.start
    late = load_scenario("ccn_optimised")
    late = late.model_copy(
        update={
            "levers": [
                lv.model_copy(update={"start": dt.date(start.year + 1, start.month, 1)})
                for lv in late.levers
            ]
        }
    )
    run = run_scenarios(
        episodes, [load_scenario("baseline"), late], horizon_years=3, n_sims=SIMS, seed=11
    )
    base, scen = run.runs[0].result, run.runs[1].result
    assert np.array_equal(base.sim_counts_, comparison.runs[0].result.sim_counts_)
    before = np.array([d < dt.date(start.year + 1, start.month, 1) for d in base.dates_])
    assert np.array_equal(base.sim_counts_[:, before], scen.sim_counts_[:, before])
    assert not np.array_equal(base.sim_counts_[:, ~before], scen.sim_counts_[:, ~before])


def test_unit_cost_lever_changes_prices_from_its_start():
    scenario = parse_scenario("""\
scenario: cheaper_ifa
levers:
  - {lever: unit_costs, start: 2026-04-01, weekly: {ifa: 500}, inflation: {ifa: 0.0}}
""")
    base = default_unit_costs()
    new = apply_unit_cost_levers(base, scenario)
    assert new.weekly_cost("ifa", dt.date(2026, 6, 1)) == pytest.approx(500)
    assert new.weekly_cost("ifa", dt.date(2028, 6, 1)) == pytest.approx(500)
    assert new.weekly_cost("ifa", dt.date(2025, 6, 1)) == pytest.approx(
        base.weekly_cost("ifa", dt.date(2025, 6, 1))
    )
    assert new.weekly_cost("kinship", dt.date(2027, 6, 1)) == base.weekly_cost(
        "kinship", dt.date(2027, 6, 1)
    )


def test_step_down_counts_weeks_from_when_a_child_entered_the_category():
    """ "After 4 weeks in residential" means 4 weeks in residential, not 4 weeks in care: of children
    in care for two years, those in residential for 10 weeks step down at once and those there for
    one week only after three more weeks."""
    from ..forecast.conftest import make_episodes

    start = dt.date(2024, 4, 1)
    rows = []
    for i in range(40):
        moved = start - dt.timedelta(days=70 if i < 20 else 7)
        dob = start - dt.timedelta(days=3650)
        rows.append(
            {
                "child_id": f"c{i}",
                "decom": start - dt.timedelta(days=730),
                "dec": moved,
                "rec": "P1",
                "category": "fostering_in_house",
                "dob": dob,
            }
        )
        rows.append(
            {"child_id": f"c{i}", "decom": moved, "category": "residential_external", "dob": dob}
        )
    episodes = make_episodes(rows, data_end=start)
    step = parse_scenario(
        "scenario: step\nlevers:\n"
        "  - {lever: step_down, start: 2020-01-01, percent: 100, after_weeks: 4,"
        " from_category: residential_external, to_category: fostering_in_house}\n"
    )
    comparison = run_scenarios(
        episodes,
        [load_scenario("baseline"), step],
        start=start,
        horizon_years=1,
        n_sims=40,
        seed=3,
        window_years=1,
    )
    cats = list(comparison.runs[0].result.categories)
    res = (
        comparison.runs[1].result.sim_counts_[:, :, cats.index("residential_external")].mean(axis=0)
    )
    base = (
        comparison.runs[0].result.sim_counts_[:, :, cats.index("residential_external")].mean(axis=0)
    )
    assert base[1] > 38  # without the lever nearly all stay
    # the ten-week group moved at the start; the one-week group stays until its fourth week there
    # (day 21); a few stepped-down children move back at the rate the window saw children go to residential
    assert res[0] == pytest.approx(20, abs=1) and 19 <= res[1] <= 23 and 19 <= res[2] <= 23
    assert res[3] < 0.25 * res[2]
