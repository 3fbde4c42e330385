"""Entrant trends: flat, fitted (Poisson regression) and per child population."""

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.forecast.entrants import EntrantModel, Population, load_population
from carecast.forecast.params import defaults
from carecast.plumbing.constants import DAYS_PER_YEAR


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
    # the bands pay for the weighting: Gamma(λD/φ, D/φ) with D the effective window, shorter than the
    # window (φ the monthly entries' dispersion, when above 1), times the monthly frailty (mean 1, var σ²)
    assert 0.5 * window < model.effective_days_ < window
    draws = model.draw(np.random.default_rng(8), 20_000, np.array([0.0]))
    d = model.effective_days_ / max(model.dispersion_, 1.0)
    var = (weighted**2 + weighted / d) * (1 + model.month_cv2_) - weighted**2
    assert draws.std() == pytest.approx(np.sqrt(var), rel=0.05)
    assert model.describe()["weighted_entries_per_year"] == pytest.approx(
        weighted * DAYS_PER_YEAR, abs=0.01
    )


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
    assert r_later / r_now == pytest.approx(
        pop.at(np.array([2028.5]))[0] / pop.at(np.array([2023.5]))[0]
    )
    assert model.describe()["entries_per_10000_children_per_year"] > 0


def test_population_file_is_read_and_checked(tmp_path):
    good = tmp_path / "pop.csv"
    good.write_text(
        "council,year,population\nLewisham,2024,68000\nLewisham,2025,69000\nCroydon,2024,90000\n"
    )
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


def _monthly(counts):
    """Entry times in the middle of consecutive months ending at the start, ``counts[i]`` in month i."""
    from carecast.plumbing.constants import DAYS_PER_MONTH as MONTH_DAYS

    n = len(counts)
    mid = -n * MONTH_DAYS + (np.arange(n) + 0.5) * MONTH_DAYS
    return np.repeat(mid, counts), n * MONTH_DAYS


def test_overdispersion_of_constructed_monthly_counts():
    # 5, 15, 15, 5 repeated over 36 months: a palindrome, so the fitted trend is flat at 10 a month;
    # Pearson χ² = 36 · 25/10 = 90 on 36 - 2 degrees of freedom
    days, window = _monthly([5, 15, 15, 5] * 9)
    model = EntrantModel("flat", half_life_years=0).fit(days, window)
    phi = 90 / 34
    assert model.dispersion_ == pytest.approx(phi)
    assert model.month_cv2_ == pytest.approx((phi - 1) / 10)
    assert model.describe()["monthly_entries_dispersion"] == pytest.approx(phi, abs=1e-3)
    # the rate's uncertainty is inflated by φ (quasi-Poisson): Gamma(λD/φ, D/φ)
    lam = days.size / window
    draws = model.draw(np.random.default_rng(3), 20_000, np.array([0.0]))
    frailty_var = model.month_cv2_
    expected_var = lam * phi / window + (lam**2 * phi / window * (1 / lam) + lam**2) * frailty_var
    assert draws.var() == pytest.approx(expected_var, rel=0.1)


def test_entry_dispersion_by_hand():
    from carecast.forecast.entrants import entry_dispersion

    assert entry_dispersion(np.array([5, 15, 15, 5]), np.full(4, 10.0)) == pytest.approx((5.0, 0.4))
    # no more variation than Poisson: φ < 1, and no frailty
    phi, cv2 = entry_dispersion(np.array([9, 10, 11, 10]), np.full(4, 10.0))
    assert phi == pytest.approx(0.2 / 2) and cv2 == 0.0
    assert entry_dispersion(np.array([3]), np.array([3.0])) == (1.0, 0.0)  # too few months to tell


def test_poisson_entries_keep_the_poisson_model():
    rng = np.random.default_rng(11)
    counts = np.array([10, 10, 10, 10] * 9)  # underdispersed: exactly steady
    days, window = _monthly(counts)
    model = EntrantModel("flat", half_life_years=0).fit(days, window)
    assert model.dispersion_ == pytest.approx(0.0, abs=1e-9) and model.month_cv2_ == 0.0
    draws = model.draw(rng, 4000, np.array([0.0]))
    assert draws.std() == pytest.approx(np.sqrt(days.size) / window, rel=0.1)
    # Poisson entries: the estimate is near 1 (sd of the estimate ~ sqrt(2/34) ≈ 0.24)
    days, window = _entries(np.random.default_rng(12), 3000, 0.0)
    assert 0.5 < EntrantModel("flat").fit(days, window).dispersion_ < 1.6


def test_monthly_frailty_is_shared_within_a_month_and_not_across():
    from carecast.plumbing.constants import DAYS_PER_MONTH as MONTH_DAYS

    days, window = _monthly([5, 15, 15, 5] * 9)
    model = EntrantModel("fitted").fit(days, window)
    t = np.array([1.0, 10.0, MONTH_DAYS + 1.0])  # two times in month 0, one in month 1
    base = np.ones((50_000, 3))
    g = model._frailty(np.random.default_rng(4), base, t)
    assert np.array_equal(g[:, 0], g[:, 1]) and not np.array_equal(g[:, 0], g[:, 2])
    assert g.mean() == pytest.approx(1.0, abs=0.01)
    assert g[:, 2].var() == pytest.approx(model.month_cv2_, rel=0.05)


def _coverage_of_next_year(model_of, n_rep=200, mu=20.0, cv2=0.1, seed=5):
    """Share of replicates whose next-12-month entries fall in the 90% band of the fitted model."""
    from carecast.plumbing.constants import DAYS_PER_MONTH as MONTH_DAYS

    rng = np.random.default_rng(seed)
    t = (np.arange(12) + 0.5) * MONTH_DAYS
    hits = []
    for _ in range(n_rep):
        counts = rng.poisson(mu * rng.gamma(1 / cv2, cv2, size=48))
        days, window = _monthly(counts[:36])
        model = model_of(days, window)
        sims = rng.poisson(model.draw(rng, 1000, t) * MONTH_DAYS).sum(axis=1)
        lo, hi = np.quantile(sims, [0.05, 0.95])
        hits.append(lo <= counts[36:].sum() <= hi)
    return float(np.mean(hits))


def test_overdispersed_entries_get_calibrated_bands():
    # monthly entries with a Gamma frailty (σ² = 0.1 at 20 a month: φ = 3): the fitted dispersion makes
    # the 90% band of next year's entries hold ~90% of them; a Poisson model's band holds far fewer
    def fitted(days, window):
        return EntrantModel("flat", half_life_years=0).fit(days, window)

    def poisson_only(days, window):
        model = fitted(days, window)
        model.dispersion_, model.month_cv2_ = 1.0, 0.0
        return model

    assert 0.82 <= _coverage_of_next_year(fitted) <= 0.96  # 0.90 on average over seeds 1-6
    assert _coverage_of_next_year(poisson_only) < 0.8
