"""Vectorised Monte Carlo of individual children moving between states in continuous time.

Hazards are constant within a state, and a child's age band and time-in-care band change only
at known moments (birthdays; fixed days after entering care), so each child's path is simulated
exactly: from time t in state s with total hazard λ_s, draw τ ~ Exp(λ_s); if t + τ comes before the
next boundary the child moves (destination drawn in proportion to the hazards) or leaves, else it
crosses the boundary and the draw starts again (memorylessness makes this exact). Children leave
on their 18th birthday. All children of a batch of simulations advance together, one event per
loop, so the loop runs as many times as the longest path has pieces, not once per child or day.

Every piece of a path is kept as (simulation, age band, category, start, end) and turned into
counts on any date grid with two ``bincount`` calls (+1 where a piece starts, -1 where it ends,
then a cumulative sum), and into person-days per step the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carecast.forecast.ages import birthdays
from carecast.forecast.states import StateSpace


@dataclass
class Cohort:
    """Children to simulate: first category (index), birth date, start of their period of care,
    and the time (days from the forecast start) from which they are simulated."""

    cat: np.ndarray
    dob: np.ndarray  # datetime64[D]
    period_start: np.ndarray  # float days from the forecast start
    t0: np.ndarray  # float days from the forecast start
    sim: np.ndarray  # simulation index within the batch


@dataclass
class Pieces:
    sim: np.ndarray
    age: np.ndarray
    cat: np.ndarray
    start: np.ndarray
    end: np.ndarray


def boundaries(space: StateSpace, cohort: Cohort, origin: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Per child: the days (from ``origin``) they change age band (last = leaves at 18) and time-in-care band."""
    ages = birthdays(cohort.dob, list(space.age_boundaries))
    age_b = (ages - origin).astype(np.float64)
    dur_b = cohort.period_start[:, None] + np.asarray(space.duration_lowers[1:], float)[None, :]
    return age_b, dur_b


def run_paths(space: StateSpace, cohort: Cohort, total: np.ndarray, cumprob: np.ndarray,
              horizon: float, origin: np.datetime64, rng: np.random.Generator) -> Pieces:
    """Simulate every child of ``cohort`` to exit, age 18 or ``horizon``; return the pieces of their paths.

    ``total[sim, state]`` is the total hazard per day; ``cumprob[sim, state, dest]`` the cumulative
    share of each destination (categories, then "leaves care"). Bands are tracked incrementally:
    crossing a boundary moves the child to the next band, so no per-step search is needed.
    """
    age_b, dur_b = boundaries(space, cohort, origin)
    n = cohort.cat.size
    age_b = np.hstack([age_b, np.full((n, 1), np.inf)])  # after 18: never reached (they leave)
    dur_b = np.hstack([dur_b, np.full((n, 1), np.inf)])
    n_cat, n_dur, exit_dest = space.n_cat, space.n_dur, space.n_cat
    n_age = space.n_age
    cat = cohort.cat.astype(np.int64).copy()
    t = cohort.t0.astype(np.float64).copy()
    age = (age_b <= t[:, None]).sum(axis=1)
    dur = (dur_b <= t[:, None]).sum(axis=1)
    idx = np.flatnonzero((t < horizon) & (age < n_age))
    out: list[tuple[np.ndarray, ...]] = []
    while idx.size:
        tt = t[idx]
        sim = cohort.sim[idx]
        a, d, c = age[idx], dur[idx], cat[idx]
        next_age = age_b[idx, a]
        next_dur = dur_b[idx, d]
        nxt = np.minimum(np.minimum(next_age, next_dur), horizon)
        state = (a * n_cat + c) * n_dur + d
        lam = total[sim, state]
        with np.errstate(divide="ignore"):
            tau = rng.standard_exponential(idx.size) / lam
        moves = tt + tau < nxt
        end = np.where(moves, tt + tau, nxt)
        out.append((sim, a, c, tt, end))
        t[idx] = end
        if moves.any():
            mv = idx[moves]
            u = rng.random(mv.size)
            cp = cumprob[sim[moves], state[moves]]
            dest = np.minimum((u[:, None] >= cp).sum(axis=1), exit_dest)
            stays = dest != exit_dest
            cat[mv[stays]] = dest[stays]
            moved = np.zeros(idx.size, bool)
            moved[np.flatnonzero(moves)[stays]] = True
        else:
            moved = np.zeros(idx.size, bool)
        crossed = ~moves
        age[idx] = a + (crossed & (end == next_age))
        dur[idx] = np.minimum(d + (crossed & (end == next_dur)), n_dur - 1)
        keep = moved | (crossed & (end < horizon) & (age[idx] < n_age))
        idx = idx[keep]
    if not out:
        empty = np.zeros(0)
        return Pieces(empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int64), empty, empty)
    cols = [np.concatenate(col) for col in zip(*out, strict=True)]
    return Pieces(*cols)


def grid_index(grid: np.ndarray, times: np.ndarray, step: float | None) -> np.ndarray:
    """Index of the first grid day on or after each time (``step`` set: a regular grid from 0).

    Grid days are whole days from 0, so an irregular grid is looked up through a table indexed by
    day rather than searched.
    """
    if step is None:
        days = np.arange(int(grid[-1]) + 2)
        table = np.searchsorted(grid, days, side="left")
        return table[np.clip(np.ceil(times), 0, days.size - 1).astype(np.int64)]
    return np.clip(np.ceil(times / step), 0, grid.size).astype(np.int64)


def counts_on(pieces: Pieces, grid: np.ndarray, n_sims: int, cell: np.ndarray, n_cells: int,
              step: float | None = None) -> np.ndarray:
    """Children in each cell (e.g. category) on each grid day: (n_sims, len(grid), n_cells).

    A piece counts on day g when start <= g < end (in care that day, left by the next).
    ``step`` marks a regular grid 0, step, 2·step, … (no search needed).
    """
    n_grid = grid.size
    a = grid_index(grid, pieces.start, step)
    b = grid_index(grid, pieces.end, step)
    size = n_sims * (n_grid + 1) * n_cells
    base = pieces.sim * (n_grid + 1)
    diff = np.bincount((base + a) * n_cells + cell, minlength=size)
    diff -= np.bincount((base + b) * n_cells + cell, minlength=size)
    return np.cumsum(diff.reshape(n_sims, n_grid + 1, n_cells), axis=1)[:, :n_grid].astype(np.int32)


def days_between(pieces: Pieces, edges: np.ndarray, n_sims: int, n_cat: int, step: float) -> np.ndarray:
    """Person-days in care per category between consecutive ``edges``: (n_sims, len(edges) - 1, n_cat).

    Uses occupancy integrals I(e) = Σ (min(e, end) - start)⁺ built from sums of starts and ends;
    ``edges`` is the regular grid 0, step, 2·step, ….
    """
    n_e = edges.size
    size = n_sims * (n_e + 1) * n_cat

    def cumulative(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.clip(np.floor(times / step) + 1, 0, n_e).astype(np.int64)  # first edge after the time
        key = (pieces.sim * (n_e + 1) + pos) * n_cat + pieces.cat
        n = np.bincount(key, minlength=size).reshape(n_sims, n_e + 1, n_cat).cumsum(axis=1)[:, :n_e]
        s = np.bincount(key, weights=times, minlength=size).reshape(n_sims, n_e + 1, n_cat).cumsum(axis=1)[:, :n_e]
        return n, s

    n_s, s_s = cumulative(pieces.start)
    n_e_, s_e = cumulative(pieces.end)
    integral = edges[None, :, None] * (n_s - n_e_) - (s_s - s_e)
    return np.diff(integral, axis=1)
