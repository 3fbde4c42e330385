"""The demand model on hand-computable cases: exponential decay, exact ageing, conservation."""

import datetime as dt
import math
import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.errors import InsufficientDataError, ParameterError
from carecast.forecast import DemandModel, SparseDataWarning
from carecast.plumbing.constants import DAYS_PER_YEAR

from .conftest import make_episodes, process_council

pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")

START = dt.date(2023, 4, 1)
DOB = dt.date(2008, 6, 1)  # aged 11.8-14.8 in the window: one age band throughout


def _decay_rows():
    """Four children in in-house fostering since 2019; two leave inside the 2020-23 window."""
    base = {"decom": dt.date(2019, 1, 1), "dob": DOB, "category": "fostering_in_house"}
    return [
        base | {"child_id": "a", "dec": dt.date(2021, 4, 1), "rec": "E4A"},
        base | {"child_id": "b", "dec": dt.date(2022, 4, 1), "rec": "E11"},
        base | {"child_id": "c"},
        base | {"child_id": "d"},
    ]


@pytest.fixture(scope="module")
def decay_model():
    eps = make_episodes(_decay_rows(), data_end=START)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        return DemandModel(by_duration=False).fit(eps)


def test_exit_rate_is_occurrences_over_person_days(decay_model):
    """Window 1/4/2020-1/4/2023: a contributes 365 days, b 730, c and d 1095 each; 2 exits."""
    exit_rate = decay_model.rates_[:, decay_model.space.n_cat :].sum(axis=1)
    state = decay_model.space.index(3, 0, 0)  # age 10-15, fostering in-house
    assert decay_model.exposure_[state] == 365 + 730 + 1095 + 1095
    assert exit_rate[state] == pytest.approx(2 / 3285, rel=1e-12)
    assert decay_model.occurrences_.sum() == 2


def test_one_state_with_known_exit_rate_decays_as_exp_minus_rt(decay_model):
    r = 2 / 3285
    path = decay_model.expected_path(horizon_years=1).sum(axis=(1, 2))
    t = np.arange(path.size) * 7.0
    np.testing.assert_allclose(path, 2 * np.exp(-r * t), rtol=1e-9)
    sims = decay_model.simulate(horizon_years=1, n_sims=20_000, seed=5, parameter_uncertainty=False)
    mean = sims.sim_counts_.sum(axis=2).mean(axis=0)
    survive = np.exp(-r * t)
    se = np.sqrt(2 * survive * (1 - survive) / 20_000) + 1e-9
    assert np.all(np.abs(mean - 2 * survive) < 5 * se)


def test_child_moves_age_band_exactly_on_birthday_and_leaves_at_18():
    dob = dt.date(2007, 5, 17)  # 16 on 17/05/2023, 18 on 17/05/2025
    eps = make_episodes(
        [{"child_id": "x", "decom": dt.date(2019, 1, 1), "dob": dob, "category": "fostering_ifa"}],
        data_end=START,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        model = DemandModel(step_days=1).fit(eps)
    res = model.simulate(horizon_years=3, n_sims=3, seed=1)
    dates = np.asarray(res.dates_, dtype="datetime64[D]")
    band16 = res.age_bands.index("16-17")
    band10 = res.age_bands.index("10-15")
    sixteen, eighteen = np.datetime64("2023-05-17"), np.datetime64("2025-05-17")
    expect16 = ((dates >= sixteen) & (dates < eighteen)).astype(int)
    expect10 = (dates < sixteen).astype(int)
    for s in range(3):
        assert np.array_equal(res.sim_age_counts_[s, :, band16], expect16)
        assert np.array_equal(res.sim_age_counts_[s, :, band10], expect10)
    expected = model.expected_path(horizon_years=3).sum(axis=(1, 2))
    assert np.array_equal(expected > 0.5, dates < eighteen)


def test_person_days_equal_children_times_step_when_nobody_moves(decay_model):
    res = decay_model.simulate(horizon_years=1, n_sims=50, seed=2)
    stayers = res.sim_counts_[:, 1:, :] == res.sim_counts_[:, :-1, :]
    days, counts = res.sim_days_[:, :-1, :], res.sim_counts_[:, :-1, :]
    assert np.allclose(days[stayers], 7 * counts[stayers])
    assert np.all(
        res.sim_days_
        <= 7 * np.maximum(res.sim_counts_, np.roll(res.sim_counts_, -1, axis=1)) + 1e-6
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.floats(0.2, 3.0))
def test_flows_between_categories_conserve_children(seed, move_per_year):
    """With moves only (nobody leaves, nobody enters, nobody turns 18) the total never changes."""
    rng = np.random.default_rng(seed)
    cats = ["fostering_in_house", "fostering_ifa", "residential_external", "kinship"]
    rows, n = [], 12
    for i in range(n):  # each child moves at known dates inside the window, never exits
        t = dt.date(2019, 1, 1)
        cat = cats[i % 4]
        for _ in range(int(rng.poisson(move_per_year * 3)) + 1):
            nxt = t + dt.timedelta(days=int(rng.integers(30, 300)))
            if nxt >= START:
                break
            rows.append(
                {
                    "child_id": f"k{i}",
                    "decom": t,
                    "dec": nxt,
                    "rec": "X1",
                    "dob": DOB,
                    "category": cat,
                }
            )
            cat = cats[(cats.index(cat) + 1 + int(rng.integers(3))) % 4]
            t = nxt
        rows.append({"child_id": f"k{i}", "decom": t, "dob": DOB, "category": cat})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        model = DemandModel().fit(make_episodes(rows, data_end=START))
    res = model.simulate(horizon_years=1, n_sims=40, seed=seed)
    assert np.all(res.sim_counts_.sum(axis=2) == n)
    assert np.all(res.sim_age_counts_.sum(axis=2) == n)
    assert np.all(res.sim_month_states_.sum(axis=(2, 3)) == n)
    np.testing.assert_allclose(model.expected_path(1).sum(axis=(1, 2)), n, rtol=1e-9)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.floats(5, 80), st.floats(0.1, 2.0), st.floats(0.0, 2.0))
def test_no_negative_populations_and_consistent_breakdowns(seed, entries, exit_rate, move_rate):
    eps = process_council(
        seed=seed,
        start=dt.date(2018, 4, 1),
        years=5,
        entries_per_year=entries,
        exit_per_year=exit_rate,
        move_per_year=move_rate,
        categories=["fostering_in_house", "fostering_ifa", "supported"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        try:
            model = DemandModel().fit(eps)
        except InsufficientDataError:
            return
    res = model.simulate(horizon_years=2, n_sims=30, seed=seed)
    assert (
        res.sim_counts_.min() >= 0
        and res.sim_age_counts_.min() >= 0
        and res.sim_days_.min() >= -1e-6
    )
    assert res.expected_.min() >= 0
    assert np.array_equal(res.sim_counts_.sum(axis=2), res.sim_age_counts_.sum(axis=2))
    bands = res.summary()
    assert (bands["p5"] <= bands["p50"]).all() and (bands["p50"] <= bands["p95"]).all()


def test_expected_path_matches_simulation_mean(known_process):
    model = DemandModel().fit(known_process)
    res = model.simulate(horizon_years=2, n_sims=2000, seed=11, parameter_uncertainty=False)
    mean = res.sim_counts_.sum(axis=2).mean(axis=0)
    expected = res.expected_.sum(axis=(1, 2))
    assert np.max(np.abs(mean - expected) / expected) < 0.01


def test_estimates_recover_the_known_hazards(known_process):
    """The fixture's process has exit 0.8 and move 0.4 per child-year in every category."""
    rates = (
        DemandModel().fit(known_process).category_rates().filter(pl.col("child_years_at_risk") > 0)
    )
    assert rates.height == 3
    assert np.allclose(rates["exit_rate_per_year"], 0.8, rtol=0.2)
    assert np.allclose(rates["move_rate_per_year"], 0.4, rtol=0.3)


def test_parameter_uncertainty_widens_the_bands(known_process):
    model = DemandModel().fit(known_process)
    wide = model.simulate(horizon_years=3, n_sims=400, seed=1).sim_counts_.sum(axis=2)[:, -1]
    narrow = model.simulate(
        horizon_years=3, n_sims=400, seed=1, parameter_uncertainty=False
    ).sim_counts_.sum(axis=2)[:, -1]
    assert np.std(wide) > np.std(narrow)


def test_same_seed_same_numbers(known_process):
    model = DemandModel().fit(known_process)
    a = model.simulate(horizon_years=1, n_sims=50, seed=7).sim_counts_
    b = model.simulate(horizon_years=1, n_sims=50, seed=7).sim_counts_
    c = model.simulate(horizon_years=1, n_sims=50, seed=8).sim_counts_
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_short_breaks_and_uasc_are_set_aside_and_counted():
    rows = [r | {"category": "fostering_ifa"} for r in _decay_rows()]
    rows.append(
        {
            "child_id": "s",
            "decom": dt.date(2022, 1, 1),
            "dob": DOB,
            "category": "other",
            "is_short_break": True,
        }
    )
    rows.append(
        {
            "child_id": "u",
            "decom": dt.date(2022, 1, 1),
            "dob": DOB,
            "category": "supported",
            "is_uasc": True,
        }
    )
    eps = make_episodes(rows, data_end=START)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        included = DemandModel().fit(eps)
        excluded = DemandModel(uasc="exclude").fit(eps)
    assert included.current_.height == 3 and excluded.current_.height == 2
    assert "s" not in included.current_["child_id"].to_list()
    assert any("short break" in k for k in included.history.set_aside)
    assert any("UASC" in k for k in excluded.history.set_aside)
    assert "excluded" in excluded.assumptions()["exclusions"]["uasc"]


def test_summary_is_a_table_of_states_with_rates(decay_model):
    table = decay_model.summary
    assert table.height == decay_model.space.n_states
    assert table["exposure_days"].sum() == 3285
    per_year = table.filter(table["exposure_days"] > 0)["rate_exit:returned_home"].item()
    assert per_year == pytest.approx(1 / 3285 * DAYS_PER_YEAR, rel=1e-9)
    assert "right-censored" in repr(decay_model)


def test_start_after_the_data_end_is_refused():
    eps = make_episodes(_decay_rows(), data_end=START)
    with pytest.raises(ParameterError, match="after the end of the data"):
        DemandModel().fit(eps, start=dt.date(2024, 1, 1))


def test_too_little_history_for_the_window_says_how_much_there_is():
    eps = make_episodes(_decay_rows(), data_end=START)
    with pytest.raises(
        InsufficientDataError, match=r"4\.2 years of data.*too little history"
    ) as err:
        DemandModel(window_years=5).fit(eps)
    assert "--window-years" in err.value.fix


def test_reference_window_outside_the_data_is_refused():
    eps = make_episodes(_decay_rows(), data_end=START)
    with pytest.raises(ParameterError, match="outside the data"):
        DemandModel(window_years=1).fit(eps, start=dt.date(2018, 6, 1))


def test_no_episodes_is_insufficient_data():
    eps = make_episodes(_decay_rows(), data_end=START).head(0)
    with pytest.raises(InsufficientDataError, match="no episodes"):
        DemandModel().fit(eps)


def test_an_empty_category_is_a_warning_and_forecast_as_zero(decay_model):
    eps = make_episodes(_decay_rows(), data_end=START)
    with pytest.warns(SparseDataWarning, match="secure"):
        model = DemandModel().fit(eps)
    res = model.simulate(horizon_years=1, n_sims=20, seed=1)
    assert res.sim_counts_[:, :, res.categories.index("secure")].max() == 0
    assert "secure" in model.assumptions()["empty_categories"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon_years": 11}, "at most 10 years"),
        ({"horizon_years": 0}, "more than 0"),
        ({"n_sims": 0}, "1 to 100,000"),
    ],
)
def test_bad_projection_arguments_fail_early(decay_model, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        decay_model.simulate(**({"horizon_years": 1, "n_sims": 10} | kwargs))


def test_bad_model_options_fail_early():
    with pytest.raises(ParameterError, match="1 \\(daily\\) or 7"):
        DemandModel(step_days=3)
    eps = make_episodes(_decay_rows(), data_end=START)
    with pytest.raises(ParameterError, match="unknown entrant trend"), warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        DemandModel(trend="exponential").fit(eps)
    with pytest.raises(ParameterError, match="uasc"):
        DemandModel(uasc="maybe").fit(eps)


def test_unfitted_model_says_so():
    with pytest.raises(ParameterError, match="not been fitted"):
        DemandModel().simulate()
    assert "not fitted" in repr(DemandModel())


def test_known_rate_uses_calendar_window(decay_model):
    lo, hi = decay_model.window_
    assert (lo, hi) == (dt.date(2020, 4, 1), START)
    assert math.isclose((hi - lo).days, 1095)


@pytest.mark.parametrize("step_days", [1, 7])
def test_last_month_of_the_horizon_is_simulated(decay_model, step_days):
    model = DemandModel(by_duration=False, step_days=step_days).fit(decay_model.history)
    res = model.simulate(horizon_years=2, n_sims=5, seed=1)
    assert res.month_dates_[-1] == dt.date(2025, 4, 1)
    assert res.sim_month_states_[:, -1].sum() > 0
    assert (
        len(res.dates_) * step_days > (res.month_dates_[-1] - res.start).days
    )  # steps cover the last month


def test_entry_half_life_reaches_the_entrant_model(known_process):
    plain = DemandModel(entry_half_life_years=0).fit(known_process)
    n, window = plain.entrant_model_.n_entries_, plain.entrant_model_.window_days_
    assert plain.entrant_model_.rate(np.array([0.0]))[0] == pytest.approx(n / window)
    weighted = DemandModel(entry_half_life_years=1.5).fit(known_process)
    assert weighted.assumptions()["entrants"]["entry_half_life_years"] == 1.5
    assert weighted.entrant_model_.effective_days_ < window


def test_time_in_a_category_runs_from_the_first_of_its_consecutive_episodes():
    """A change of legal status is a new episode, not a new placement; a change of category or a new
    period of care restarts the clock scenarios count 'weeks in a category' on."""
    from carecast.forecast.prepare import care_history
    from carecast.schema import load_categories

    d = dt.date
    dob = d(2010, 1, 1)
    rows = [
        {
            "child_id": "a",
            "decom": d(2020, 1, 1),
            "dec": d(2021, 1, 1),
            "rec": "X1",
            "category": "fostering_in_house",
        },
        {
            "child_id": "a",
            "decom": d(2021, 1, 1),
            "dec": d(2022, 1, 1),
            "rec": "P1",
            "category": "fostering_in_house",
        },
        {
            "child_id": "a",
            "decom": d(2022, 1, 1),
            "dec": d(2022, 6, 1),
            "rec": "E11",
            "category": "residential_external",
        },
        {"child_id": "a", "decom": d(2023, 6, 1), "category": "residential_external"},
    ]
    history = care_history(
        make_episodes([r | {"dob": dob} for r in rows], data_end=d(2024, 3, 31)),
        categories=load_categories(),
    )
    since = history.episodes.sort("decom").get_column("category_since").to_list()
    assert since == [d(2020, 1, 1), d(2020, 1, 1), d(2022, 1, 1), d(2023, 6, 1)]
    assert history.episodes.sort("decom").get_column("period_start").to_list() == [
        d(2020, 1, 1)
    ] * 3 + [d(2023, 6, 1)]
