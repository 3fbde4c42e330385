"""Entries that move: the persistent entry state's fit, and bands that widen with it."""

import numpy as np
import pytest

from carecast.forecast.entrants import EntrantModel
from carecast.forecast.persistence import (
    EntryPersistence,
    own_persistence,
    shared_persistence,
)
from carecast.forecast.trend_choice import choose_trend
from carecast.plumbing.constants import DAYS_PER_MONTH as MONTH_DAYS


def _line_fit(y: np.ndarray) -> np.ndarray:
    """Each row's log-linear fit (least squares on log counts), scaled to the row's total."""
    x = np.arange(y.shape[1])
    fit = np.array(
        [np.exp(np.polyval(np.polyfit(x, np.log(np.maximum(row, 0.5)), 1), x)) for row in y]
    )
    return fit * (y.sum(axis=1) / fit.sum(axis=1))[:, None]


def _region(rng, months, councils, shared, own, mean=40.0):
    """Monthly Poisson entries of councils sharing one persistent state, each with its own."""
    s = (
        shared.multipliers(rng.standard_normal((1, months)))
        if shared.present
        else np.ones((1, months))
    )
    o = (
        own.multipliers(rng.standard_normal((councils, months)))
        if own.present
        else np.ones((councils, months))
    )
    return rng.poisson(mean * s * o)


def test_shared_fit_recovers_known_persistence_and_variance():
    rng = np.random.default_rng(5)
    truth = EntryPersistence(0.02, 0.9)
    fits = [
        shared_persistence(y, _line_fit(y))[0]
        for y in (_region(rng, 120, 6, truth, EntryPersistence()) for _ in range(60))
    ]
    assert np.median([f.persistence for f in fits]) == pytest.approx(0.9, abs=0.08)
    assert np.median([f.variance for f in fits]) == pytest.approx(0.02, rel=0.35)


def test_own_fit_recovers_known_persistence_net_of_the_shared_state():
    rng = np.random.default_rng(6)
    shared, own = EntryPersistence(0.02, 0.9), EntryPersistence(0.015, 0.8)
    fits = []
    for _ in range(60):
        y = _region(rng, 120, 6, shared, own)
        fitted = _line_fit(y)
        state = shared_persistence(y, fitted)[0]
        fits += [own_persistence(y[i], fitted[i], state) for i in range(6)]
    assert np.median([f.persistence for f in fits]) == pytest.approx(0.8, abs=0.12)
    assert np.median([f.variance for f in fits]) == pytest.approx(0.015, rel=0.5)


def test_independent_poisson_months_show_no_persistence_mostly():
    rng = np.random.default_rng(7)
    found = [
        own_persistence(y[0], _line_fit(y)[0]).present
        for y in (rng.poisson(np.full((1, 36), 20.0)) for _ in range(200))
    ]
    assert np.mean(found) < 0.1  # a one-sided 5% test, conservative


def _entry_days(monthly: np.ndarray) -> tuple[np.ndarray, float]:
    """Entry times (days before the start) spread uniformly within each month of ``monthly`` counts."""
    months = monthly.size
    start = -months * MONTH_DAYS + np.arange(months) * MONTH_DAYS
    rng = np.random.default_rng(0)
    days = np.concatenate(
        [s + rng.random(n) * MONTH_DAYS for s, n in zip(start, monthly, strict=True)]
    )
    return days, months * MONTH_DAYS


def _cumulative_variance(model: EntrantModel, months: list[int]) -> np.ndarray:
    """Variance of simulated entries over the first ``months`` of the horizon (weekly steps)."""
    t = np.arange(0, max(months) * MONTH_DAYS, 7.0) + 3.5
    lam = model.draw(np.random.default_rng(3), 4000, t) * 7
    return np.array([lam[:, t < m * MONTH_DAYS].sum(axis=1).var() for m in months])


def test_bands_widen_with_the_horizon_when_entries_persist_and_not_when_they_do_not():
    rng = np.random.default_rng(11)
    persistent = rng.poisson(
        60 * EntryPersistence(0.03, 0.92).multipliers(rng.standard_normal((1, 36)))[0]
    )
    still = rng.poisson(np.full(36, 60.0))
    moving = EntrantModel("flat").fit(*_entry_days(persistent))
    steady = EntrantModel("flat").fit(*_entry_days(still))
    assert moving.persistence_.present and not steady.persistence_.present
    assert moving.describe()["entry_persistence"]["persistence_per_month"] > 0.5
    months = [3, 12, 24, 36]
    with_state = _cumulative_variance(moving, months)
    moving.persistence_ = EntryPersistence()
    extra = with_state - _cumulative_variance(moving, months)  # what the persistent state adds
    assert (np.diff(extra) > 0).all() and extra[-1] > 10 * extra[0]
    # relative to a Poisson count's own variance the addition grows too: the band widens
    means = 60 * np.array(months)
    assert (np.diff(extra / means) > 0).all()
    # without persistence in the window nothing is added
    before = _cumulative_variance(steady, months)
    steady.persistence_ = EntryPersistence()
    assert _cumulative_variance(steady, months) == pytest.approx(before)


def test_trend_choice_follows_the_windows_own_record():
    growing = np.round(20 * 1.04 ** np.arange(36)).astype(int)  # 4% a month, steady
    assert choose_trend(growing, 1.5)["chosen"] in ("fitted", "damped")
    level = np.tile([20, 22, 18, 21, 19, 20], 6)
    choice = choose_trend(level, 1.5)
    assert choice["chosen"] == "flat" and "rolling origins" in choice["reason"]
    assert set(choice["errors_pct"]) == {"flat", "damped", "fitted"}
