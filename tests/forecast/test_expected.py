"""The expected path's band-by-band propagation against stepping every child one step at a time."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.forecast import DemandModel
from carecast.forecast.expected import entrants_path, propagate, step_matrices


def _child_by_child(p, age_b, dur_b, times, step, n_age):
    """The plain forward equation: every child's distribution multiplied step by step."""
    out = np.zeros((times.size, n_age, p.shape[1]))
    for i, t in enumerate(times):
        age = (age_b <= t).sum(axis=1)
        dur = (dur_b <= t).sum(axis=1)
        p = np.where((age < n_age)[:, None], p, 0.0)
        age_c = np.minimum(age, n_age - 1)
        for child in range(p.shape[0]):
            out[i, age_c[child]] += p[child]
            p[child] = p[child] @ step[age_c[child], dur[child]]
    return out


def _substochastic(rng, shape):
    """Random transition blocks whose rows sum to at most 1 (the rest leaves care)."""
    raw = rng.random(shape)
    return raw / raw.sum(axis=-1, keepdims=True) * rng.uniform(0.7, 1.0, size=shape[:-1] + (1,))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 12),
    n_age=st.integers(1, 4),
    n_dur=st.integers(1, 3),
    n_t=st.integers(1, 30),
)
def test_propagation_by_band_matches_stepping_each_child(seed, n, n_age, n_dur, n_t):
    rng = np.random.default_rng(seed)
    n_cat, step_days = 3, 7.0
    times = np.arange(n_t) * step_days
    p = rng.dirichlet(np.ones(n_cat), size=n)
    # boundaries before, inside and after the horizon, some exactly on a step date
    age_b = np.sort(rng.choice(np.arange(-40, 8 * n_t), size=(n, n_age)).astype(float), axis=1)
    dur_b = np.sort(rng.choice(np.arange(-20, 8 * n_t), size=(n, n_dur - 1)).astype(float), axis=1)
    step = _substochastic(rng, (n_age, n_dur, n_cat, n_cat))
    got = propagate(p, age_b, dur_b, times, step, n_age)
    want = _child_by_child(p.copy(), age_b, dur_b, times, step, n_age)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_entrants_path_is_the_delayed_sum_of_profiles():
    """Entrants of step k are in care ``n - 1 - k`` steps later at step date n."""
    rng = np.random.default_rng(3)
    profile = rng.random((6, 2, 3))
    per_step = rng.random(6)
    got = entrants_path(profile, per_step)
    want = np.zeros_like(profile)
    for n in range(1, 6):
        for k in range(n):
            want[n] += per_step[k] * profile[n - 1 - k]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([1e-4, 0.05, 1.0, 30.0]))
def test_step_matrices_are_substochastic_and_compose(seed, scale):
    """From any hazards, one step's in-care block moves probability without creating it (rows
    non-negative, summing to at most 1: the rest has left care), and two steps of Δ are one of 2Δ."""
    space = DemandModel().space
    rng = np.random.default_rng(seed)
    rates = rng.random((space.n_age * space.n_cat * space.n_dur, space.n_cat + 1)) * scale / 365.25
    one, two = step_matrices(space, rates, 7.0), step_matrices(space, rates, 14.0)
    assert (one >= -1e-12).all() and (one.sum(axis=-1) <= 1 + 1e-12).all()
    np.testing.assert_allclose(one @ one, two, rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([1e-5, 1e-2, 0.3, 5.0, 60.0]))
def test_generator_exp_matches_scipy_expm(seed, scale):
    """The uniformized exponential of the in-care block equals scipy's expm of the whole generator
    (leaving care is absorbing, so the in-care block of exp(Q) is exp of Q's in-care block)."""
    from scipy.linalg import expm

    from carecast.forecast.expected import generator_exp

    rng = np.random.default_rng(seed)
    n_cat = 6
    q = np.zeros((3, 2, n_cat + 1, n_cat + 1))
    q[:, :, :n_cat, :] = rng.gamma(0.5, scale, size=(3, 2, n_cat, n_cat + 1)) * (
        rng.random((3, 2, n_cat, 1)) < 0.9
    )
    diag = np.arange(n_cat)
    q[:, :, diag, diag] = 0.0
    q[:, :, diag, diag] = -q[:, :, :n_cat, :].sum(axis=3)
    want = expm(q)[:, :, :n_cat, :n_cat]
    got = generator_exp(q[:, :, :n_cat, :n_cat])
    assert np.allclose(got, want, rtol=1e-10, atol=1e-13)
    assert got.min() >= 0.0
