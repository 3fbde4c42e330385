"""Entrant trends: flat, fitted (Poisson regression) and per child population."""

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.forecast.entrants import DAYS_PER_YEAR, EntrantModel, Population, load_population
from carecast.forecast.params import defaults


def _entries(rng, per_year, growth, years=3.0):
    """Entry times (days before the start) from a log-linear intensity with known annual growth."""
    grid = np.arange(-years * DAYS_PER_YEAR, 0.0)
    rate = per_year / DAYS_PER_YEAR * (1 + growth) ** (grid / DAYS_PER_YEAR)
    counts = rng.poisson(rate)
    return np.repeat(grid, counts) + rng.random(counts.sum()), years * DAYS_PER_YEAR


def test_flat_rate_is_entries_over_days():
    days, window = _entries(np.random.default_rng(1), 200, 0.0)
    model = EntrantModel("flat", half_life_years=0).fit(days, window)
    assert model.rate(np.array([0.0, 1000.0])) == pytest.approx(np.full(2, days.size / window))
    draws = model.draw(np.random.default_rng(2), 4000, np.array([0.0]))
    assert draws.mean() == pytest.approx(days.size / window, rel=0.02)
    assert draws.std() == pytest.approx(np.sqrt(days.size) / window, rel=0.1)


def test_weighted_flat_rate_is_nearer_a_drifting_rate_at_the_start():
    # 15% a year growth over 3 years: the plain average describes the rate ~1.5 years back
    days, window = _entries(np.random.default_rng(7), 3000, 0.15)
    now = 3000 / DAYS_PER_YEAR
    plain = EntrantModel("flat", half_life_years=0).fit(days, window).rate(np.array([0.0]))[0]
    model = EntrantModel("flat", half_life_years=1.5).fit(days, window)
    weighted = model.rate(np.array([0.0]))[0]
    # what the weights should give for this intensity: ∫ w(t) r(t) dt / ∫ w(t) dt
    t = np.linspace(-window, 0.0, 20_001)
    w = 2.0 ** (t / (1.5 * DAYS_PER_YEAR))
    r = now * 1.15 ** (t / DAYS_PER_YEAR)
    assert weighted == pytest.approx(np.trapezoid(w * r, t) / np.trapezoid(w, t), rel=0.03)
    assert plain < weighted < now
    # the bands pay for the weighting: Gamma(λD, D) with D the effective window, shorter than the window
    assert 0.5 * window < model.effective_days_ < window
    draws = model.draw(np.random.default_rng(8), 4000, np.array([0.0]))
    assert draws.std() == pytest.approx(np.sqrt(weighted / model.effective_days_), rel=0.1)
    assert model.describe()["weighted_entries_per_year"] == pytest.approx(weighted * DAYS_PER_YEAR, abs=0.01)


def test_weighted_flat_rate_agrees_with_the_average_when_nothing_drifts():
    days, window = _entries(np.random.default_rng(9), 2000, 0.0)
    weighted = EntrantModel("flat", half_life_years=1.5).fit(days, window).rate(np.array([0.0]))[0]
    assert weighted == pytest.approx(days.size / window, rel=0.06)


def test_default_half_life_comes_from_the_model_parameters():
    days, window = _entries(np.random.default_rng(10), 500, 0.0)
    model = EntrantModel("flat").fit(days, window)
    assert model.half_life_years == defaults().entry_half_life_years > 0
    assert model.describe()["entry_half_life_years"] == defaults().entry_half_life_years


def test_negative_half_life_is_rejected():
    with pytest.raises(ParameterError, match="half-life"):
        EntrantModel("flat", half_life_years=-1).fit(np.zeros(3), 1000.0)


def test_fitted_trend_recovers_known_growth():
    days, window = _entries(np.random.default_rng(3), 2000, 0.10)
    model = EntrantModel("fitted").fit(days, window)
    assert model.describe()["annual_growth_pct"] == pytest.approx(10.0, abs=2.5)
    ahead = model.rate(np.array([DAYS_PER_YEAR])) / model.rate(np.array([0.0]))
    assert ahead[0] == pytest.approx(1.10, abs=0.025)


def test_population_trend_scales_with_the_population():
    pop = Population(np.array([2020.0, 2030.0]), np.array([50_000.0, 100_000.0]), "test")
    days, window = _entries(np.random.default_rng(4), 300, 0.0)
    model = EntrantModel("population", population=pop, start_year=2023.5).fit(days, window)
    r_now, r_later = model.rate(np.array([0.0, 5 * DAYS_PER_YEAR]))
    assert r_later / r_now == pytest.approx(pop.at(np.array([2028.5]))[0] / pop.at(np.array([2023.5]))[0])
    assert model.describe()["entries_per_10000_children_per_year"] > 0


def test_population_file_is_read_and_checked(tmp_path):
    good = tmp_path / "pop.csv"
    good.write_text("council,year,population\nLewisham,2024,68000\nLewisham,2025,69000\nCroydon,2024,90000\n")
    pop = load_population(good, "Lewisham")
    assert pop.population.tolist() == [68000.0, 69000.0]
    missing = tmp_path / "bad.csv"
    missing.write_text("year,children\n2024,1\n")
    with pytest.raises(ParameterError, match=r"no column\(s\) \['population'\]"):
        load_population(missing)
    negative = tmp_path / "neg.csv"
    negative.write_text("year,population\n2024,-5\n")
    with pytest.raises(ParameterError, match="must be positive") as err:
        load_population(negative)
    assert err.value.where.row == 2
    with pytest.raises(ParameterError, match="does not exist"):
        load_population(tmp_path / "nope.csv")


def test_population_trend_needs_a_population():
    with pytest.raises(ParameterError, match="needs a population projection"):
        EntrantModel("population").fit(np.zeros(3), 1000.0)
