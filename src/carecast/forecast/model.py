"""The demand model: a multi-state model of children in care, fitted per council.

States are age band × placement category × time in care (see :mod:`carecast.forecast.states`).
For each state s and destination d (another category, or leaving care for a reason group) the
hazard is estimated as occurrences ÷ person-days at risk over the reference window,

    λ[s, d] = (O[s, d] + k · λ̄[c(s), d]) / (E[s] + k)

— the Gamma(O + k·λ̄, E + k) posterior mean, shrunk towards the category's rate λ̄ (itself shrunk
towards the all-category rate) with strength k person-days (``prior_days``), so sparse states
borrow strength. Ageing happens exactly on birthdays and everyone leaves at 18. Entrants follow an
:class:`~carecast.forecast.entrants.EntrantModel`; their age at entry and first placement are
drawn from the window's entrants (a Bayesian bootstrap when parameter uncertainty is on).

Example
-------
>>> model = DemandModel(window_years=3).fit(episodes)          # doctest: +SKIP
>>> result = model.simulate(horizon_years=5, n_sims=1000, seed=1)  # doctest: +SKIP
>>> result.summary().filter(pl.col("breakdown") == "total")     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import polars as pl

import carecast
from carecast.errors import InsufficientDataError, Location, ParameterError
from carecast.forecast.ages import birthday_expr, birthdays
from carecast.forecast.calendar import (
    add_months,
    day_offsets,
    days_from,
    monthly_dates,
    months_back,
)
from carecast.forecast.engine import AgeTable, Cohort, PathEffects, exits_by_reason, path_tables
from carecast.forecast.entrants import EntrantModel, Population, RegionalShock
from carecast.forecast.exit_reasons import AGED_OUT
from carecast.forecast.expected import (
    entrant_profile_path,
    entrants_path,
    one_blas_thread,
    propagate,
    step_matrices,
)
from carecast.forecast.exposure import occurrence_exposure
from carecast.forecast.params import defaults
from carecast.forecast.prepare import CareHistory, care_history, check_window, entrants, in_care_on
from carecast.forecast.result import ForecastResult
from carecast.forecast.states import StateSpace
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import PlacementCategories, load_categories

MAX_HORIZON_YEARS = 10
BATCH_CHILDREN = (
    100_000  # children simulated together: bounds memory, and keeps the arrays in cache
)


class SparseDataWarning(UserWarning):
    """A category or state has no data in the reference window; its rates come from the pooled prior."""


def shrunk_posterior(
    occ: np.ndarray, exposure: np.ndarray, space: StateSpace, prior_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gamma posterior (shape, rate) of every hazard, shrunk state → category → all (see module doc)."""
    n_cat = space.n_cat
    cat_of_state = np.tile(np.repeat(np.arange(n_cat), space.n_dur), space.n_age)
    own = np.zeros_like(occ, dtype=bool)
    own[np.arange(space.n_states), cat_of_state] = (
        True  # no move to the category a child is already in
    )
    total_exp = exposure.sum()
    r_all = occ.sum(axis=0) / total_exp if total_exp else np.zeros(occ.shape[1])
    cat_occ = np.zeros((n_cat, occ.shape[1]))
    np.add.at(cat_occ, cat_of_state, occ)
    cat_exp = np.bincount(cat_of_state, weights=exposure, minlength=n_cat)
    r_cat = (cat_occ + prior_days * r_all[None, :]) / (cat_exp[:, None] + prior_days)
    shape = occ + prior_days * r_cat[cat_of_state]
    shape[own] = 0.0
    rate = np.repeat((exposure + prior_days)[:, None], occ.shape[1], axis=1)
    return shape, rate


def _collapse_exits(rates: np.ndarray, n_cat: int) -> np.ndarray:
    """Hazards to categories, then one column for leaving care for any reason."""
    return np.concatenate(
        [rates[..., :n_cat], rates[..., n_cat:].sum(axis=-1, keepdims=True)], axis=-1
    )


class DemandModel:
    """Multi-state demand model with exact ageing, fitted to one council's cleaned episodes.

    Parameters
    ----------
    window_years : length of the reference window ending at the start (default 3).
    step_days : projection step (7 = weekly, default; 1 = daily).
    by_duration : let hazards depend on time in care (<3m, 3-12m, 1-2y, 2y+).
    uasc : "include" (UASC counted with everyone) or "exclude" (left out of demand, counted).
    trend : entrant trend: "auto" (chosen per council by rolling out-of-sample errors inside the
        window, see :mod:`carecast.forecast.trend_choice`), "flat", "damped", "fitted" or
        "population" (needs ``population``).
    prior_days : shrinkage strength in person-days (default from ``forecast/data/model.yaml``).
    entry_half_life_years : weighting of past entries for the flat trend (default from
        ``forecast/data/model.yaml``; 0 = the plain window average).
    categories : placement categories (default: the shipped ones).
    space : the state space to run on (default: built from ``categories``); its categories, age
        bands, leaving age and exit groups replace the children-in-care ones (see carecast.send).
    regional_shock : the monthly entry multiplier shared with the other councils of a region
        (:class:`~carecast.forecast.entrants.RegionalShock`, set by ``forecast_councils``).
    quantiles : the bands the result reports (default: ``quantiles`` in ``forecast/data/model.yaml``).
    compiled : simulate paths without scenario levers in the compiled kernel
        (:mod:`carecast.forecast.kernel`: same distribution, other draws, several times faster once
        numba has loaded, ~0.7 s per process); default False, the NumPy engine.
    """

    def __init__(
        self,
        *,
        window_years: float | None = None,
        step_days: int | None = None,
        by_duration: bool = True,
        uasc: str = "include",
        trend: str = "auto",
        population: Population | None = None,
        prior_days: float | None = None,
        categories: PlacementCategories | None = None,
        space: StateSpace | None = None,
        entry_half_life_years: float | None = None,
        regional_shock: RegionalShock | None = None,
        quantiles: tuple[float, ...] | None = None,
        compiled: bool = False,
    ):
        d = defaults()
        self.compiled = compiled
        self.quantiles = tuple(float(q) for q in (quantiles or d.quantiles))
        if (
            not self.quantiles
            or any(not 0 < q < 1 for q in self.quantiles)
            or list(self.quantiles) != sorted(set(self.quantiles))
        ):
            raise ParameterError(
                f"quantiles must be increasing fractions between 0 and 1, not {list(self.quantiles)}",
                where=Location(field="quantiles"),
                fix="give e.g. [0.05, 0.25, 0.5, 0.75, 0.95]",
            )
        self.window_years = float(window_years if window_years is not None else d.window_years)
        self.step_days = int(step_days if step_days is not None else d.step_days)
        if self.step_days not in (1, 7):
            raise ParameterError(
                f"step_days must be 1 (daily) or 7 (weekly), not {self.step_days}",
                where=Location(field="step_days"),
                fix="use 7 (default) or 1",
            )
        self.by_duration = by_duration
        self.uasc = uasc
        self.trend = trend
        self.population = population
        self.prior_days = float(prior_days if prior_days is not None else d.prior_days)
        self.entry_half_life_years = float(
            entry_half_life_years if entry_half_life_years is not None else d.entry_half_life_years
        )
        self.categories = categories or load_categories()
        self.regional_shock = regional_shock
        # another state space (e.g. high needs: settings × ages 0-25, plans ceasing) runs on the same engine
        self.space = space or StateSpace.build(self.categories, by_duration=by_duration)

    # ------------------------------------------------------------------ fit
    def fit(
        self, episodes: pl.DataFrame | CareHistory, *, start: dt.date | None = None
    ) -> DemandModel:
        """Estimate hazards and entrants over the window ending at ``start`` (default: end of the data)."""
        history = (
            episodes
            if isinstance(episodes, CareHistory)
            else care_history(episodes, categories=self.categories, uasc=self.uasc)
        )
        start = start or history.data_end
        lo, hi = check_window(history, start, self.window_years)
        occ, exposure = occurrence_exposure(history, self.space, lo, hi)
        if exposure.sum() == 0:
            raise InsufficientDataError(
                f"no child of {history.council} was in care between {lo:%d/%m/%Y} and {hi:%d/%m/%Y}",
                where=Location(field="window_years"),
                fix="check the data covers the window, or change --start",
            )
        self.history = history
        self.start_, self.window_ = start, (lo, hi)
        self.occurrences_, self.exposure_ = occ, exposure
        self.shape_, self.rate_ = shrunk_posterior(occ, exposure, self.space, self.prior_days)
        self.rates_ = self.shape_ / self.rate_
        cat_exp = exposure.reshape(self.space.n_age, self.space.n_cat, self.space.n_dur).sum(
            axis=(0, 2)
        )
        self.empty_categories_ = [
            c for c, e in zip(self.space.categories, cat_exp, strict=True) if e == 0
        ]
        if self.empty_categories_:
            warnings.warn(
                f"{history.council}: no child was placed in {', '.join(self.empty_categories_)} during "
                "the reference window; the forecast has none there unless children move in",
                SparseDataWarning,
                stacklevel=2,
            )
        ent = entrants(history, lo, hi)
        self.entrant_age_days_ = ent.get_column("age_days").to_numpy().astype(np.int64)
        self.entrant_cat_ = category_index(ent.get_column("category"), self.space)
        self.entrant_model_ = self._fit_entrants(ent, start, lo, hi)
        self.current_ = in_care_on(history, start)
        if self.current_.height == 0 and ent.height == 0:
            raise InsufficientDataError(
                f"{history.council} has no children in care at {start:%d/%m/%Y} and no "
                "entrants in the reference window: nothing to forecast",
                fix="check the data was loaded for the right council and years",
            )
        self.history_ = history_counts(history, self.space, months_back(start, history.data_start))
        return self

    def entrant_model(self, history: CareHistory, start: dt.date) -> EntrantModel:
        """The entrant model alone, fitted as :meth:`fit` fits it over the window ending at ``start``
        (a region reads every council's monthly entries before fitting the councils)."""
        lo, hi = check_window(history, start, self.window_years)
        return self._fit_entrants(entrants(history, lo, hi), start, lo, hi)

    def _fit_entrants(
        self, ent: pl.DataFrame, start: dt.date, lo: dt.date, hi: dt.date
    ) -> EntrantModel:
        start_year = start.year + (start.timetuple().tm_yday - 1) / DAYS_PER_YEAR
        return EntrantModel(
            self.trend,
            self.population,
            start_year,
            half_life_years=self.entry_half_life_years,
            shock=self.regional_shock,
        ).fit(days_from(ent.get_column("decom"), start), float((hi - lo).days))

    def _check_fitted(self) -> None:
        if not hasattr(self, "rates_"):
            raise ParameterError("the model has not been fitted", fix="call fit(episodes) first")

    # ------------------------------------------------------------------ tables
    @property
    def summary(self) -> pl.DataFrame:
        """Per state: person-days at risk, occurrences and fitted hazards (per child-year) to each destination."""
        self._check_fitted()
        frame = self.space.frame().with_columns(pl.Series("exposure_days", self.exposure_))
        per_year = self.rates_ * DAYS_PER_YEAR
        for j, dest in enumerate(self.space.destinations):
            frame = frame.with_columns(
                pl.Series(f"n_{dest}", self.occurrences_[:, j].astype(np.int64)),
                pl.Series(f"rate_{dest}", per_year[:, j]),
            )
        return frame

    def category_rates(self) -> pl.DataFrame:
        """Per category: child-years at risk, moves out, exits and the pooled annual rates."""
        self._check_fitted()
        sp = self.space
        occ = self.occurrences_.reshape(sp.n_age, sp.n_cat, sp.n_dur, -1).sum(axis=(0, 2))
        exp = self.exposure_.reshape(sp.n_age, sp.n_cat, sp.n_dur).sum(axis=(0, 2))
        years = exp / DAYS_PER_YEAR
        with np.errstate(invalid="ignore", divide="ignore"):
            moves = occ[:, : sp.n_cat].sum(axis=1)
            exits = occ[:, sp.n_cat :].sum(axis=1)
            return pl.DataFrame(
                {
                    "category": list(sp.categories),
                    "child_years_at_risk": years,
                    "moves_out": moves.astype(np.int64),
                    "exits": exits.astype(np.int64),
                    "move_rate_per_year": np.where(years > 0, moves / years, np.nan),
                    "exit_rate_per_year": np.where(years > 0, exits / years, np.nan),
                    "entrants_first_placement": np.bincount(
                        self.entrant_cat_, minlength=sp.n_cat
                    ).astype(np.int64),
                }
            )

    def entry_rates(self) -> pl.DataFrame:
        """Entrants per year in the window by age band at entry (rate per day × 365.25)."""
        self._check_fitted()
        lowers = np.asarray(self.space.age_lowers[1:], float) * DAYS_PER_YEAR
        band = np.searchsorted(lowers, self.entrant_age_days_, side="right")
        years = (self.window_[1] - self.window_[0]).days / DAYS_PER_YEAR
        n = np.bincount(band, minlength=self.space.n_age)
        return pl.DataFrame(
            {
                "age_band": list(self.space.age_labels),
                "entrants": n.astype(np.int64),
                "entrants_per_year": n / years,
            }
        )

    def __repr__(self) -> str:
        if not hasattr(self, "rates_"):
            return "<DemandModel: not fitted>"
        open_n = self.current_.height
        return (
            f"<DemandModel {self.history.council}: window {self.window_[0]:%d/%m/%Y}-{self.window_[1]:%d/%m/%Y}, "
            f"{self.exposure_.sum() / DAYS_PER_YEAR:,.0f} child-years at risk, {int(self.occurrences_.sum())} "
            f"events, {open_n} children in care at the start (right-censored), "
            f"{len(self.entrant_age_days_)} entrants>"
        )

    def assumptions(self) -> dict[str, Any]:
        """Everything a reader needs to reproduce or challenge the forecast."""
        self._check_fitted()
        h = self.history
        return {
            "council": h.council,
            "carecast_version": carecast.__version__,
            "start": self.start_.isoformat(),
            "reference_window": {
                "from": self.window_[0].isoformat(),
                "to": self.window_[1].isoformat(),
                "years": self.window_years,
            },
            "states": {
                "age_bands": list(self.space.age_labels),
                "categories": list(self.space.categories),
                "time_in_care_bands": list(self.space.duration_labels),
                "n_states": self.space.n_states,
            },
            "rates": {
                "method": "occurrences / person-days at risk, open episodes right-censored; "
                "Gamma posterior shrunk to the category rate",
                "prior_person_days": self.prior_days,
                "by_category": self.category_rates().to_dicts(),
            },
            "ageing": f"exactly on each child's birthday; everyone leaves care at {self.space.leaving_age}",
            "entrants": self.entrant_model_.describe()
            | {"by_age_band": self.entry_rates().to_dicts()},
            "exclusions": {
                "short_breaks": "excluded from demand (LS V3/V4)",
                "uasc": "included with all children"
                if self.uasc == "include"
                else "excluded from demand by option",
                "set_aside_episodes": dict(h.set_aside),
            },
            "empty_categories": list(self.empty_categories_),
            "data_coverage": {
                "from": h.data_start.isoformat(),
                "to": h.data_end.isoformat(),
                "children": h.n_children,
                "episodes": h.episodes.height,
                "children_in_care_at_start": self.current_.height,
            },
        }

    # ------------------------------------------------------------------ projection
    def _grids(self, horizon_years: float) -> tuple[list[dt.date], list[dt.date], float]:
        if not 0 < horizon_years <= MAX_HORIZON_YEARS:
            raise ParameterError(
                f"the horizon must be more than 0 and at most {MAX_HORIZON_YEARS} years, "
                f"not {horizon_years:g}",
                where=Location(field="horizon_years"),
                fix=f"use --horizon-years between 1 and {MAX_HORIZON_YEARS}",
            )
        days = (
            add_months(self.start_, round(12 * horizon_years)) - self.start_
        ).days  # calendar months
        n_steps = (
            days // self.step_days + 1
        )  # the last step date is on or after the horizon's last month date
        horizon = float(n_steps * self.step_days)
        dates = [self.start_ + dt.timedelta(days=k * self.step_days) for k in range(n_steps)]
        months = monthly_dates(self.start_, self.start_ + dt.timedelta(days=days + 1))
        return dates, months, horizon

    def step_dates(self, horizon_years: float = 5) -> list[dt.date]:
        """The projection's step dates for ``horizon_years`` (what scenario effects are laid on)."""
        self._check_fitted()
        return self._grids(horizon_years)[0]

    def _current_cohort(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Children in care at the start: category, birth date, and (days from the start) when their
        period of care and their current category began (a scenario's "after N weeks" counts from this)."""
        cur = self.current_
        cats = category_index(cur.get_column("category"), self.space)
        dob = cur.get_column("dob").to_numpy().astype("datetime64[D]")
        ps = days_from(cur.get_column("period_start"), self.start_)
        since = days_from(cur.get_column("category_since"), self.start_)
        return cats, dob, ps, since

    def expected_path(self, horizon_years: float = 5) -> np.ndarray:
        """Deterministic expected children per (step, age band, category), from the posterior-mean rates."""
        self._check_fitted()
        dates, _, _ = self._grids(horizon_years)
        return self._expected(len(dates))

    @one_blas_thread
    def _expected(self, n_steps: int) -> np.ndarray:
        sp, step = self.space, float(self.step_days)
        rates = _collapse_exits(self.rates_, sp.n_cat)
        origin = np.datetime64(self.start_, "D")
        cats, dob, ps, _ = self._current_cohort()
        age_b = (birthdays(dob, list(sp.age_boundaries)) - origin).astype(float)
        dur_b = ps[:, None] + np.asarray(sp.duration_lowers[1:], float)[None, :]
        p = np.zeros((cats.size, sp.n_cat))
        p[np.arange(cats.size), cats] = 1.0
        times = np.arange(n_steps) * step
        current = propagate(p, age_b, dur_b, times, step_matrices(sp, rates, step), sp.n_age)
        profile = entrant_profile_path(
            sp, self.entrant_age_days_, self.entrant_cat_, rates, step, n_steps
        )
        mid = (np.arange(n_steps) + 0.5) * step
        per_step = self.entrant_model_.rate(mid) * step
        return current + entrants_path(profile, per_step)

    def simulate(
        self,
        *,
        horizon_years: float = 5,
        n_sims: int = 1000,
        seed: int | None = None,
        parameter_uncertainty: bool = True,
        effects: Any | None = None,
    ) -> ForecastResult:
        """Monte Carlo of individual children from the start; see :class:`ForecastResult` for the arrays.

        ``effects`` (a :class:`carecast.scenarios.effects.ScenarioEffects` on :meth:`step_dates`)
        applies a scenario's levers: entrants are thinned by ``entry_multiplier[step, age band]`` and
        their first placement remapped by ``redirect``; exits, moves and forced moves act on the
        paths (:class:`~carecast.forecast.engine.PathEffects`). Effects use their own random
        stream and each child draws its own numbers, so with the same seed (and effects given, neutral
        ones for the baseline) every child meets the same random numbers in every scenario until a
        lever changes its path. ``effects=None`` leaves the forecast exactly as it was.
        """
        self._check_fitted()
        if not 1 <= n_sims <= 100_000:
            raise ParameterError(
                f"the number of simulations must be 1 to 100,000, not {n_sims}",
                where=Location(field="simulations"),
                fix="use --simulations 1000 (default)",
            )
        sp = self.space
        dates, months, horizon = self._grids(horizon_years)
        n_steps = len(dates)
        rng = np.random.default_rng(seed)
        origin = np.datetime64(self.start_, "D")
        cats, dob, ps, since = self._current_cohort()
        month_grid = day_offsets(months, self.start_)
        mid = (np.arange(n_steps) + 0.5) * self.step_days
        expected_entrants = float(self.entrant_model_.rate(mid).sum() * self.step_days)
        batch = int(
            max(1, min(n_sims, BATCH_CHILDREN // max(1.0, cats.size + 1.5 * expected_entrants)))
        )
        path_effects = self._path_effects(effects, n_steps, seed)
        ages = self._age_table(dob, origin, horizon)
        shape, scale = self._posterior_by_destination()
        entered = np.zeros((n_sims, n_steps, sp.n_age), np.int32)
        prevented = np.zeros((n_sims, n_steps, sp.n_age), np.int32)
        counts = np.zeros((n_sims, n_steps, sp.n_cat), np.int32)
        age_counts = np.zeros((n_sims, n_steps, sp.n_age), np.int32)
        days = np.zeros((n_sims, n_steps, sp.n_cat), np.float32)
        month_states = np.zeros((n_sims, len(months), sp.n_age, sp.n_cat), np.int32)
        exits = np.zeros((n_sims, n_steps, len(sp.exit_groups) + 1), np.int32)
        for lo in range(0, n_sims, batch):
            m = min(batch, n_sims - lo)
            if (
                path_effects is not None
            ):  # each batch its own streams, so scenarios stay aligned batch by batch
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, lo)))
                path_effects.rng = np.random.default_rng(
                    np.random.SeedSequence(seed, spawn_key=(1, lo))
                )
            if parameter_uncertainty:
                draws = rng.gamma(shape, scale, size=(m, *shape.shape))
            else:
                draws = np.broadcast_to(
                    _collapse_exits(self.rates_, sp.n_cat),
                    (m, *self.rates_.shape[:1], sp.n_cat + 1),
                )
            total = draws.sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                cumprob = np.nan_to_num(np.cumsum(draws, axis=-1) / total[..., None], nan=1.0)
            cohort = self._cohort(
                rng, m, cats, dob, ps, since, mid, origin, parameter_uncertainty, lo
            )
            cohort = self._entry_effects(
                cohort,
                cats.size * m,
                m,
                n_steps,
                origin,
                effects,
                path_effects,
                entered[lo : lo + m],
                prevented[lo : lo + m],
            )
            (
                counts[lo : lo + m],
                age_counts[lo : lo + m],
                days[lo : lo + m],
                month_states[lo : lo + m],
                left,
            ) = path_tables(
                sp,
                cohort,
                total,
                cumprob,
                horizon,
                origin,
                rng,
                path_effects,
                ages,
                float(self.step_days),
                n_steps,
                month_grid,
                self.compiled,
            )
            reason_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, lo)))
            exits[lo : lo + m] = exits_by_reason(
                left,
                self._exit_shares(reason_rng, m, parameter_uncertainty),
                m,
                n_steps,
                float(self.step_days),
                reason_rng,
            )
        assumptions = self.assumptions() | {
            "horizon_years": horizon_years,
            "step_days": self.step_days,
            "simulations": n_sims,
            "seed": seed,
            "uncertainty": "process noise (individual children simulated)"
            + (
                " and parameter uncertainty (hazards drawn from their Gamma posteriors, entrant "
                "rate from its posterior, entrant mix by Bayesian bootstrap)"
                if parameter_uncertainty
                else " only"
            ),
        }
        return ForecastResult(
            council=self.history.council,
            start=self.start_,
            step_days=self.step_days,
            categories=sp.categories,
            age_bands=sp.age_labels,
            dates_=dates,
            sim_counts_=counts,
            sim_age_counts_=age_counts,
            sim_days_=days,
            month_dates_=months,
            sim_month_states_=month_states,
            expected_=self._expected(n_steps),
            history_=self.history_,
            assumptions_=assumptions,
            sim_entrants_=entered,
            sim_prevented_=prevented,
            quantiles_=self.quantiles,
            exit_reasons=(*sp.exit_groups, AGED_OUT),
            sim_exits_=exits,
        )

    def _exit_shares(
        self, rng: np.random.Generator, m: int, parameter_uncertainty: bool
    ) -> np.ndarray:
        """Each simulation's share of every exit reason in each state's exit hazard: (m, states, reasons).

        The reason hazards of a state are independent Gamma(shape_r, rate) with one rate, so their
        shares are Dirichlet(shape_r) independent of their sum (the total drawn for the run): drawing
        the shares apart gives the same joint uncertainty as drawing every reason's hazard.
        """
        n_cat = self.space.n_cat
        if not parameter_uncertainty:
            return np.broadcast_to(self.rates_[:, n_cat:], (m, *self.rates_[:, n_cat:].shape))
        return rng.gamma(self.shape_[:, n_cat:], size=(m, *self.shape_[:, n_cat:].shape))

    def _posterior_by_destination(self) -> tuple[np.ndarray, np.ndarray]:
        """Gamma (shape, scale) per state of the hazard to each category and of leaving care.

        The hazards of a state share its rate (person-days at risk + prior), so the hazard of leaving
        for any reason, a sum of independent Gamma(shape_r, rate), is Gamma(Σ shape_r, rate): one
        draw per state instead of one per exit reason, with the same distribution.
        """
        n_cat = self.space.n_cat
        rate = self.rate_[:, : n_cat + 1]
        if not np.array_equal(self.rate_, np.repeat(rate[:, :1], self.rate_.shape[1], axis=1)):
            raise ParameterError(
                "the hazards of a state must share one posterior rate to be drawn by destination",
                fix="report this: the fitted posterior changed shape",
            )
        return _collapse_exits(self.shape_, n_cat), 1.0 / rate

    def _age_table(self, dob: np.ndarray, origin: np.datetime64, horizon: float) -> AgeTable:
        """Age-band changes for every birth date a simulated child can have: the children in care
        now, and entrants (entering before the horizon at an age from the window's entrants)."""
        first, last = ([dob.min()], [dob.max()]) if dob.size else ([origin], [origin])
        ages = self.entrant_age_days_
        if ages.size:
            first.append(origin - np.timedelta64(int(ages.max()), "D"))
            last.append(origin + np.timedelta64(int(horizon) - int(ages.min()), "D"))
        return AgeTable.build(self.space, min(first), max(last), origin)

    def _path_effects(
        self, effects: Any | None, n_steps: int, seed: int | None
    ) -> PathEffects | None:
        if effects is None:
            return None
        sp = self.space
        shapes = {
            "entry_multiplier": (n_steps, sp.n_age),
            "exit_multiplier": (n_steps, sp.n_cat),
            "redirect": (n_steps, sp.n_cat, sp.n_cat),
        }
        for name, shape in shapes.items():
            if np.shape(getattr(effects, name)) != shape:
                raise ParameterError(
                    f"scenario effects '{name}' has shape {np.shape(getattr(effects, name))}, "
                    f"expected {shape}",
                    fix="build effects on model.step_dates(horizon_years)",
                )
        identity = np.allclose(effects.redirect, np.eye(sp.n_cat)[None])
        return PathEffects(
            float(self.step_days),
            np.asarray(effects.exit_multiplier, float),
            None if identity else np.asarray(effects.redirect, float),
            list(effects.forced_moves),
            np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, 0))),
        )

    def _entry_effects(
        self,
        cohort: Cohort,
        n_current: int,
        m: int,
        n_steps: int,
        origin: np.datetime64,
        effects: Any | None,
        path_effects: PathEffects | None,
        entered: np.ndarray,
        prevented: np.ndarray,
    ) -> Cohort:
        """Count entrants by step and age band at entry; with effects, mark the prevented ones (they keep
        their place in the cohort, so every child keeps its random numbers) and remap the others' first
        placements."""
        sp = self.space
        t_new = cohort.t0[n_current:]
        step = np.minimum(np.floor(t_new / self.step_days), n_steps - 1).astype(np.int64)
        age_days = np.floor(t_new) - (cohort.dob[n_current:] - origin).astype(np.float64)
        band = np.zeros(
            age_days.size, np.int64
        )  # age band at entry: a few comparisons beat a search
        for lower in np.asarray(sp.age_lowers[1:], float) * DAYS_PER_YEAR:
            band += age_days >= lower
        cell = (cohort.sim[n_current:] * n_steps + step) * sp.n_age + band
        size = m * n_steps * sp.n_age
        if effects is None or path_effects is None:
            entered += (
                np.bincount(cell, minlength=size).reshape(m, n_steps, sp.n_age).astype(np.int32)
            )
            return cohort
        keep_new = (
            path_effects.rng.random(t_new.size) < np.asarray(effects.entry_multiplier)[step, band]
        )
        entered += (
            np.bincount(cell[keep_new], minlength=size)
            .reshape(m, n_steps, sp.n_age)
            .astype(np.int32)
        )
        prevented += (
            np.bincount(cell[~keep_new], minlength=size)
            .reshape(m, n_steps, sp.n_age)
            .astype(np.int32)
        )
        cat = cohort.cat.astype(np.int64)
        first = n_current + np.flatnonzero(keep_new)
        cat[first] = path_effects.redirect_to(cat[first], cohort.t0[first])
        return Cohort(
            cat=cat,
            dob=cohort.dob,
            period_start=cohort.period_start,
            category_since=cohort.category_since,
            t0=cohort.t0,
            sim=cohort.sim,
            ghost=np.concatenate([np.zeros(n_current, bool), ~keep_new]),
        )

    def _cohort(
        self,
        rng: np.random.Generator,
        m: int,
        cats: np.ndarray,
        dob: np.ndarray,
        ps: np.ndarray,
        since: np.ndarray,
        mid: np.ndarray,
        origin: np.datetime64,
        parameter_uncertainty: bool,
        first_sim: int = 0,
    ) -> Cohort:
        """Children in care at the start (in every simulation) plus each simulation's entrants;
        ``first_sim`` is the absolute index of the batch's first simulation (for the regional shock)."""
        n_steps = mid.size
        n0 = cats.size
        pool = self.entrant_age_days_.size
        if parameter_uncertainty:
            lam = self.entrant_model_.draw(rng, m, mid, first_sim)
        else:
            lam = np.broadcast_to(self.entrant_model_.rate(mid)[None, :], (m, n_steps))
        n_new = rng.poisson(lam * self.step_days) if pool else np.zeros((m, n_steps), np.int64)
        per_sim = n_new.sum(axis=1)
        sim_new = np.repeat(np.arange(m), per_sim)
        step_new = np.repeat(np.tile(np.arange(n_steps), m), n_new.ravel())
        t_new = (step_new + rng.random(step_new.size)) * self.step_days
        if (
            pool and parameter_uncertainty
        ):  # Bayesian bootstrap of the entrant mix, one per simulation
            w = rng.standard_exponential((m, pool))
            cum = (
                np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True) + np.arange(m)[:, None]
            ).ravel()
            cum[np.arange(1, m + 1) * pool - 1] = np.arange(1, m + 1)  # exact block ends
            pick = (
                np.searchsorted(cum, sim_new + rng.random(sim_new.size), side="right")
                - sim_new * pool
            )
            pick = np.clip(pick, 0, pool - 1)
        else:
            pick = rng.integers(0, max(pool, 1), size=sim_new.size)
        age_days = self.entrant_age_days_[pick] if pool else np.zeros(0, np.int64)
        dob_new = origin + (np.floor(t_new).astype(np.int64) - age_days).astype("timedelta64[D]")
        cat_new = self.entrant_cat_[pick] if pool else np.zeros(0, np.int64)
        return Cohort(
            cat=np.concatenate([np.tile(cats, m), cat_new]),
            dob=np.concatenate([np.tile(dob, m), dob_new]),
            period_start=np.concatenate([np.tile(ps, m), t_new]),
            category_since=np.concatenate([np.tile(since, m), t_new]),
            t0=np.concatenate([np.zeros(n0 * m), t_new]),
            sim=np.concatenate([np.repeat(np.arange(m), n0), sim_new]),
        )


def category_index(categories: pl.Series, space: StateSpace) -> np.ndarray:
    """Category ids → their index in the state space."""
    return categories.replace_strict(
        list(space.categories), list(range(space.n_cat)), return_dtype=pl.Int64
    ).to_numpy()


def history_counts(history: CareHistory, space: StateSpace, days: list[dt.date]) -> pl.DataFrame:
    """Children in care per category and age band on each of ``days`` (on or before the end of the data).

    Complete: every (date, category, age band) has a row, zero when nobody was there.
    """
    grid = (
        pl.DataFrame({"date": days}, schema={"date": pl.Date})
        .join(pl.DataFrame({"category": list(space.categories)}), how="cross")
        .join(pl.DataFrame({"age_band": list(space.age_labels)}), how="cross")
    )
    if not days:
        return grid.with_columns(pl.lit(0, dtype=pl.Int64).alias("children"))
    eps = history.episodes.with_columns(
        pl.min_horizontal(pl.col("end").fill_null(dt.date(9999, 12, 31)), pl.col("bday18")).alias(
            "_until"
        ),
        *[birthday_expr("dob", a).alias(f"_b{i}") for i, a in enumerate(space.age_lowers[1:])],
    )
    band = pl.sum_horizontal(
        [(pl.col(f"_b{i}") <= pl.col("date")).cast(pl.Int64) for i in range(space.n_age - 1)]
        or [pl.lit(0)]
    )
    open_on = (
        eps.join_where(
            pl.DataFrame({"date": days}, schema={"date": pl.Date}),
            pl.col("decom") <= pl.col("date"),
            pl.col("_until") > pl.col("date"),
        )
        .with_columns(
            band.replace_strict(list(range(space.n_age)), list(space.age_labels)).alias("age_band")
        )
        .group_by("date", "category", "age_band")
        .agg(pl.len().cast(pl.Int64).alias("children"))
    )
    return (
        grid.join(open_on, on=["date", "category", "age_band"], how="left")
        .with_columns(pl.col("children").fill_null(0))
        .sort("date", "category", "age_band")
    )
