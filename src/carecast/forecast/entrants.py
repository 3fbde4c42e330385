"""How many children enter care each day of the projection: flat, fitted trend, or per population.

* **flat** (default): the window's entry rate held constant, with recent entries weighted more:
  λ = Σ w(tᵢ) ÷ ∫ w dt, w(t) = 2^(t / half-life) (t ≤ 0 days before the start). A plain average
  (half-life 0) describes the rate at the window's middle, so a drifting rate is forecast late.
  Parameter uncertainty: λ ~ Gamma(λ·D, D) with D = (∫w)² ÷ ∫w² the weighted window's effective
  length in days (the posterior under a flat prior on log λ; Gamma(entries, days) when unweighted),
  times ``exp(β·t)`` with β ~ N(0, se²), se the standard error of the log-linear slope fitted to the
  window: the point forecast assumes no trend, the bands admit any trend the window cannot rule out.
* **fitted**: a Poisson regression of monthly entries on time, ``E[entries in month m] =
  days_m · exp(a + b·t_m)`` (t in years from the start), fitted by Newton's method; projected as
  ``exp(a + b·t)``; parameter uncertainty from the normal approximation (inverse Fisher information).
* **population**: a rate per child in the population, ``r = entries ÷ ∫ population dt`` over the
  window, applied to the user's population projection; r ~ Gamma(entries, ∫ population dt).
  Reported as entrants per 10,000 children a year.

**Overdispersion** (flat and fitted trends). Real monthly entries vary more than a Poisson process
would (a sibling group enters on one day, a court backlog clears, a local campaign runs). The
window's monthly counts y_m around the log-linear fit μ_m give the quasi-Poisson dispersion
φ = Σ (y_m − μ_m)² / μ_m ÷ (months − 2). When φ > 1 the entries are modelled as Poisson with a
Gamma(1/σ², σ²) frailty per month (mean 1, variance σ² = (φ − 1) ÷ mean μ, so Var y = μ + σ²μ²,
i.e. φ·μ at the window's mean), and the rate's and slope's uncertainty are inflated by φ as
quasi-likelihood does (effective days ÷ φ, slope variance × φ). φ ≤ 1 changes nothing: the
Poisson model is kept. Both act only in simulations with parameter uncertainty (``draw``); the
expected path and the point forecast are unchanged.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from carecast.errors import Location, ParameterError
from carecast.forecast.params import defaults

TRENDS = ("flat", "fitted", "population")
DAYS_PER_YEAR = 365.25
MONTH_DAYS = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class Population:
    """Mid-year child (0-17) population by calendar year, interpolated linearly, flat beyond its ends."""

    years: np.ndarray
    population: np.ndarray
    source: str

    def at(self, when: np.ndarray) -> np.ndarray:
        """Population at times given as fractional calendar years."""
        return np.interp(when, self.years + 0.5, self.population)


def load_population(path: str | Path, council: str | None = None) -> Population:
    """Read a population projection CSV with columns ``year`` and ``population`` (and optional ``council``)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"population file {p} does not exist", where=Location(file=str(p)),
                             fix="give a CSV with columns year,population (children aged 0-17)")
    with open(p, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = {k.strip().lower() for k in (rows[0].keys() if rows else [])}
    missing = {"year", "population"} - header
    if missing:
        raise ParameterError(f"population file has no column(s) {sorted(missing)}", where=Location(file=str(p)),
                             fix="give a CSV with columns year,population (and optionally council)")
    years, pops = [], []
    for i, row in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        if council is not None and row.get("council") and row["council"].lower() != council.lower():
            continue
        try:
            year, pop = int(row["year"]), float(row["population"])
        except ValueError:
            raise ParameterError(f"'{row['year']}','{row['population']}' is not a year and a number",
                                 where=Location(file=str(p), row=i), fix="write years as 2025 and populations as numbers") from None
        if pop <= 0:
            raise ParameterError(f"population {pop:g} must be positive", where=Location(file=str(p), row=i, column="population"),
                                 fix="give the child population (aged 0-17) for that year")
        years.append(year)
        pops.append(pop)
    if not years:
        raise ParameterError(f"population file has no rows{' for ' + council if council else ''}",
                             where=Location(file=str(p)), fix="add one row per year (and council)")
    order = np.argsort(years)
    return Population(np.asarray(years, float)[order], np.asarray(pops, float)[order], str(p))


def entry_dispersion(counts: np.ndarray, fitted: np.ndarray) -> tuple[float, float]:
    """Quasi-Poisson dispersion φ of ``counts`` around their fitted means (two parameters fitted),
    and the monthly frailty variance σ² = max(φ − 1, 0) ÷ mean(fitted) it implies (see module doc).

    >>> entry_dispersion(np.array([5, 15, 15, 5]), np.array([10.0, 10, 10, 10]))  # 4·2.5 / 2 = 5
    (5.0, 0.4)
    """
    y, mu = np.asarray(counts, float), np.asarray(fitted, float)
    ok = mu > 0
    df = int(ok.sum()) - 2
    if df < 1:
        return 1.0, 0.0
    phi = float(((y[ok] - mu[ok]) ** 2 / mu[ok]).sum() / df)
    return phi, max(phi - 1.0, 0.0) / float(mu[ok].mean())


@dataclass
class EntrantModel:
    """The entry intensity (children per day) over time; times are days from the forecast start."""

    trend: str = "flat"
    population: Population | None = None
    start_year: float = 0.0  # fractional calendar year of the forecast start (for population)
    n_entries_: int = 0
    window_days_: float = 0.0
    coef_: np.ndarray = field(default_factory=lambda: np.zeros(2))
    cov_: np.ndarray = field(default_factory=lambda: np.zeros((2, 2)))
    exposure_: float = 0.0  # population-days (population trend)
    half_life_years: float | None = None  # flat trend's weighting (default from forecast/data/model.yaml)
    rate_per_day_: float = 0.0  # flat trend: weighted entries per day
    effective_days_: float = 0.0  # flat trend: (∫w)² / ∫w², the weighted window's effective length
    dispersion_: float = 1.0  # quasi-Poisson φ of the window's monthly entries (flat and fitted trends)
    month_cv2_: float = 0.0  # σ²: variance of the monthly Gamma frailty on the entry rate (0 = Poisson)

    def fit(self, entry_days: np.ndarray, window_days: float) -> EntrantModel:
        """Fit to entry times (days from the start, in (-window_days, 0])."""
        if self.trend not in TRENDS:
            raise ParameterError(f"unknown entrant trend '{self.trend}'", where=Location(field="trend"),
                                 fix=f"use one of {', '.join(TRENDS)}")
        if self.trend == "population" and self.population is None:
            raise ParameterError("the population trend needs a population projection", where=Location(field="population"),
                                 fix="pass --population FILE (CSV with columns year,population)")
        self.n_entries_ = int(len(entry_days))
        self.window_days_ = float(window_days)
        if self.half_life_years is None:
            self.half_life_years = defaults().entry_half_life_years
        if self.half_life_years < 0:
            raise ParameterError(f"the entry half-life {self.half_life_years:g} years must not be negative",
                                 where=Location(field="entry_half_life_years"),
                                 fix="use 0 for the plain window average, or a positive number of years")
        if self.trend in ("flat", "fitted") and self.n_entries_:
            self._fit_poisson(np.asarray(entry_days, float), window_days)
        if self.trend == "flat":
            self._fit_weighted(np.asarray(entry_days, float), window_days)
        if self.trend == "population":
            grid = np.linspace(-window_days, 0, 200)
            self.exposure_ = float(np.trapezoid(self._pop(grid), grid))
        return self

    def _pop(self, t_days: np.ndarray) -> np.ndarray:
        assert self.population is not None
        return self.population.at(self.start_year + np.asarray(t_days) / DAYS_PER_YEAR)

    def _fit_weighted(self, days: np.ndarray, window_days: float) -> None:
        """Entries per day with weights halving every ``half_life_years`` back from the start."""
        assert self.half_life_years is not None
        if self.half_life_years == 0 or not window_days:
            self.rate_per_day_ = self.n_entries_ / window_days if window_days else 0.0
            self.effective_days_ = window_days
            return
        k = np.log(2.0) / (self.half_life_years * DAYS_PER_YEAR)
        w1 = -np.expm1(-k * window_days) / k  # ∫ w over the window
        w2 = -np.expm1(-2 * k * window_days) / (2 * k)  # ∫ w²
        self.rate_per_day_ = float(np.exp(k * days).sum() / w1)
        self.effective_days_ = float(w1 * w1 / w2)

    def _fit_poisson(self, days: np.ndarray, window_days: float) -> None:
        n_bins = max(int(round(window_days / MONTH_DAYS)), 2)
        edges = np.linspace(-window_days, 0.0, n_bins + 1)
        y, _ = np.histogram(days, bins=edges)
        width = np.diff(edges)
        x = np.column_stack([np.ones(n_bins), (edges[:-1] + width / 2) / DAYS_PER_YEAR])
        beta = np.array([np.log(max(y.sum(), 0.5) / window_days), 0.0])
        for _ in range(50):
            mu = width * np.exp(x @ beta)
            info = x.T @ (mu[:, None] * x)
            step = np.linalg.solve(info, x.T @ (y - mu))
            beta = beta + step
            if np.max(np.abs(step)) < 1e-10:
                break
        mu = width * np.exp(x @ beta)
        self.coef_ = beta
        self.dispersion_, self.month_cv2_ = entry_dispersion(y, mu)
        self.cov_ = np.linalg.inv(x.T @ (mu[:, None] * x)) * max(self.dispersion_, 1.0)

    def rate(self, t_days: np.ndarray) -> np.ndarray:
        """Point estimate of entrants per day at times ``t_days``."""
        t = np.asarray(t_days, float)
        if self.trend == "flat":
            return np.full(t.shape, self.rate_per_day_)
        if self.trend == "fitted":
            return np.exp(self.coef_[0] + self.coef_[1] * t / DAYS_PER_YEAR)
        return self.n_entries_ / self.exposure_ * self._pop(t)

    def draw(self, rng: np.random.Generator, n_sims: int, t_days: np.ndarray) -> np.ndarray:
        """Entrants per day at ``t_days`` for each simulation, with parameter uncertainty: (n_sims, n_t)."""
        t = np.asarray(t_days, float)
        if self.trend == "flat":
            if not self.n_entries_:
                return np.zeros((n_sims, t.size))
            days = self.effective_days_ / max(self.dispersion_, 1.0)
            lam = rng.gamma(self.rate_per_day_ * days, 1.0 / days, size=n_sims)
            slope = rng.normal(0.0, np.sqrt(self.cov_[1, 1]), size=n_sims)
            return self._frailty(rng, lam[:, None] * np.exp(slope[:, None] * t[None, :] / DAYS_PER_YEAR), t)
        if self.trend == "fitted":
            coef = rng.multivariate_normal(self.coef_, self.cov_, size=n_sims)
            return self._frailty(rng, np.exp(coef[:, :1] + coef[:, 1:] * t[None, :] / DAYS_PER_YEAR), t)
        r = rng.gamma(self.n_entries_, 1.0 / self.exposure_, size=n_sims) if self.n_entries_ else np.zeros(n_sims)
        return r[:, None] * self._pop(t)[None, :]

    def _frailty(self, rng: np.random.Generator, rates: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Rates times a Gamma(1/σ², σ²) frailty per simulation and month of the projection (σ² = 0: as is)."""
        if self.month_cv2_ <= 0 or not t.size:
            return rates
        month = np.floor(np.maximum(t, 0.0) / MONTH_DAYS).astype(np.int64)
        shape = 1.0 / self.month_cv2_
        g = rng.gamma(shape, 1.0 / shape, size=(rates.shape[0], int(month.max()) + 1))
        return rates * g[:, month]

    def describe(self) -> dict:
        """What the entrant model is, in words and numbers, for every output's assumptions."""
        per_year = self.n_entries_ / self.window_days_ * DAYS_PER_YEAR if self.window_days_ else 0.0
        out: dict = {"trend": self.trend, "entries_in_window": self.n_entries_,
                     "window_entries_per_year": round(per_year, 2)}
        if self.trend in ("flat", "fitted"):
            out["monthly_entries_dispersion"] = round(self.dispersion_, 3)
            out["monthly_rate_frailty_cv"] = round(float(np.sqrt(self.month_cv2_)), 4)
        if self.trend == "flat":
            out["model"] = ("constant entry rate equal to the reference window's average, recent entries weighted "
                            "more; bands include a trend the window cannot rule out")
            out["entry_half_life_years"] = self.half_life_years
            out["weighted_entries_per_year"] = round(self.rate_per_day_ * DAYS_PER_YEAR, 2)
            out["trend_standard_error_pct_per_year"] = round(float(np.sqrt(self.cov_[1, 1])) * 100, 2)
        elif self.trend == "fitted":
            out["model"] = "Poisson regression of monthly entries on time, log-linear trend"
            out["annual_growth_pct"] = round(float(np.expm1(self.coef_[1])) * 100, 2)
            out["entries_per_year_at_start"] = round(float(np.exp(self.coef_[0]) * DAYS_PER_YEAR), 2)
        else:
            assert self.population is not None
            out["model"] = "entry rate per 10,000 children applied to the population projection"
            out["entries_per_10000_children_per_year"] = round(
                self.n_entries_ / self.exposure_ * DAYS_PER_YEAR * 10_000, 3)
            out["population_file"] = self.population.source
        return out
