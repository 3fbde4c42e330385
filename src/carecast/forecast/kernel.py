"""Compiled event loop (numba) that counts children's paths as it simulates them.

The NumPy engine (:func:`carecast.forecast.engine.run_paths`) advances every child of a batch
together, one event per pass, keeps every piece of every path (simulation, age band, category,
start, end), and then counts the pieces on the step and month grids with ``bincount``s. Compiled
naively (one child at a time, pieces still kept and counted afterwards) it was no faster: the time
went on writing and re-reading the pieces. Here each piece is counted the moment it ends, into
the same +1/-1 difference arrays the NumPy counting builds (children per category and per age band
on each step date, their start and end times for person-days, children per age band × category
on each month date), so nothing per piece is stored; :func:`carecast.forecast.engine.tables_from_diffs`
and :func:`~carecast.forecast.engine.counts_from_diff` finish both engines' arrays alike.

The events are the NumPy engine's: piecewise-constant hazards, a time-in-care boundary carrying the
rest of the exponential draw into the next band, a birthday starting a new draw, everyone leaving
at 18. Only the order of the random draws differs (child by child instead of event by event), so
for a seed the paths differ while their distribution is the same; ``tests/forecast/test_kernel.py``
checks means and bands agree within Monte Carlo error. Scenario levers stay on the NumPy engine,
the reference. ``cache=True`` keeps the machine code beside this module (or in
``NUMBA_CACHE_DIR``), so only the first process on a machine compiles it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _row_count(flat: np.ndarray, base: int, width: int, u: float) -> int:
    """How many of the non-decreasing ``flat[base:base + width]`` are <= ``u`` (binary search)."""
    lo, hi = 0, width
    while lo < hi:
        mid = (lo + hi) >> 1
        if flat[base + mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _count_piece(
    sim: int,
    age: int,
    cat: int,
    start: float,
    end: float,
    n_cat: int,
    step: float,
    n_steps: int,
    month_table: np.ndarray,
    by_cat: np.ndarray,
    by_age: np.ndarray,
    times: np.ndarray,
    by_month: np.ndarray,
) -> None:
    """Add one piece to the difference arrays, on the NumPy counting's grid rules: a piece counts on
    grid day g when start <= g < end."""
    ia = min(max(math.ceil(start / step), 0), n_steps)
    ib = min(max(math.ceil(end / step), 0), n_steps)
    by_cat[sim, cat, ia] += 1
    by_cat[sim, cat, ib] -= 1
    by_age[sim, age, ia] += 1
    by_age[sim, age, ib] -= 1
    times[sim, cat, ia] += start
    times[sim, cat, ib] -= end
    last = month_table.size - 1
    cell = age * n_cat + cat
    by_month[sim, cell, month_table[min(max(math.ceil(start), 0), last)]] += 1
    by_month[sim, cell, month_table[min(max(math.ceil(end), 0), last)]] -= 1


@njit(cache=True)
def count_paths(
    key0: np.ndarray,
    t0: np.ndarray,
    period_start: np.ndarray,
    a_row: np.ndarray,
    dur0: np.ndarray,
    age_flat: np.ndarray,
    lowers: np.ndarray,
    total_flat: np.ndarray,
    move_share: np.ndarray,
    to_category: np.ndarray,
    width: int,
    n_cat: int,
    n_dur: int,
    n_age: int,
    bits: int,
    horizon: float,
    step: float,
    n_steps: int,
    month_table: np.ndarray,
    rng: np.random.Generator,
    by_cat: np.ndarray,
    by_age: np.ndarray,
    times: np.ndarray,
    by_month: np.ndarray,
    exit_key: np.ndarray,
    exit_day: np.ndarray,
    aged_out: np.ndarray,
) -> int:
    """Simulate the live children given by their first key (``sim << bits | state``), start time,
    period start, row of the age table and time-in-care band, counting every piece of their paths
    into ``by_cat``, ``by_age``, ``times`` and ``by_month`` (see :func:`_count_piece`) and
    recording each exit from care (key of the state left, day, whether at 18) in ``exit_key``,
    ``exit_day`` and ``aged_out``; returns the number of exits.

    A piece ends where the child moves, leaves care, has a birthday or reaches the horizon; a
    time-in-care boundary changes the hazard but not the piece (as in the NumPy engine).
    """
    mask = (1 << bits) - 1
    per_age = n_cat * n_dur
    exits = 0
    for i in range(key0.size):
        key, t, dur = key0[i], t0[i], dur0[i]
        age = (key & mask) // per_age
        ps = period_start[i]
        row = a_row[i]
        next_age = age_flat[row + age]
        next_dur = ps + lowers[dur]
        piece_start = t
        while True:
            left = rng.standard_exponential()
            limit = min(next_age, horizon)
            event = False
            while (
                True
            ):  # through time-in-care bands until the draw is used or a birthday/horizon comes
                lam = total_flat[key]
                seg = min(next_dur, limit)
                if lam > 0.0 and t + left / lam < seg:
                    t = t + left / lam
                    event = True
                    break
                if next_dur < limit:
                    if lam > 0.0:
                        left = max(left - lam * (next_dur - t), 0.0)
                    t = next_dur
                    key += 1
                    dur += 1
                    next_dur = ps + lowers[dur]
                    continue
                t = limit
                break
            _count_piece(
                key >> bits,
                age,
                ((key & mask) // n_dur) % n_cat,
                piece_start,
                t,
                n_cat,
                step,
                n_steps,
                month_table,
                by_cat,
                by_age,
                times,
                by_month,
            )
            piece_start = t
            if event:
                u = rng.random()
                if u >= move_share[key]:  # leaves care
                    exit_key[exits], exit_day[exits], aged_out[exits] = key, t, False
                    exits += 1
                    break
                dest = _row_count(to_category, key * width, width, u)
                key += (dest - ((key & mask) // n_dur) % n_cat) * n_dur
                continue
            if t >= horizon:
                break
            age += 1  # a birthday: the next age band, or leaving care at 18; a new draw
            if age >= n_age:
                exit_key[exits], exit_day[exits], aged_out[exits] = key, t, True
                exits += 1
                break
            key += per_age
            next_age = age_flat[row + age]
    return exits
