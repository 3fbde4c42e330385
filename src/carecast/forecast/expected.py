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

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

from carecast.forecast.states import StateSpace
from carecast.plumbing.constants import DAYS_PER_YEAR

P = ParamSpec("P")
R = TypeVar("R")


def one_blas_thread(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with BLAS and LAPACK on one thread (threadpoolctl), whatever process it runs in.

    The expected path is thousands of tiny matrix products and ``expm`` solves (9 × 9). OpenBLAS
    hands each to its thread pool, and on a busy 2-core machine waiting for those threads made the
    path cost 0.3-0.45 CPU-s (2.5-3.6 s wall) per council instead of 0.02 CPU-s (measured
    2 Dec 2026, load 11). Worker processes already start with one BLAS thread (see
    :mod:`carecast.forecast.region`); this covers the command line, the web app and notebooks. The
    limit is set on entry and restored on exit (about 2 ms), so callers' own BLAS work is untouched.
    """

    @functools.wraps(fn)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return limited


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
    return generator_exp(q[:, :, :n_cat, :n_cat] * days)  # every (age, time) band at once


def generator_exp(q: np.ndarray, terms: int = 18) -> np.ndarray:
    """``expm`` of a stack of sub-generator matrices (off-diagonal >= 0, rows summing to <= 0).

    Uniformization with scaling and squaring: with ν >= max |q_ii| and ``q`` scaled by 2^-s so that
    ν <= 1, exp(q) = e^-ν Σ_k ν^k/k! Mᵏ where M = I + q/ν is non-negative, so every term is
    non-negative (no cancellation); 18 terms leave an error below 1e-17, and squaring s times
    undoes the scaling. The same numbers as ``scipy.linalg.expm`` to round-off (tested), without
    importing SciPy (~0.3 CPU-s per process, a tenth of a one-council forecast).
    """
    n = q.shape[-1]
    nu = float(np.abs(np.diagonal(q, axis1=-2, axis2=-1)).max(initial=0.0))
    squarings = max(0, int(np.ceil(np.log2(nu)))) if nu > 0 else 0
    nu_scaled = nu / 2.0**squarings
    eye = np.eye(n)
    if nu_scaled == 0:
        return np.broadcast_to(eye, q.shape).copy()
    m = eye + q / (2.0**squarings * nu_scaled)
    term = np.broadcast_to(eye, q.shape).copy()
    weight = np.exp(-nu_scaled)
    out = weight * term
    for k in range(1, terms + 1):
        term = term @ m
        weight *= nu_scaled / k
        out += weight * term
    for _ in range(squarings):
        out = out @ out
    return out


def propagate(
    p: np.ndarray,
    age_b: np.ndarray,
    dur_b: np.ndarray,
    times: np.ndarray,
    step: np.ndarray,
    n_age: int,
) -> np.ndarray:
    """Expected children per (age band, category) at each time: (len(times), n_age, n_cat).

    ``p`` (n, n_cat): category distribution at ``times[0]``; ``age_b``/``dur_b``: each child's band
    boundaries on the same clock (the last age boundary is the 18th birthday); the matrix of
    ``step[age band, time band]`` at ``times[i]`` carries a child to ``times[i + 1]``.

    A child's bands change only a few times, and the forward equation is linear, so children are
    not stepped one by one: each child adds its distribution to its (age band, time band) when it
    enters one and takes it away, propagated by a matrix power, when it leaves; the summed
    distribution of each band pair is then stepped once per time. The cost grows with children ×
    band changes plus times × band pairs, not children × times.
    """
    n, n_cat = p.shape
    n_t, n_dur = times.size, step.shape[1]
    n_pairs = n_age * n_dur
    per_pair = step.reshape(n_pairs, n_cat, n_cat)
    age_at = np.searchsorted(times, age_b, side="left")  # index of the first time in the next band
    dur_at = np.searchsorted(times, dur_b, side="left")
    starts = np.sort(np.hstack([np.zeros((n, 1), np.int64), age_at, dur_at]), axis=1)
    ends = np.hstack([starts[:, 1:], np.full((n, 1), n_t)])
    powers = np.empty((n_t + 1, n_pairs, n_cat, n_cat))  # powers[k, pair] = step[pair]^k
    powers[0] = np.eye(n_cat)
    for k in range(1, n_t + 1):
        powers[k] = powers[k - 1] @ per_pair
    change = np.zeros(
        (n_t + 1, n_pairs, n_cat)
    )  # distribution entering (+) and leaving (-) each pair
    q = p
    for j in range(starts.shape[1]):  # segments of constant bands, all children at once
        s, e = starts[:, j], ends[:, j]
        age = (age_at <= s[:, None]).sum(axis=1)
        dur = (dur_at <= s[:, None]).sum(axis=1)
        q = np.where((age < n_age)[:, None], q, 0.0)  # left care at 18: nothing more to add
        pair = np.minimum(age, n_age - 1) * n_dur + dur
        np.add.at(change, (s, pair), q)
        q = np.einsum("ni,nij->nj", q, powers[e - s, pair])
        np.add.at(change, (e, pair), -q)
    out = np.zeros((n_t, n_age, n_cat))
    state = change[0]
    for i in range(n_t):
        if i:
            state = np.einsum("ci,cij->cj", state, per_pair) + change[i]
        out[i] = state.reshape(n_age, n_dur, n_cat).sum(axis=1)
    return np.clip(out, 0.0, None)  # adding and taking away leaves round-off around zero


def entrant_profile_path(
    space: StateSpace,
    age_days: np.ndarray,
    cat: np.ndarray,
    rates: np.ndarray,
    step_days: float,
    n_steps: int,
) -> np.ndarray:
    """Mean (age band, category) occupancy of one entrant, (m + ½) steps after entering: (n_steps, n_age, n_cat)."""
    n = age_days.size
    if n == 0:
        return np.zeros((n_steps, space.n_age, space.n_cat))
    age_b = np.asarray(space.age_boundaries, float)[None, :] * DAYS_PER_YEAR - age_days[
        :, None
    ].astype(float)
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
    """Expected entrants in care at each step date: Σ_k w_k · profile(n - 1 - k).

    A direct convolution per (age band, category) cell: exact (no FFT round-off to clip) and fast
    enough even for daily steps over 10 years; scipy.signal's FFT took ~1 s to import in every process.
    """
    n_steps = profile.shape[0]
    flat = profile.reshape(n_steps, -1)
    out = np.zeros_like(flat)
    for j in range(flat.shape[1]):  # a few dozen cells, each one C-level convolution
        out[1:, j] = np.convolve(per_step, flat[:, j])[: n_steps - 1]
    return out.reshape(profile.shape)
