"""The compiled kernel against the NumPy engine, the reference: the same events, so the same
counts where nothing is random, and the same distribution (means and bands within Monte Carlo
error) where everything is."""

import numpy as np
import pytest

from carecast.forecast import DemandModel
from carecast.forecast.engine import AgeTable, Cohort, path_tables
from carecast.forecast.states import StateSpace
from carecast.schema import load_categories

pytest.importorskip("numba")
pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")


def test_with_no_events_both_engines_count_the_same_children_to_the_day():
    """Zero hazards: children only age, leave at 18 and reach the horizon, so the counts on every
    step and month date and the person-days must be identical, not just close."""
    space = StateSpace.build(load_categories())
    origin = np.datetime64("2024-03-31")
    rng = np.random.default_rng(0)
    n, m = 400, 3
    dob = origin - rng.integers(0, 18 * 365, n).astype("timedelta64[D]")
    cohort = Cohort(
        cat=rng.integers(0, space.n_cat, n),
        dob=dob,
        period_start=-rng.uniform(0, 2000, n),
        category_since=np.zeros(n),
        t0=np.where(rng.random(n) < 0.3, rng.uniform(0, 700, n), 0.0),
        sim=rng.integers(0, m, n),
    )
    total = np.zeros((m, space.n_states))
    cumprob = np.ones((m, space.n_states, space.n_cat + 1))
    horizon, step = 728.0, 7.0
    month_grid = np.arange(0.0, 700.0, 30.5).round()
    ages = AgeTable.covering(space, dob, origin)
    numpy_tables = path_tables(
        space,
        cohort,
        total,
        cumprob,
        horizon,
        origin,
        np.random.default_rng(1),
        None,
        ages,
        step,
        104,
        month_grid,
        compiled=False,
    )
    kernel_tables = path_tables(
        space,
        cohort,
        total,
        cumprob,
        horizon,
        origin,
        np.random.default_rng(1),
        None,
        ages,
        step,
        104,
        month_grid,
        compiled=True,
    )
    for a, b in zip(numpy_tables[:4], kernel_tables[:4], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    left = [
        sorted(
            zip(e.sim.tolist(), e.state.tolist(), e.time.tolist(), e.aged_out.tolist(), strict=True)
        )
        for e in (numpy_tables[4], kernel_tables[4])
    ]
    assert left[0] == left[1] and left[0] and all(aged for *_, aged in left[0])  # only ageing out
    assert (
        numpy_tables[0][:, 0].sum() == (cohort.t0 == 0).sum()
    )  # everyone there at the start is counted
    assert numpy_tables[0][:, -1].sum() < n  # some leave at 18 (none leave otherwise)


def test_means_and_bands_agree_with_the_numpy_engine_within_monte_carlo_error(known_process):
    n = 1500
    runs = [
        DemandModel(compiled=compiled)
        .fit(known_process)
        .simulate(horizon_years=3, n_sims=n, seed=seed)
        for compiled, seed in ((False, 1), (True, 2))
    ]
    for name in ("sim_counts_", "sim_days_", "sim_month_states_", "sim_exits_"):
        reference, kernel = (getattr(r, name).astype(float) for r in runs)
        for axes in (tuple(range(2, reference.ndim)), None):
            a = reference.sum(axis=axes) if axes else reference
            b = kernel.sum(axis=axes) if axes else kernel
            a, b = a.reshape(n, a.shape[1], -1), b.reshape(n, b.shape[1], -1)
            sd = np.sqrt((a.var(axis=0) + b.var(axis=0)) / 2)
            se = sd * np.sqrt(2 / n)
            z = np.abs(a.mean(axis=0) - b.mean(axis=0)) / np.where(se > 0, se, 1)
            assert z.max() < 5.0, (name, float(z.max()))
            for q in (0.05, 0.5, 0.95):  # a quantile's standard error is about 1.2-2 sd / sqrt(n)
                gap = np.abs(np.quantile(a, q, axis=0) - np.quantile(b, q, axis=0))
                assert (gap <= np.maximum(6 * sd / np.sqrt(n) * 2.5, 1.0)).all(), (
                    name,
                    q,
                    float(gap.max()),
                )
    total = runs[0].sim_counts_.sum(axis=2)
    assert total[:, -1].std() > 1  # the comparison is of two real distributions


def test_the_kernel_is_reproducible_by_seed(known_process):
    model = DemandModel(compiled=True).fit(known_process)
    a, b = (model.simulate(horizon_years=1, n_sims=50, seed=9) for _ in range(2))
    np.testing.assert_array_equal(a.sim_counts_, b.sim_counts_)
    np.testing.assert_array_equal(a.sim_days_, b.sim_days_)
