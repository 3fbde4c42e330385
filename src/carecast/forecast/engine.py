"""Vectorised Monte Carlo of individual children moving between states in continuous time.

Hazards are constant within a state, and a child's age band and time-in-care band change only
at known moments (birthdays; fixed days after entering care), so each child's path is simulated
exactly: from time t in state s with total hazard λ_s, draw τ ~ Exp(λ_s); if t + τ comes before the
next boundary the child moves (destination drawn in proportion to the hazards) or leaves, else it
crosses the boundary and the draw starts again (memorylessness makes this exact). A time-in-care
boundary instead carries the rest of the draw into the next band (the exact inverse of the
piecewise-constant hazard, without a new loop; with scenario effects the draw starts again there).
Children leave on their 18th birthday. All children of a batch of simulations advance together, one
event per loop, so the loop runs as many times as the longest path has pieces, not once per child or day.

Every piece of a path is kept as (simulation, age band, category, start, end) and turned into
counts on any date grid with two ``bincount`` calls (+1 where a piece starts, -1 where it ends,
then a cumulative sum), and into person-days per step the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    category_since: (
        np.ndarray
    )  # float days from the forecast start: when the child's current category began
    t0: np.ndarray  # float days from the forecast start
    sim: np.ndarray  # simulation index within the batch
    ghost: np.ndarray | None = (
        None  # entrants a scenario prevented: never simulated, keep their place
    )


@dataclass
class PathEffects:
    """A scenario's effects on children's paths, per projection step of ``step`` days.

    Built from :class:`carecast.scenarios.effects.ScenarioEffects`: ``exit_multiplier[k, c]``
    scales the hazard of leaving care from category c during step k; ``redirect[k, i, j]`` is the
    chance a move intended to category i goes to j instead (None: no remapping); each forced move
    (``from_index``, ``to_index``, ``after_steps``, ``probability[k]``) sends a child who has been in
    ``from_index`` for ``after_steps`` steps to ``to_index``. Each child entering a forced move's
    category draws u ~ U(0, 1) and moves at the later of (time there + ``after_steps``) and the first
    step whose probability exceeds u, so at full effect that share of children move and, while the
    lever ramps up, children already past the threshold move as the share rises. Where a category's
    exit multiplier changes over time, a piece's event time inverts the piecewise-constant cumulative
    hazard (:meth:`event_time`), so the exact simulation needs no extra boundaries or draws.

    Common random numbers: with effects, every loop draws one number per child of the cohort (not
    per live child) and each child takes its own, so a child's k-th piece meets the same numbers in
    every scenario until a lever changes that child's own path; prevented entrants are simply not
    simulated. ``rng`` draws the effects' own numbers (forced-move and redirect choices).
    """

    step: float
    exit_multiplier: np.ndarray
    redirect: np.ndarray | None
    forced: list
    rng: np.random.Generator

    def __post_init__(self) -> None:
        n_steps = self.exit_multiplier.shape[0]
        starts = np.arange(n_steps, dtype=float)[:, None] * self.step
        changed = np.vstack(
            [
                np.zeros((1, self.exit_multiplier.shape[1]), bool),
                np.diff(self.exit_multiplier, axis=0) != 0,
            ]
        )
        at = np.where(changed, starts, np.inf)  # (n_steps, n_cat): a change at the start of step k
        after = np.minimum.accumulate(at[::-1], axis=0)[::-1]  # first change at step >= k
        self.next_change_after = np.vstack(
            [after[1:], np.full((1, at.shape[1]), np.inf)]
        )  # at step > k

    def step_of(self, t: np.ndarray) -> np.ndarray:
        return np.clip(np.floor(t / self.step), 0, self.exit_multiplier.shape[0] - 1).astype(
            np.int64
        )

    def next_change(self, t: np.ndarray, cat: np.ndarray) -> np.ndarray:
        return self.next_change_after[self.step_of(t), cat]

    def exit_scale(self, t: np.ndarray, cat: np.ndarray, move_share: np.ndarray) -> np.ndarray:
        """Factor on a child's total hazard when its exit part is multiplied (exactly 1 when unchanged)."""
        return 1.0 + (self.exit_multiplier[self.step_of(t), cat] - 1.0) * (1.0 - move_share)

    def event_time(
        self,
        t: np.ndarray,
        draw: np.ndarray,
        lam: np.ndarray,
        move_share: np.ndarray,
        cat: np.ndarray,
        limit: np.ndarray,
    ) -> np.ndarray:
        """Time at which the cumulative hazard from ``t`` reaches ``draw`` (a unit exponential), the
        exit part of ``lam`` scaled step by step; inf if not before ``limit``."""
        end = np.full(t.size, np.inf)
        idx = np.arange(t.size)
        cur, left = t, draw
        while idx.size:
            rate = lam[idx] * self.exit_scale(cur, cat[idx], move_share[idx])
            seg = np.minimum(self.next_change(cur, cat[idx]), limit[idx])
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                at = cur + left / rate
            hit = at <= seg
            end[idx[hit]] = at[hit]
            rest = ~hit & (seg < limit[idx])
            left = left[rest] - rate[rest] * (seg[rest] - cur[rest])
            cur, idx = seg[rest], idx[rest]
        return end

    def redirect_to(self, dest: np.ndarray, t: np.ndarray) -> np.ndarray:
        if self.redirect is None or dest.size == 0:
            return dest
        cum = np.cumsum(self.redirect[self.step_of(t), dest], axis=1)
        u = self.rng.random(dest.size) * cum[:, -1]
        return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)

    def forced_after(
        self, cat: np.ndarray, since: np.ndarray, t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """When (and to which category) children now in ``cat``, there since ``since``, are moved."""
        when = np.full(cat.size, np.inf)
        to = cat.copy()
        for move in self.forced:
            hit = np.flatnonzero(cat == move.from_index)
            if hit.size == 0:
                continue
            ramp = np.maximum.accumulate(np.asarray(move.probability, float))
            k = np.searchsorted(ramp, self.rng.random(hit.size), side="right")
            t_p = np.where(k < ramp.size, k * self.step, np.inf)
            t_f = np.maximum(np.maximum(since[hit] + move.after_steps * self.step, t_p), t[hit])
            better = t_f < when[hit]
            when[hit[better]] = t_f[better]
            to[hit[better]] = move.to_index
        return when, to


@dataclass
class Exits:
    """Every exit from care of a run: simulation, state left (index), day, and whether it was the
    18th birthday (ageing out) rather than a hazard event. The reason of a hazard exit is drawn
    afterwards (:func:`exits_by_reason`), so recording exits changes no random number of the run."""

    sim: np.ndarray
    state: np.ndarray
    time: np.ndarray
    aged_out: np.ndarray

    @classmethod
    def empty(cls) -> Exits:
        none = np.zeros(0, np.int64)
        return cls(none, none, np.zeros(0), np.zeros(0, bool))


@dataclass
class Pieces:
    sim: np.ndarray
    age: np.ndarray
    cat: np.ndarray
    start: np.ndarray
    end: np.ndarray
    exits: Exits = field(default_factory=Exits.empty)


def _padded_width(columns: int) -> int:
    """The least 2^k - 1 >= ``columns``: a row that wide is searched by halving with no bounds checks."""
    return (1 << max(columns, 1).bit_length()) - 1


@dataclass(frozen=True)
class AgeTable:
    """The days (from the origin) a child born on each date from ``first`` on changes age band (the
    last: leaves care), padded with columns of inf (never reached) to a width of 2^k - 1.

    Built once per projection for every birth date its children can have, rather than per batch.
    """

    days: np.ndarray  # (birth dates, width)
    first: int  # day number of the first row's birth date

    @classmethod
    def build(
        cls,
        space: StateSpace,
        first_dob: np.datetime64,
        last_dob: np.datetime64,
        origin: np.datetime64,
    ) -> AgeTable:
        first = int(np.datetime64(first_dob, "D").astype(np.int64))
        dates = np.arange(first, int(np.datetime64(last_dob, "D").astype(np.int64)) + 1).astype(
            "datetime64[D]"
        )
        days = (birthdays(dates, list(space.age_boundaries)) - origin).astype(np.float64)
        table = np.full((days.shape[0], _padded_width(days.shape[1] + 1)), np.inf)
        table[:, : days.shape[1]] = days
        return cls(table, first)

    @classmethod
    def covering(cls, space: StateSpace, dob: np.ndarray, origin: np.datetime64) -> AgeTable:
        if dob.size == 0:
            return cls.build(space, origin, origin, origin)
        return cls.build(space, dob.min(), dob.max(), origin)

    def rows(self, dob: np.ndarray) -> np.ndarray:
        """Each child's row; refuses birth dates outside the table (a wrong row would age a child wrongly)."""
        row = dob.astype("datetime64[D]").astype(np.int64) - self.first
        if row.size and (row.min() < 0 or row.max() >= self.days.shape[0]):
            raise ValueError("a birth date lies outside the age table")
        return row


def _count_at_most(flat: np.ndarray, width: int, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per child, how many entries of row ``rows[i]`` of a (·, ``width``) table are <= ``u[i]``.

    Rows are non-decreasing and ``width`` is 2^k - 1 (pad with inf), so binary lifting needs k
    gathers and no bounds checks: the same count as ``(u[:, None] >= table[rows]).sum(axis=1)``
    without gathering whole rows.
    """
    base = rows * width - 1
    count = np.zeros(rows.size, np.int64)
    step = (width + 1) >> 1
    while step:
        cand = count + step
        count = np.where(u >= flat.take(base + cand), cand, count)
        step >>= 1
    return count


def _through_time_bands(
    t: np.ndarray,
    draw: np.ndarray,
    lam: np.ndarray,
    key: np.ndarray,
    next_dur: np.ndarray,
    limit: np.ndarray,
    total_flat: np.ndarray,
    period_start: np.ndarray,
    lowers: np.ndarray,
    dur_of: np.ndarray,
    mask: int,
) -> np.ndarray:
    """Event times from ``t`` for unit exponential ``draw``s, the hazard changing with the time-in-care
    band: a child whose cumulative hazard has not reached its draw by its next band boundary (before
    ``limit``: its next birthday band or the horizon) carries the rest of the draw into the next band.
    The exact inversion of the piecewise-constant hazard, in one loop pass per boundary crossed rather
    than one whole event loop. Moves ``key`` and ``next_dur`` of those children on to the band of
    their event (or of ``limit``); inf or nan where no event comes.
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        end = t + draw / lam
        over = np.flatnonzero(~(end < next_dur) & (next_dur < limit))
        left, at = draw.take(over), t.take(over)
        rate = lam.take(over)
        while over.size:
            boundary = next_dur.take(over)
            left = np.maximum(left - rate * (boundary - at), 0.0)
            key[over] += 1
            new_key = key.take(over)
            next_dur[over] = period_start.take(over) + lowers.take(dur_of.take(new_key & mask))
            rate = total_flat.take(new_key)
            e = boundary + left / rate
            end[over] = e
            again = np.flatnonzero(
                ~(e < next_dur.take(over)) & (next_dur.take(over) < limit.take(over))
            )
            over, left, at, rate = (
                over.take(again),
                left.take(again),
                boundary.take(again),
                rate.take(again),
            )
    return end


@dataclass(frozen=True)
class _Start:
    """The lookup tables of a batch and its live children at their first event (see :func:`run_paths`)."""

    bits: int
    mask: int
    age_of: np.ndarray
    cat_of: np.ndarray
    dur_of: np.ndarray
    total_flat: np.ndarray
    move_share: np.ndarray
    to_category: np.ndarray
    width: int
    age_flat: np.ndarray
    a_row: np.ndarray
    lowers: np.ndarray
    rid: np.ndarray
    t: np.ndarray
    age: np.ndarray
    dur: np.ndarray
    key: np.ndarray
    cat: np.ndarray


def _start(
    space: StateSpace,
    cohort: Cohort,
    total: np.ndarray,
    cumprob: np.ndarray,
    horizon: float,
    origin: np.datetime64,
    ages: AgeTable | None,
) -> _Start:
    """Tables shared by both engines (keys, padded hazards and destination shares, age table) and
    the children alive at their start, with their keys and bands."""
    if ages is None:
        ages = AgeTable.covering(space, cohort.dob, origin)
    table, row = ages.days, ages.rows(cohort.dob)
    n = cohort.cat.size
    n_cat, n_dur, n_age = space.n_cat, space.n_dur, space.n_age
    n_states = n_age * n_cat * n_dur
    bits = max(
        n_states - 1, 1
    ).bit_length()  # key = sim << bits | state: read back with shifts and masks
    mask = (1 << bits) - 1
    age_of = np.repeat(np.arange(n_age), n_cat * n_dur)
    cat_of = np.zeros(
        1 << bits, np.int64
    )  # padded: a child leaving at 18 may carry a state past the last
    cat_of[:n_states] = np.tile(np.repeat(np.arange(n_cat), n_dur), n_age)
    dur_of = np.zeros(1 << bits, np.int64)
    dur_of[:n_states] = np.tile(np.arange(n_dur), n_age * n_cat)
    n_sims = total.shape[0]
    total_flat = np.zeros((n_sims, 1 << bits))
    total_flat[:, :n_states] = total
    total_flat = total_flat.reshape(-1)
    rows_cum = np.ones((n_sims, 1 << bits, cumprob.shape[-1]))
    rows_cum[:, :n_states] = cumprob
    rows_cum = rows_cum.reshape(-1, cumprob.shape[-1])
    move_share = np.ascontiguousarray(
        rows_cum[:, n_cat - 1]
    )  # share of events that are moves, not exits
    width = _padded_width(
        n_cat - 1
    )  # a mover's category: how many of the first n_cat - 1 shares are <= u
    to_category = np.full((rows_cum.shape[0], width), np.inf)
    to_category[:, : n_cat - 1] = rows_cum[:, : n_cat - 1]
    to_category = to_category.reshape(-1)
    w_age = table.shape[1]
    age_flat, a_row = table.reshape(-1), row * w_age
    lowers = np.append(
        np.asarray(space.duration_lowers[1:], float), np.inf
    )  # past the last band: stays
    ps_all = cohort.period_start
    t = cohort.t0.astype(np.float64)
    age = _count_at_most(age_flat, w_age, row, t)
    dur = np.zeros(n, np.int64)
    for lower in lowers[:-1]:
        dur += ps_all + lower <= t
    live = (t < horizon) & (age < n_age)
    if cohort.ghost is not None:
        live &= ~cohort.ghost
    rid = np.flatnonzero(live)
    t, age, dur = t.take(rid), age.take(rid), dur.take(rid)
    cat = cohort.cat.take(rid).astype(np.int64)
    key = (cohort.sim.take(rid).astype(np.int64) << bits) | ((age * n_cat + cat) * n_dur + dur)
    return _Start(
        bits,
        mask,
        age_of,
        cat_of,
        dur_of,
        total_flat,
        move_share,
        to_category,
        width,
        age_flat,
        a_row,
        lowers,
        rid,
        t,
        age,
        dur,
        key,
        cat,
    )


def run_paths(
    space: StateSpace,
    cohort: Cohort,
    total: np.ndarray,
    cumprob: np.ndarray,
    horizon: float,
    origin: np.datetime64,
    rng: np.random.Generator,
    effects: PathEffects | None = None,
    ages: AgeTable | None = None,
) -> Pieces:
    """Simulate every child of ``cohort`` to exit, age 18 or ``horizon``; return the pieces of their paths.

    ``total[sim, state]`` is the total hazard per day; ``cumprob[sim, state, dest]`` the cumulative
    share of each destination (categories, then "leaves care"). The arrays of children still being
    simulated are compacted after every event, and each child's next age and time-in-care
    boundaries are carried along, so a loop touches only live children and no search is needed.
    A child's simulation and state travel as one key ``sim << bits | state`` (its row of ``total``
    and ``cumprob``, padded to a power of two states), so lookups are single gathers and its
    simulation, age band, category and time-in-care band are read back with a shift, a mask and
    small tables. An event first decides between leaving care and moving (one gather of the share
    of moves); only movers search their row for the category.
    ``effects`` (a scenario's levers, see :class:`PathEffects`) scale exit hazards, remap moves and
    force moves, with common random numbers; without them the random stream is as it always was.
    ``ages`` (default: built for the cohort's birth dates) is the table of age-band changes.
    """
    st = _start(space, cohort, total, cumprob, horizon, origin, ages)
    n, n_cat, n_dur, n_age, bits, mask = (
        cohort.cat.size,
        space.n_cat,
        space.n_dur,
        space.n_age,
        st.bits,
        st.mask,
    )
    age_of, cat_of, dur_of, total_flat, move_share = (
        st.age_of,
        st.cat_of,
        st.dur_of,
        st.total_flat,
        st.move_share,
    )
    to_category, width, age_flat, a_row, lowers = (
        st.to_category,
        st.width,
        st.age_flat,
        st.a_row,
        st.lowers,
    )
    ps_all, rid, t, age, dur, key, cat = (
        cohort.period_start,
        st.rid,
        st.t,
        st.age,
        st.dur,
        st.key,
        st.cat,
    )
    next_age, next_dur = age_flat.take(a_row.take(rid) + age), ps_all.take(rid) + lowers.take(dur)
    piece_start = t  # pieces are not cut where only the time-in-care band changes
    if effects is not None:
        since = cohort.category_since.take(rid).astype(np.float64)
        next_forced, forced_to = effects.forced_after(cat, since, t)
    out: list[tuple[np.ndarray, ...]] = []
    left: list[tuple[np.ndarray, ...]] = []  # exits: (key, day, aged out)
    while rid.size:
        lam = total_flat.take(key)
        if effects is None:
            draw = rng.standard_exponential(rid.size)
            end = _through_time_bands(
                t,
                draw,
                lam,
                key,
                next_dur,
                np.minimum(next_age, horizon),
                total_flat,
                ps_all.take(rid),
                lowers,
                dur_of,
                mask,
            )
            nxt = np.minimum(np.minimum(next_age, next_dur), horizon)
        else:  # one number per child of the cohort, each child its own (common random numbers)
            nxt = np.minimum(np.minimum(next_age, next_dur), horizon)
            cat = cat_of.take(key & mask)
            draw = rng.standard_exponential(n).take(rid)
            u_all = rng.random(n)
            nxt = np.minimum(nxt, next_forced)
            share = move_share.take(key)
            end = effects.event_time(t, draw, lam, share, cat, nxt)
        moves = end < nxt
        end = np.fmin(
            end, nxt
        )  # the event if it comes first, else the boundary (also when end is nan)
        up_age = end == next_age  # a child that moved is before every boundary
        up_dur = end == next_dur
        cut = ~(up_dur & ~up_age & (end < horizon))
        if effects is not None:  # a forced move changes category: always a new piece
            forced = (end == next_forced) & (end < horizon) & ~up_age
            cut |= forced
        at = np.flatnonzero(cut)
        out.append((key.take(at), piece_start.take(at), end.take(at)))
        piece_start = np.where(cut, end, piece_start)
        stays = np.zeros(rid.size, bool)
        where = np.flatnonzero(moves)
        if where.size:
            if effects is None:
                u = rng.random(where.size)
            else:
                scale = effects.exit_scale(end.take(where), cat.take(where), share.take(where))
                u = (
                    u_all.take(rid.take(where)) * scale
                )  # exits scaled: a uniform over the new total, in the old units
            k_where = key.take(where)
            to_cat = np.flatnonzero(u < move_share.take(k_where))  # the others leave care
            mover, k_mover = where.take(to_cat), k_where.take(to_cat)
            leaver = np.ones(where.size, bool)
            leaver[to_cat] = False
            left.append(
                (k_where[leaver], end.take(where[leaver]), np.zeros(int(leaver.sum()), bool))
            )
            dest = _count_at_most(to_category, width, k_mover, u.take(to_cat))
            if effects is not None:
                dest = effects.redirect_to(dest, end.take(mover))
            key[mover] += (dest - cat_of.take(k_mover & mask)) * n_dur
            stays[mover] = True
        if effects is not None:
            key += np.where(forced, (forced_to - cat) * n_dur, 0)
            cat = cat_of.take(key & mask)
            stays |= forced
            if stays.any():
                changed = np.flatnonzero(stays)
                since, next_forced, forced_to = since.copy(), next_forced.copy(), forced_to.copy()
                since[changed] = end[changed]
                next_forced[changed], forced_to[changed] = effects.forced_after(
                    cat[changed], since[changed], end[changed]
                )
        crossed_age, crossed_dur = np.flatnonzero(up_age), np.flatnonzero(up_dur)
        aged = crossed_age[(age.take(crossed_age) == n_age - 1) & (end.take(crossed_age) < horizon)]
        left.append((key.take(aged), end.take(aged), np.ones(aged.size, bool)))
        key[crossed_age] += n_cat * n_dur
        key[crossed_dur] += 1  # the last band's next boundary is inf, never crossed
        age[crossed_age] += 1
        next_age[crossed_age] = age_flat.take(
            a_row.take(rid.take(crossed_age)) + age.take(crossed_age)
        )
        next_dur[crossed_dur] = ps_all.take(rid.take(crossed_dur)) + lowers.take(
            dur_of.take(key.take(crossed_dur) & mask)
        )
        keep = np.flatnonzero(stays | (~moves & (end < horizon) & (age < n_age)))
        rid, t, age, key = rid.take(keep), end.take(keep), age.take(keep), key.take(keep)
        next_age, next_dur, piece_start = (
            next_age.take(keep),
            next_dur.take(keep),
            piece_start.take(keep),
        )
        if effects is not None:
            since, next_forced, forced_to = (
                since.take(keep),
                next_forced.take(keep),
                forced_to.take(keep),
            )
    if not out:
        empty = np.zeros(0)
        return Pieces(
            empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int64), empty, empty
        )
    keys, starts, ends = (np.concatenate(col) for col in zip(*out, strict=True))
    state = keys & mask
    exit_keys, exit_days, aged_out = (np.concatenate(col) for col in zip(*left, strict=True))
    exits = Exits(exit_keys >> bits, exit_keys & mask, exit_days, aged_out)
    return Pieces(keys >> bits, age_of.take(state), cat_of.take(state), starts, ends, exits)


def exits_by_reason(
    exits: Exits,
    shares: np.ndarray,
    n_sims: int,
    n_steps: int,
    step: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Exits per simulation, step and reason: (n_sims, n_steps, reasons + 1) int32, the last
    column ageing out at 18.

    ``shares[sim, state, r]`` is the share of reason r in the state's exit hazard. Leaving care is
    one competing-risks event whose total hazard is the sum of the reason hazards, so drawing the
    reason of each exit in proportion to the reason hazards is the same process as simulating each
    reason's clock; with ``rng`` a stream of its own the exits themselves are exactly unchanged.
    """
    n_reasons = shares.shape[-1]
    reason = np.full(exits.time.size, n_reasons, np.int64)
    hazard = np.flatnonzero(~exits.aged_out)
    if hazard.size:
        cum = np.cumsum(shares[exits.sim[hazard], exits.state[hazard]], axis=1)
        u = rng.random(hazard.size) * cum[:, -1]
        reason[hazard] = np.minimum((u[:, None] >= cum).sum(axis=1), n_reasons - 1)
    # a child counts on step date g while g < exit day, so an exit belongs to the step ending at the
    # first step date on or after it (counts then change by entrants - exits exactly, step by step)
    k = np.clip(np.ceil(exits.time / step) - 1, 0, n_steps - 1).astype(np.int64)
    cell = (exits.sim * n_steps + k) * (n_reasons + 1) + reason
    size = n_sims * n_steps * (n_reasons + 1)
    return (
        np.bincount(cell, minlength=size).reshape(n_sims, n_steps, n_reasons + 1).astype(np.int32)
    )


def grid_index(grid: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the first grid day on or after each time.

    Grid days are whole days from 0, so the grid is looked up through a table indexed by day rather
    than searched.
    """
    days = np.arange(int(grid[-1]) + 2)
    table = np.searchsorted(grid, days, side="left")
    return table[np.clip(np.ceil(times), 0, days.size - 1).astype(np.int64)]


def counts_on(
    pieces: Pieces, grid: np.ndarray, n_sims: int, cell: np.ndarray, n_cells: int
) -> np.ndarray:
    """Children in each cell (e.g. category) on each grid day: (n_sims, len(grid), n_cells).

    A piece counts on day g when start <= g < end (in care that day, left by the next).
    """
    n_grid = grid.size
    a = grid_index(grid, pieces.start)
    b = grid_index(grid, pieces.end)
    size = n_sims * n_cells * (n_grid + 1)
    base = (pieces.sim * n_cells + cell) * (
        n_grid + 1
    )  # grid last: the cumulative sum runs along memory
    diff = np.bincount(base + a, minlength=size)
    diff -= np.bincount(base + b, minlength=size)
    return counts_from_diff(diff.reshape(n_sims, n_cells, n_grid + 1))


def counts_from_diff(diff: np.ndarray) -> np.ndarray:
    """Counts (n_sims, n_grid, n_cells) from +1/-1 differences (n_sims, n_cells, n_grid + 1)."""
    return np.cumsum(diff, axis=2, dtype=np.int32)[:, :, :-1].transpose(0, 2, 1)


def step_tables(
    pieces: Pieces, n_sims: int, n_steps: int, step: float, n_cat: int, n_age: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Children per category and per age band on each step date (n_sims, n_steps, ·), and person-days
    per category in each step (n_sims, n_steps, n_cat), on the regular grid 0, step, 2·step, ….

    A piece counts on step date g when start <= g < end. Person-days come from occupancy integrals
    I(e) = Σ (min(e, end) - start)⁺ = e · (pieces started by e and not ended) - (their starts - the
    ends of those ended), so they reuse the counts' grid indices and cumulative sums; only the sums
    of start and end times are extra.
    """
    a = np.clip(np.ceil(pieces.start / step), 0, n_steps).astype(
        np.int64
    )  # first step date on or after
    b = np.clip(np.ceil(pieces.end / step), 0, n_steps).astype(np.int64)
    width = n_steps + 1  # the step dates, then the horizon (the integral's last edge)

    def open_at(cell: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        base = (
            pieces.sim * n_cells + cell
        ) * width  # grid last: the cumulative sum runs along memory
        size = n_sims * n_cells * width
        start, end = base + a, base + b
        diff = np.bincount(start, minlength=size)
        diff -= np.bincount(end, minlength=size)
        return diff.reshape(n_sims, n_cells, width), (start, end)

    by_cat, (start, end) = open_at(pieces.cat, n_cat)
    by_age, _ = open_at(pieces.age, n_age)
    size = n_sims * n_cat * width
    times = np.bincount(start, weights=pieces.start, minlength=size)
    times -= np.bincount(end, weights=pieces.end, minlength=size)
    return tables_from_diffs(by_cat, by_age, times.reshape(n_sims, n_cat, width), step)


def tables_from_diffs(
    by_cat: np.ndarray, by_age: np.ndarray, times: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`step_tables`' arrays from its +1/-1 differences per (simulation, category or age band,
    step date and the horizon) and the start (+) and end (-) times of the pieces there."""
    n_steps = by_cat.shape[2] - 1
    by_cat = np.cumsum(by_cat, axis=2, dtype=np.int32)
    by_age = np.cumsum(by_age, axis=2, dtype=np.int32)
    integral = np.arange(n_steps + 1) * step * by_cat - np.cumsum(times, axis=2)
    days = np.diff(integral, axis=2)
    return (
        by_cat[:, :, :n_steps].transpose(0, 2, 1),
        by_age[:, :, :n_steps].transpose(0, 2, 1),
        days.transpose(0, 2, 1),
    )


def path_tables(
    space: StateSpace,
    cohort: Cohort,
    total: np.ndarray,
    cumprob: np.ndarray,
    horizon: float,
    origin: np.datetime64,
    rng: np.random.Generator,
    effects: PathEffects | None,
    ages: AgeTable,
    step: float,
    n_steps: int,
    month_grid: np.ndarray,
    compiled: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Exits]:
    """Simulate a batch and count it: children per category and per age band on each step date,
    person-days per category and step (:func:`step_tables`), children per age band × category
    on each month date (n_sims, n_months, n_age, n_cat), and every exit from care (:class:`Exits`).

    ``compiled`` (paths without scenario effects) runs the events in :mod:`carecast.forecast.kernel`,
    counting each piece as it ends; otherwise :func:`run_paths` keeps the pieces and they are counted
    afterwards (the reference: both give the same distribution, not the same draws).
    """
    m, n_cat, n_age = total.shape[0], space.n_cat, space.n_age
    if not compiled or effects is not None:
        pieces = run_paths(space, cohort, total, cumprob, horizon, origin, rng, effects, ages)
        months = counts_on(pieces, month_grid, m, pieces.age * n_cat + pieces.cat, n_age * n_cat)
        return (
            *step_tables(pieces, m, n_steps, step, n_cat, n_age),
            months.reshape(m, month_grid.size, n_age, n_cat),
            pieces.exits,
        )
    from carecast.forecast.kernel import count_paths  # numba: imported only when asked for

    st = _start(space, cohort, total, cumprob, horizon, origin, ages)
    by_cat = np.zeros((m, n_cat, n_steps + 1), np.int32)
    by_age = np.zeros((m, n_age, n_steps + 1), np.int32)
    times = np.zeros((m, n_cat, n_steps + 1))
    by_month = np.zeros((m, n_age * n_cat, month_grid.size + 1), np.int32)
    month_table = np.searchsorted(month_grid, np.arange(int(month_grid[-1]) + 2), side="left")
    exit_key = np.empty(st.key.size, np.int64)  # a child leaves care at most once
    exit_day = np.empty(st.key.size)
    aged_out = np.empty(st.key.size, np.bool_)
    n_exits = count_paths(
        st.key,
        st.t,
        cohort.period_start.take(st.rid),
        st.a_row.take(st.rid),
        st.dur,
        st.age_flat,
        st.lowers,
        st.total_flat,
        st.move_share,
        st.to_category,
        st.width,
        n_cat,
        space.n_dur,
        n_age,
        st.bits,
        float(horizon),
        float(step),
        n_steps,
        month_table,
        rng,
        by_cat,
        by_age,
        times,
        by_month,
        exit_key,
        exit_day,
        aged_out,
    )
    months = counts_from_diff(by_month).reshape(m, month_grid.size, n_age, n_cat)
    left = exit_key[:n_exits]
    exits = Exits(left >> st.bits, left & st.mask, exit_day[:n_exits], aged_out[:n_exits])
    return (*tables_from_diffs(by_cat, by_age, times, step), months, exits)
