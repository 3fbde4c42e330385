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

**Regional entry shock** (flat and fitted trends, several councils forecast together). Councils of
a region do not move independently: a UASC surge, a national policy change or a court judgment
raises entries everywhere in the same month, so a region summed from independent councils has too
narrow a band. Each council's relative residuals r_m = (y_m − μ_m) ÷ μ_m over the common window
give the shared variance by the method of moments,

    σc² = max(0, mean over months m and council pairs i < j of r_im · r_jm),

(E[r_i r_j] = σc² when the councils share a monthly multiplier of variance σc², 0 when they are
independent). In simulations every council's rate in month m of simulation k is multiplied by the
same S[k, m], log-normal with mean 1 and variance σc², read from a stream keyed only by the user's
seed, k and m (:class:`RegionalShock`), so it is shared by every council whatever the batching and
the number of workers. The council's own frailty variance becomes a with (1 + a)(1 + σc²) = 1 + σ²,
floored at 0: a council's total monthly variance is unchanged (when σ² ≥ σc²) and only the
correlation between councils is added; a council less dispersed than the shared shock gets σc².
Fewer than 2 councils with entries or fewer than ``regional_shock_min_months`` months: σc² = 0.
The multiplier is log-normal rather than Gamma because it is computed from a hash of (seed, k, m)
by the inverse normal CDF, exact and fast; a Gamma quantile (gammaincinv) costs about ten times more.
Not shared: each council's rate and trend estimates are still drawn independently, although the
window's shared shocks make their errors correlated too (by about σc² ÷ the window's effective
months on the level); on constructed co-moving councils the region's 90% band for next year's
entries then holds ~86% rather than 90% (tests/forecast/test_regional_shock.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from carecast.errors import Location, ParameterError
from carecast.forecast.params import defaults
from carecast.forecast.persistence import EntryPersistence, own_persistence
from carecast.forecast.trend_choice import DAMPING, choose_trend, damped_years
from carecast.plumbing.constants import DAYS_PER_MONTH, DAYS_PER_YEAR

TRENDS = ("auto", "flat", "damped", "fitted", "population")


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
        raise ParameterError(
            f"population file {p} does not exist",
            where=Location(file=str(p)),
            fix="give a CSV with columns year,population (children aged 0-17)",
        )
    with open(p, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = {k.strip().lower() for k in (rows[0].keys() if rows else [])}
    missing = {"year", "population"} - header
    if missing:
        raise ParameterError(
            f"population file has no column(s) {sorted(missing)}",
            where=Location(file=str(p)),
            fix="give a CSV with columns year,population (and optionally council)",
        )
    years, pops = [], []
    for i, row in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        if council is not None and row.get("council") and row["council"].lower() != council.lower():
            continue
        try:
            year, pop = int(row["year"]), float(row["population"])
        except ValueError:
            raise ParameterError(
                f"'{row['year']}','{row['population']}' is not a year and a number",
                where=Location(file=str(p), row=i),
                fix="write years as 2025 and populations as numbers",
            ) from None
        if pop <= 0:
            raise ParameterError(
                f"population {pop:g} must be positive",
                where=Location(file=str(p), row=i, column="population"),
                fix="give the child population (aged 0-17) for that year",
            )
        years.append(year)
        pops.append(pop)
    if not years:
        raise ParameterError(
            f"population file has no rows{' for ' + council if council else ''}",
            where=Location(file=str(p)),
            fix="add one row per year (and council)",
        )
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


def _pair_products(counts: np.ndarray, fitted: np.ndarray, min_months: int | None) -> np.ndarray:
    """Per month, the mean over council pairs i < j of r_i · r_j (relative residuals); empty when
    fewer than 2 councils (with every month fitted above 0) or ``min_months`` months."""
    y, mu = np.atleast_2d(np.asarray(counts, float)), np.atleast_2d(np.asarray(fitted, float))
    keep = (mu > 0).all(axis=1)
    y, mu = y[keep], mu[keep]
    k, months = y.shape
    if k < 2 or months < (
        min_months if min_months is not None else defaults().regional_shock_min_months
    ):
        return np.zeros(0)
    r = (y - mu) / mu
    return (r.sum(axis=0) ** 2 - (r * r).sum(axis=0)) / (k * (k - 1))  # Σ_{i<j} r_i r_j ÷ pairs


def shared_entry_variance(
    counts: np.ndarray, fitted: np.ndarray, min_months: int | None = None
) -> float:
    """The regional shock's variance σc² from councils' monthly entries (rows) and their fitted means
    (see module doc): the mean over months and council pairs of the products of relative residuals,
    floored at 0. Councils with a month fitted at 0 are left out; under 2 councils or
    ``min_months`` months (default from ``forecast/data/model.yaml``), 0.

    >>> round(shared_entry_variance(np.array([[12, 8] * 6] * 2), np.full((2, 12), 10.0)), 12)  # r = ±0.2
    0.04
    """
    pairs = _pair_products(counts, fitted, min_months)
    return max(float(pairs.mean()), 0.0) if pairs.size else 0.0


def shared_entry_variance_se(
    counts: np.ndarray, fitted: np.ndarray, min_months: int | None = None
) -> tuple[float, float]:
    """The estimate before flooring and its standard error (months' pair means taken as independent):
    an estimate within ~2 standard errors of 0 is what independent councils give by chance."""
    pairs = _pair_products(counts, fitted, min_months)
    if pairs.size < 2:
        return 0.0, 0.0
    return float(pairs.mean()), float(pairs.std(ddof=1) / np.sqrt(pairs.size))


def shock_correlation(models: list[EntrantModel]) -> float:
    """The between-council correlation of monthly entries the shock implies, averaged over pairs:
    Cov(y_i, y_j) = μ_i μ_j σc² and Var y_i = μ_i + μ_i² v_i, v_i = (1 + a_i)(1 + σc²) − 1 the
    council's total monthly rate variance (μ its window's mean monthly fitted entries), so
    ρ_ij = σc² ÷ √((1/μ_i + v_i)(1/μ_j + v_j)). Parameter uncertainty left out."""
    fitted = [m for m in models if m.monthly_fitted_.size and m.shock is not None]
    if len(fitted) < 2 or fitted[0].shock is None or fitted[0].shock.total_variance <= 0:
        return 0.0
    c = fitted[0].shock.total_variance
    mu = np.array([m.monthly_fitted_.mean() for m in fitted])
    v = np.array([(1 + m.own_cv2) * (1 + c) - 1 for m in fitted])
    w = 1 / np.sqrt(1 / mu + v)
    k = len(fitted)
    return float(c * (w.sum() ** 2 - (w * w).sum()) / (k * (k - 1)))


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 whose output bits look independent of the input's."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True)
class RegionalShock:
    """A monthly entry-rate multiplier shared by every council of a region (see module doc).

    ``key`` comes from the user's seed alone; the multiplier of simulation k in projection month m
    is a hash of (key, k, m) turned into a log-normal (mean 1, variance ``variance``), so any
    council, batch or worker asking for (k, m) gets the same number without sharing a generator.
    """

    variance: float  # σc², the part lasting one month
    key: int
    persistent: EntryPersistence = EntryPersistence()  # the part persisting for months (AR(1))

    @classmethod
    def from_seed(
        cls, variance: float, seed: int | None, persistent: EntryPersistence | None = None
    ) -> RegionalShock:
        """The shock for a forecast seeded with ``seed`` (None: fresh entropy, shared by this forecast)."""
        state = np.random.SeedSequence(seed, spawn_key=(3,)).generate_state(1, np.uint64)[0]
        return cls(float(variance), int(state), persistent or EntryPersistence())

    @property
    def total_variance(self) -> float:
        """Relative variance of the month's multiplier, both parts: (1 + σc²)(1 + c) − 1."""
        return (1 + self.variance) * (1 + self.persistent.variance) - 1

    def _normals(self, key: int, sims: np.ndarray, months: np.ndarray) -> np.ndarray:
        k = np.asarray(sims).astype(np.uint64)
        m = np.asarray(months).astype(np.uint64)
        with np.errstate(over="ignore"):
            per_sim = _mix(np.uint64(key) + (k + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15))
            bits = _mix(
                per_sim[:, None] + (m[None, :] + np.uint64(1)) * np.uint64(0xD1B54A32D192ED03)
            )
        from scipy.special import ndtri  # imported when used: a region's shock, ~0.8 s to import

        return ndtri(((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53)  # u in (0, 1)

    def multipliers(self, sims: np.ndarray, months: np.ndarray) -> np.ndarray:
        """S[k, m] for absolute simulation indices ``sims`` and projection months ``months``: (sims, months).
        The persistent part runs from month 0, so ``months`` must be 0, 1, … when it is present."""
        s2 = np.log1p(self.variance)
        out = np.exp(np.sqrt(s2) * self._normals(self.key, sims, months) - s2 / 2)
        if self.persistent.present:
            second = int(_mix(np.array([self.key ^ 0x5851F42D4C957F2D], np.uint64))[0])
            out = out * self.persistent.multipliers(self._normals(second, sims, months))
        return out


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
    half_life_years: float | None = (
        None  # flat trend's weighting (default from forecast/data/model.yaml)
    )
    rate_per_day_: float = 0.0  # flat trend: weighted entries per day
    effective_days_: float = 0.0  # flat trend: (∫w)² / ∫w², the weighted window's effective length
    dispersion_: float = (
        1.0  # quasi-Poisson φ of the window's monthly entries (flat and fitted trends)
    )
    month_cv2_: float = (
        0.0  # σ²: variance of the monthly Gamma frailty on the entry rate (0 = Poisson)
    )
    shock: RegionalShock | None = (
        None  # the region's shared monthly multiplier (flat and fitted trends)
    )
    monthly_counts_: np.ndarray = field(
        default_factory=lambda: np.zeros(0)
    )  # window's entries per month
    monthly_fitted_: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their log-linear fit
    persistence_: EntryPersistence = EntryPersistence()  # the council's own persistent entry state
    trend_choice_: dict | None = None  # trend "auto": the trend chosen and the evidence

    def fit(self, entry_days: np.ndarray, window_days: float) -> EntrantModel:
        """Fit to entry times (days from the start, in (-window_days, 0])."""
        if self.trend not in TRENDS:
            raise ParameterError(
                f"unknown entrant trend '{self.trend}'",
                where=Location(field="trend"),
                fix=f"use one of {', '.join(TRENDS)}",
            )
        if self.trend == "population" and self.population is None:
            raise ParameterError(
                "the population trend needs a population projection",
                where=Location(field="population"),
                fix="pass --population FILE (CSV with columns year,population)",
            )
        self.n_entries_ = int(len(entry_days))
        self.window_days_ = float(window_days)
        if self.half_life_years is None:
            self.half_life_years = defaults().entry_half_life_years
        if self.half_life_years < 0:
            raise ParameterError(
                f"the entry half-life {self.half_life_years:g} years must not be negative",
                where=Location(field="entry_half_life_years"),
                fix="use 0 for the plain window average, or a positive number of years",
            )
        if self.n_entries_:  # the population trend too: its monthly entries move as the others do
            self._fit_poisson(np.asarray(entry_days, float), window_days)
        if self.trend == "auto":
            self.trend_choice_ = (
                choose_trend(self.monthly_counts_, self.half_life_years)
                if self.n_entries_
                else {"chosen": "flat", "reason": "no entries in the window"}
            )
            self.trend = self.trend_choice_["chosen"]
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
        n_bins = max(int(round(window_days / DAYS_PER_MONTH)), 2)
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
        self.monthly_counts_, self.monthly_fitted_ = y, mu
        self.dispersion_, self.month_cv2_ = entry_dispersion(y, mu)
        self.persistence_ = own_persistence(
            y, mu, self.shock.persistent if self.shock is not None else None
        )
        self.cov_ = np.linalg.inv(x.T @ (mu[:, None] * x)) * max(self.dispersion_, 1.0)

    def rate(self, t_days: np.ndarray) -> np.ndarray:
        """Point estimate of entrants per day at times ``t_days``."""
        t = np.asarray(t_days, float)
        if self.trend == "flat":
            return np.full(t.shape, self.rate_per_day_)
        if self.trend in ("fitted", "damped"):
            return np.exp(self.coef_[0] + self.coef_[1] * self._growth_years(t))
        return self.n_entries_ / self.exposure_ * self._pop(t)

    def _growth_years(self, t_days: np.ndarray) -> np.ndarray:
        """Years of trend growth at ``t_days``: t itself (fitted), or damped beyond the start."""
        years = np.asarray(t_days, float) / DAYS_PER_YEAR
        return damped_years(years) if self.trend == "damped" else years

    @property
    def own_cv2(self) -> float:
        """The council's own monthly frailty variance a: (1 + a)(1 + σc²) = 1 + σ², floored at 0
        (σ² itself without a shock)."""
        shared = self.shock.total_variance if self.shock is not None else 0.0
        persistent = self.persistence_.variance if self.persistence_.present else 0.0
        if shared <= 0 and persistent <= 0:
            return self.month_cv2_
        return max((1.0 + self.month_cv2_) / ((1.0 + shared) * (1.0 + persistent)) - 1.0, 0.0)

    def draw(
        self, rng: np.random.Generator, n_sims: int, t_days: np.ndarray, first_sim: int = 0
    ) -> np.ndarray:
        """Entrants per day at ``t_days`` for simulations ``first_sim`` … ``first_sim + n_sims - 1``, with
        parameter uncertainty: (n_sims, n_t). ``first_sim`` only picks the regional shock's rows."""
        t = np.asarray(t_days, float)
        if self.trend == "flat":
            if not self.n_entries_:
                return np.zeros((n_sims, t.size))
            days = self.effective_days_ / max(self.dispersion_, 1.0)
            lam = rng.gamma(self.rate_per_day_ * days, 1.0 / days, size=n_sims)
            slope = rng.normal(0.0, np.sqrt(self.cov_[1, 1]), size=n_sims)
            return self._frailty(
                rng,
                lam[:, None] * np.exp(slope[:, None] * t[None, :] / DAYS_PER_YEAR),
                t,
                first_sim,
            )
        if self.trend in ("fitted", "damped"):
            coef = rng.multivariate_normal(self.coef_, self.cov_, size=n_sims)
            growth = self._growth_years(t)[None, :]
            return self._frailty(rng, np.exp(coef[:, :1] + coef[:, 1:] * growth), t, first_sim)
        if not self.n_entries_:
            return np.zeros((n_sims, t.size))
        r = rng.gamma(self.n_entries_, 1.0 / self.exposure_, size=n_sims)
        return self._frailty(rng, r[:, None] * self._pop(t)[None, :], t, first_sim)

    def _frailty(
        self, rng: np.random.Generator, rates: np.ndarray, t: np.ndarray, first_sim: int = 0
    ) -> np.ndarray:
        """Rates times the council's own Gamma(1/a, a) frailty per simulation and month of the projection,
        then the regional shock's multiplier shared with the other councils (each left out at variance 0)."""
        own = self.own_cv2
        shared = self.shock.total_variance if self.shock is not None else 0.0
        if (own <= 0 and shared <= 0 and not self.persistence_.present) or not t.size:
            return rates
        month = np.floor(np.maximum(t, 0.0) / DAYS_PER_MONTH).astype(np.int64)
        n_months = int(month.max()) + 1
        if own > 0:
            shape = 1.0 / own
            g = rng.gamma(shape, 1.0 / shape, size=(rates.shape[0], n_months))
            rates = rates * g[:, month]
        if (
            self.persistence_.present
        ):  # the council's own state, a path over the horizon per simulation
            z = rng.standard_normal((rates.shape[0], n_months))
            rates = rates * self.persistence_.multipliers(z)[:, month]
        if shared > 0:
            assert self.shock is not None
            sims = first_sim + np.arange(rates.shape[0])
            rates = rates * self.shock.multipliers(sims, np.arange(n_months))[:, month]
        return rates

    def describe(self) -> dict:
        """What the entrant model is, in words and numbers, for every output's assumptions."""
        per_year = self.n_entries_ / self.window_days_ * DAYS_PER_YEAR if self.window_days_ else 0.0
        out: dict = {
            "trend": self.trend,
            "entries_in_window": self.n_entries_,
            "window_entries_per_year": round(per_year, 2),
        }
        if self.trend_choice_ is not None:
            out["trend_choice"] = self.trend_choice_
        if self.monthly_fitted_.size:
            out["monthly_entries_dispersion"] = round(self.dispersion_, 3)
            out["monthly_rate_frailty_cv"] = round(float(np.sqrt(self.month_cv2_)), 4)
            out["entry_persistence"] = self.persistence_.describe() | {
                "method": "method of moments on the lagged products of the window's monthly relative residuals "
                "(Poisson noise and the trend fit accounted for, the regional shock's share taken off); "
                "simulated as a log-normal AR(1) multiplier, one path per simulation over the horizon",
                "reading": (
                    "entries move for months at a time: bands widen with the horizon"
                    if self.persistence_.present
                    else "no persistence beyond chance: months scatter independently around the trend"
                ),
            }
            if self.shock is not None and self.shock.total_variance > 0:
                out["regional_entry_shock_cv"] = round(float(np.sqrt(self.shock.variance)), 4)
                if self.shock.persistent.present:
                    out["regional_entry_persistence"] = self.shock.persistent.describe()
                out["own_monthly_rate_frailty_cv"] = round(float(np.sqrt(self.own_cv2)), 4)
        if self.trend == "flat":
            out["model"] = (
                "constant entry rate equal to the reference window's average, recent entries weighted "
                "more; bands include a trend the window cannot rule out"
            )
            out["entry_half_life_years"] = self.half_life_years
            out["weighted_entries_per_year"] = round(self.rate_per_day_ * DAYS_PER_YEAR, 2)
            out["trend_standard_error_pct_per_year"] = round(
                float(np.sqrt(self.cov_[1, 1])) * 100, 2
            )
        elif self.trend in ("fitted", "damped"):
            out["model"] = "Poisson regression of monthly entries on time, log-linear trend" + (
                f", its slope fading by {1 - DAMPING:.0%} a month beyond the start"
                if self.trend == "damped"
                else ""
            )
            out["annual_growth_pct"] = round(float(np.expm1(self.coef_[1])) * 100, 2)
            out["entries_per_year_at_start"] = round(
                float(np.exp(self.coef_[0]) * DAYS_PER_YEAR), 2
            )
        else:
            assert self.population is not None
            out["model"] = "entry rate per 10,000 children applied to the population projection"
            out["entries_per_10000_children_per_year"] = round(
                self.n_entries_ / self.exposure_ * DAYS_PER_YEAR * 10_000, 3
            )
            out["population_file"] = self.population.source
        return out
