"""Exits by reason: competing risks drawn in proportion to the reason hazards, totals unchanged."""

import copy
import datetime as dt

import numpy as np
import pytest

from carecast.forecast import DemandModel
from carecast.forecast.engine import Exits, exits_by_reason

from .conftest import make_episodes

pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")

START = dt.date(2023, 4, 1)


def _rows():
    """Forty young children in foster care: a quarter return home, a quarter leave on an SGO, a
    quarter are adopted, the rest stay (censored); four teenagers who reach 18 in the horizon."""
    rows = []
    for i in range(40):
        decom = dt.date(2020, 4, 1) + dt.timedelta(days=20 * i)
        row = {
            "child_id": f"c{i}",
            "decom": decom,
            "dob": dt.date(2018, 1, 1),
            "category": "fostering_in_house",
        }
        end = decom + dt.timedelta(days=200 + 5 * i)
        if end < START and i % 4 < 3:
            row |= {"dec": end, "rec": ("E4A", "E45", "E11")[i % 4]}
        rows.append(row)
    for i in range(4):
        rows.append(
            {
                "child_id": f"t{i}",
                "decom": dt.date(2021, 1, 1),
                "dob": dt.date(2006, 6, 1 + i),
                "category": "fostering_ifa",
            }
        )
    return rows


@pytest.fixture(scope="module")
def model():
    return DemandModel(by_duration=False).fit(make_episodes(_rows(), data_end=START), start=START)


@pytest.fixture(scope="module")
def result(model):
    return model.simulate(horizon_years=3, n_sims=400, seed=11)


def test_exits_by_reason_are_int32_per_simulation_and_step(result):
    assert result.exit_reasons[-1] == "aged_out"
    assert {"returned_home", "special_guardianship", "adopted", "child_arrangements"} <= set(
        result.exit_reasons
    )
    assert result.sim_exits_.dtype == np.int32
    assert result.sim_exits_.shape == (result.n_sims, len(result.dates_), len(result.exit_reasons))


def test_children_in_care_change_by_entrants_less_exits_every_step(result):
    """Conservation: each step's count is the last one plus that step's entrants less its exits."""
    total = result.sim_counts_.sum(axis=2).astype(np.int64)
    flow = result.sim_entrants_.sum(axis=2) - result.sim_exits_.sum(axis=2)
    np.testing.assert_array_equal(total[:, 1:] - total[:, :-1], flow[:, :-1])


def test_teenagers_age_out_on_their_18th_birthday(result):
    """The four 16-year-olds reach 18 in June 2024 unless they leave first; nobody else can."""
    aged = result.sim_exits_[..., -1].sum(axis=1)
    assert aged.max() <= 4 + result.sim_entrants_.sum(axis=(1, 2)).max()
    assert aged.mean() > 2  # their only hazard is the IFA exit rate learnt from no exits: small


def test_each_exit_takes_a_reason_in_proportion_to_its_states_reason_hazards():
    """Two states with shares (0.2, 0.8) and (0.7, 0.3): the reasons drawn follow each state's own."""
    n = 20_000
    state = np.repeat([0, 1], n)
    exits = Exits(
        sim=np.zeros(2 * n, np.int64),
        state=state,
        time=np.full(2 * n, 3.0),
        aged_out=np.zeros(2 * n, bool),
    )
    shares = np.array([[[0.2, 0.8], [0.7, 0.3]]])
    counts = exits_by_reason(exits, shares, 1, 2, 7.0, np.random.default_rng(1))
    assert counts[0, 0, :2].sum() == 2 * n and counts[0, 1].sum() == 0 and counts[0, 0, 2] == 0
    first = exits_by_reason(
        Exits(exits.sim[:n], state[:n], exits.time[:n], exits.aged_out[:n]),
        shares,
        1,
        2,
        7.0,
        np.random.default_rng(2),
    )
    se = np.sqrt(0.2 * 0.8 / n)
    assert first[0, 0, 0] / n == pytest.approx(0.2, abs=5 * se)
    assert counts[0, 0, 0] / (2 * n) == pytest.approx((0.2 + 0.7) / 2, abs=5 * se)


def test_reason_shares_in_simulation_lie_between_those_of_the_states_children_leave_from(
    model, result
):
    """The children leave from in-house fostering aged 1-4 or 5-9 (all the exits seen were there), so
    each reason's simulated share is a mixture of those two states' fitted shares."""
    n_cat = model.space.n_cat
    states = [model.space.index(1, 0, 0), model.space.index(2, 0, 0)]
    fitted = model.rates_[states, n_cat:] / model.rates_[states, n_cat:].sum(axis=1, keepdims=True)
    first_year = result.sim_exits_[:, :52, :-1].sum(axis=(0, 1)).astype(float)
    share = first_year / first_year.sum()
    assert np.all(share >= fitted.min(axis=0) - 0.02)
    assert np.all(share <= fitted.max(axis=0) + 0.02)
    assert share[list(result.exit_reasons).index("child_arrangements")] == 0  # never seen, no prior


def test_splitting_the_exit_hazard_differently_leaves_every_count_identical(model, result):
    """Totals are the engine's as before: the reason of an exit is drawn from a stream of its own,
    so moving all the exit hazard to one reason changes which reasons are reported, not one count."""
    other = copy.copy(model)
    n_cat = model.space.n_cat
    shape = model.shape_.copy()
    exits = shape[:, n_cat:].sum(axis=1)
    shape[:, n_cat:] = 0.0
    shape[:, -1] = exits  # everything "other"
    other.shape_ = shape
    other.rates_ = shape / model.rate_
    again = other.simulate(horizon_years=3, n_sims=400, seed=11)
    np.testing.assert_array_equal(again.sim_counts_, result.sim_counts_)
    np.testing.assert_array_equal(again.sim_exits_.sum(axis=2), result.sim_exits_.sum(axis=2))
    assert again.sim_exits_[..., :-2].sum() == 0
    assert result.sim_exits_[..., :-2].sum() > 0


def test_without_parameter_uncertainty_totals_match_the_expected_path(model):
    """Within Monte Carlo error, the simulated mean follows the deterministic expected path."""
    r = model.simulate(horizon_years=2, n_sims=400, seed=3, parameter_uncertainty=False)
    total = r.sim_counts_.sum(axis=2)
    mean, se = total.mean(axis=0), total.std(axis=0) / np.sqrt(r.n_sims) + 1e-9
    expected = r.expected_.sum(axis=(1, 2))
    assert np.all(np.abs(mean - expected) < 5 * se + 0.5)
    assert r.sim_exits_.sum() > 0


def test_combined_results_sum_exits(result):
    from carecast.forecast.result import ForecastResult

    both = ForecastResult.combine([result, result])
    np.testing.assert_array_equal(both.sim_exits_, 2 * result.sim_exits_)


def test_exit_reason_backtest_sets_simulated_beside_actual_exits_on_synthetic_returns(tmp_path):
    """On a synthetic council, a year's exits by reason from 1 April 2022: every reason has a row,
    the simulated shares add to one, and the actual counts are what the returns hold."""
    from carecast.forecast.exit_reasons import actual_exits, exit_reason_backtest
    from carecast.forecast.prepare import care_history
    from carecast.ingest import load_returns
    from carecast.schema import load_categories
    from carecast.synth import generate

    generate(tmp_path, councils=1, years="2018-2024", seed=5)
    episodes = load_returns(tmp_path).episodes
    at = dt.date(2022, 4, 1)
    table = exit_reason_backtest(episodes, at, 12, n_sims=100, seed=1)
    assert table.height == 7
    assert table.get_column("simulated_share").sum() == pytest.approx(1.0, abs=1e-9)
    history = care_history(episodes, categories=load_categories())
    actual = actual_exits([history], at, dt.date(2023, 4, 1))
    assert table.get_column("actual_exits").sum() == actual.get_column("exits").sum() > 0
    aged = table.filter(table["reason"] == "Reached 18 in care").row(0, named=True)
    assert (
        aged["simulated_p5"] <= aged["actual_exits"] <= aged["simulated_p95"]
    )  # each 18th birthday counted
    sgo = table.filter(table["reason"] == "Special guardianship order")
    assert (
        sgo.get_column("actual_exits").item() > 0 and sgo.get_column("simulated_exits").item() > 0
    )
    # most reasons' actual counts fall in the simulated 90% band (the synthetic process is the model's kind)
    assert table.get_column("inside_90_band").sum() >= 4
