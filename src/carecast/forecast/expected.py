"""The expected (deterministic) path: the mean number of children in each state, from the rates.

Each child's age band and time-in-care band follow a known timetable, so only their category is
uncertain. Its distribution evolves by the Kolmogorov forward equation: over one step of length Δ
in age band a and time-in-care band d the category distribution is multiplied by
``P = expm(Q[a, d] · Δ)`` (Q the generator built from the hazards; exits leave the system).
Children in care at the start are followed one by one; entrants are followed once per entrant
profile (age at entry, first placement), assumed to enter mid-step, and summed over entry steps
by convolution with the expected entrants per step.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from carecast.forecast.states import StateSpace

DAYS_PER_YEAR = 365.25


def step_matrices(space: StateSpace, rates: np.ndarray, days: float) -> np.ndarray:
    """In-care block of the transition matrix over ``days`` per (age band, time band): (n_age, n_dur, n_cat, n_cat).

    ``rates[state, dest]``: hazards per day to each category then to exit (last column).
    """
    n_cat = space.n_cat
    per_state = rates.reshape(space.n_age, n_cat, space.n_dur, n_cat + 1).transpose(0, 2, 1, 3)
    q = np.zeros((space.n_age, space.n_dur, n_cat + 1, n_cat + 1))
    q[:, :, :n_cat, :] = per_state
    diag = np.arange(n_cat)
    q[:, :, diag, diag] = 0.0
    q[:, :, diag, diag] = -q[:, :, :n_cat, :].sum(axis=3)
    return expm(q * days)[:, :, :n_cat, :n_cat]  # one batched call for every (age, time) band


def propagate(p: np.ndarray, age_b: np.ndarray, dur_b: np.ndarray, times: np.ndarray,
              step: np.ndarray, n_age: int) -> np.ndarray:
    """Expected children per (age band, category) at each time: (len(times), n_age, n_cat).

    ``p`` (n, n_cat): category distribution at ``times[0]``; ``age_b``/``dur_b``: each child's band
    boundaries on the same clock (the last age boundary is the 18th birthday).
    """
    n, n_cat = p.shape
    out = np.zeros((times.size, n_age, n_cat))
    for i, t in enumerate(times):
        age = (age_b <= t).sum(axis=1)
        dur = (dur_b <= t).sum(axis=1) if dur_b.shape[1] else np.zeros(n, np.int64)
        p = np.where((age < n_age)[:, None], p, 0.0)
        age_c = np.minimum(age, n_age - 1)
        out[i] = np.eye(n_age)[age_c].T @ p
        p = np.einsum("ni,nij->nj", p, step[age_c, dur])
    return out


def entrant_profile_path(space: StateSpace, age_days: np.ndarray, cat: np.ndarray, rates: np.ndarray,
                         step_days: float, n_steps: int) -> np.ndarray:
    """Mean (age band, category) occupancy of one entrant, (m + ½) steps after entering: (n_steps, n_age, n_cat)."""
    n = age_days.size
    if n == 0:
        return np.zeros((n_steps, space.n_age, space.n_cat))
    age_b = np.asarray(space.age_boundaries, float)[None, :] * DAYS_PER_YEAR - age_days[:, None].astype(float)
    dur_b = np.repeat(np.asarray(space.duration_lowers[1:], float)[None, :], n, axis=0)
    p = np.zeros((n, space.n_cat))
    p[np.arange(n), cat] = 1.0
    half = step_matrices(space, rates, step_days / 2)
    age0 = np.minimum((age_b <= 0).sum(axis=1), space.n_age - 1)
    p = np.einsum("ni,nij->nj", p, half[age0, 0])
    times = (np.arange(n_steps) + 0.5) * step_days
    full = step_matrices(space, rates, step_days)
    return propagate(p, age_b, dur_b, times, full, space.n_age) / n


def entrants_path(profile: np.ndarray, per_step: np.ndarray) -> np.ndarray:
    """Expected entrants in care at each step date: Σ_k w_k · profile(n - 1 - k)."""
    n_steps = profile.shape[0]
    from scipy.signal import fftconvolve  # imported here: scipy.signal alone takes ~1.7 s to import

    conv = fftconvolve(per_step[:, None, None], profile, axes=0)[: n_steps - 1]
    out = np.zeros_like(profile)
    out[1:] = np.clip(conv, 0.0, None)
    return out
