"""Stock-and-flow forecast of children looked after per council, on rates per 10,000 children.

Each year ahead, a council's stock changes by (log scale)::

    log(stock'/stock) = drift + κ · flow change / stock + β · (rate - region's rate) + ε

* **flow change** = starts_rate · population / 10,000 - cease_share · stock + other · stock:
  the children the flows would add. ``starts_rate`` (starts per 10,000 children 0-17; population
  from the ONS estimates, trended beyond them) and ``cease_share`` (ceased during the year as a
  share of the stock at its start) are on the log scale, each council's mean pooled toward its
  region's and England's (:mod:`carecast.published.pooling`); last year's deviation from it
  decays by ``φ`` a year, with ``φ`` estimated from the panel (pooled lag-one regression of the
  deviations, 0 to 0.95), so rates revert only as fast as the data say. ``other`` is the change
  the flows do not explain (~0.6% a year, DOMAIN.md §8), pooled the same way.
* **rate - region's rate**: log children looked after per 10,000 minus its region's mean. The
  published councils drift toward their region's rate (β < 0 at every origin in the data):
  mean reversion across councils, which the data support, where the stock of one council on
  its own is close to a random walk (its year-on-year changes are uncorrelated).
* **drift, κ, β** are estimated by feasible weighted least squares on every earlier one-year
  step in the data (weights 1/(a + b/stock), a small council's change being noisier); nothing
  is set by hand. Without an earlier origin, :data:`PRIOR_COEF` with wide errors is used.
* **ε** are the observed one-year surprises of that calibration, split into a part common to
  England, one common to a region and the council's own (variance a + b/stock). England's part
  is at least the variance of England's own year-on-year change.

Bands come from simulation: each simulation draws (drift, κ, β) from their estimated sampling
distribution and the ε of every year, carrying the model's parameter uncertainty and the
observed variation; councils are summed per simulation, so they add up to regions and England.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carecast.published.pooling import Pooled, pool
from carecast.published.series import Series, trended_population

PER = 10_000.0
# Without an earlier origin to calibrate on: no drift, half the flow-implied change, no pull,
# with wide standard errors, and ~6% a year of council noise (DOMAIN.md §8). A judgement.
PRIOR_COEF = np.array([0.0, 0.5, 0.0])
PRIOR_SE = np.array([0.02, 0.25, 0.05])
PRIOR_VAR = (0.0036, 0.0)
PHI_MAX = 0.95
DEFAULT_SEED = 20240331


@dataclass(frozen=True)
class Rates:
    starts: Pooled  # log starts per 10,000
    cease: Pooled  # log share ceasing
    other: Pooled  # other change, share of stock
    phi: float
    starts_dev: np.ndarray  # last year's deviation from the pooled mean (log)
    cease_dev: np.ndarray


@dataclass(frozen=True)
class Fit:
    series: Series  # as known at the origin
    origin: int
    rates: Rates
    coef: np.ndarray  # drift, weight of the flow-implied change, pull toward the region
    coef_cov: np.ndarray
    calibration_years: list[int]
    var_england: float
    var_region: float
    var_council: tuple[float, float]  # a, b of a + b / stock

    def council_var(self, stock: np.ndarray) -> np.ndarray:
        a, b = self.var_council
        return a + b / np.maximum(stock, 1.0)


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(x)
    out[~np.isfinite(out)] = np.nan
    return out


def rates(s: Series) -> Rates:
    """Pooled rates from the series as known (at least one year of ceasing shares)."""
    start_log = _log(s.starts / s.population * PER)
    cease_log = _log(s.ceased[:, 1:] / s.stock[:, :-1])
    other = (s.stock[:, 1:] - s.stock[:, :-1] - s.starts[:, 1:] + s.ceased[:, 1:]) / s.stock[:, :-1]
    ps, pc, po = pool(start_log, s.regions), pool(cease_log, s.regions), pool(other, s.regions)
    devs = [start_log - ps.mean[:, None], cease_log - pc.mean[:, None]]
    num = sum(np.nansum(d[:, 1:] * d[:, :-1]) for d in devs)
    den = sum(np.nansum(d[:, :-1] ** 2) for d in devs)
    phi = float(np.clip(num / den, 0.0, PHI_MAX)) if den > 0 else 0.0
    return Rates(ps, pc, po, phi, np.nan_to_num(devs[0][:, -1]), np.nan_to_num(devs[1][:, -1]))


def _change(r: Rates, stock, population, k, starts_mean=None, cease_mean=None, other=None):
    """The flow-implied change of the stock in year ``k`` ahead (arrays broadcast over sims)."""
    sm = r.starts.mean if starts_mean is None else starts_mean
    cm = r.cease.mean if cease_mean is None else cease_mean
    om = r.other.mean if other is None else other
    decay = r.phi**k
    a = np.exp(sm + decay * r.starts_dev)
    d = np.exp(cm + decay * r.cease_dev)
    return a * population / PER - d * stock + om * stock


def population_ahead(s: Series, origin: int, horizon: int, known: Series | None = None):
    """Population for origin+1 … origin+horizon: the ONS estimates where ``known`` has them
    (the estimate for mid-origin is published after 31 March origin), the trend beyond."""
    ahead = np.arange(origin + 1, origin + horizon + 1)
    out = trended_population(s.population, s.years, ahead)
    if known is not None:
        for j, year in enumerate(ahead):
            if year in known.years:
                col = known.population[:, known.index(year)]
                out[:, j] = np.where(np.isfinite(col), col, out[:, j])
    return out


def _relative_rate(stock: np.ndarray, population: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """log(stock per 10,000 children) minus its mean over the council's region (last axis =
    councils; works on one year or on simulations x councils)."""
    rate = np.log(np.maximum(stock, 0.5) / population * PER)
    out = np.empty_like(rate)
    for g in np.unique(regions):
        i = regions == g
        out[..., i] = rate[..., i] - rate[..., i].mean(axis=-1, keepdims=True)
    return out


def _design(r: Rates, stock, population, regions, k: int) -> np.ndarray:
    """The regressors of a year's change: 1, flow-implied relative change, relative rate."""
    x = _change(r, stock, population, k) / np.maximum(stock, 0.5)
    rel = _relative_rate(stock, population, regions)
    return np.stack([np.ones_like(x), x, rel], axis=-1)


def fit(full: Series, origin: int, *, first_calibration: int | None = None) -> Fit:
    """Fit the model on the series as known at ``origin`` (nothing later is used)."""
    s = full.upto(origin)
    r = rates(s)
    first = first_calibration if first_calibration is not None else int(s.years[1])
    xs, ys, sizes, years = [], [], [], []
    for o in range(first, origin):
        past = s.upto(o)
        pop = trended_population(past.population, past.years, np.array([o + 1]))[:, 0]
        stock0 = past.stock[:, -1]
        xs.append(_design(rates(past), stock0, pop, s.regions, 1))
        ys.append(np.log(s.stock[:, s.index(o + 1)] / stock0))
        sizes.append(stock0)
        years.append(o + 1)
    if not xs:
        return Fit(s, origin, r, PRIOR_COEF, np.diag(PRIOR_SE) ** 2, [], 0.0, 0.0, PRIOR_VAR)
    x, y, size = np.array(xs), np.array(ys), np.array(sizes)
    ok = np.isfinite(y) & np.isfinite(x).all(-1) & (size > 0)
    coef, cov, var_c = _feasible_gls(x[ok], y[ok], size[ok])
    err = np.where(ok, y - x @ coef, np.nan)
    var_e, var_r = _common_variances(err, size, s.regions, var_c)
    var_e = max(var_e, _england_variation(s))
    return Fit(s, origin, r, coef, cov, years, var_e, var_r, var_c)


def _feasible_gls(x: np.ndarray, y: np.ndarray, size: np.ndarray):
    """Least squares, then again weighted by 1/(a + b/stock) fitted to the first residuals: a
    small council's year-on-year change is noisier, and should count for less."""
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    design = np.column_stack([np.ones_like(size), 1.0 / size])
    ab, *_ = np.linalg.lstsq(design, (y - x @ coef) ** 2, rcond=None)
    var_c = (float(max(ab[0], 1e-5)), float(max(ab[1], 0.0)))
    w = 1.0 / (var_c[0] + var_c[1] / size)
    xw = x * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(xw, y * np.sqrt(w), rcond=None)
    resid = (y - x @ coef) * np.sqrt(w)
    scale = float(resid @ resid) / max(len(y) - x.shape[1], 1)
    cov = np.linalg.pinv(xw.T @ xw) * scale
    return coef, cov, var_c


def _common_variances(err: np.ndarray, size: np.ndarray, regions: np.ndarray, var_c):
    """England and region variance of the one-year surprises (years x councils): the mean square
    of each year's average surprise, less what the councils' own noise puts into it."""
    own = var_c[0] + var_c[1] / np.maximum(size, 1.0)
    n = np.isfinite(err).sum(1)
    nat = np.nanmean(err, axis=1, keepdims=True)
    var_e = float(max(np.mean(nat**2) - np.nanmean(own) / n.mean(), 0.0))
    parts = []
    for g in np.unique(regions):
        i = regions == g
        m = np.nanmean(err[:, i], axis=1) - nat[:, 0]
        parts.append(np.mean(m**2) - np.nanmean(own[:, i]) / i.sum())
    return var_e, float(max(np.mean(parts), 0.0))


def _england_variation(s: Series) -> float:
    """Variance of England's year-on-year change (log) around its mean over the years known: a
    floor for the England part of the surprises, which a year or two of calibration cannot
    estimate (the councils' totals would otherwise be too sure of themselves)."""
    total = np.nansum(s.stock, axis=0)
    change = np.diff(np.log(total))
    return float(np.var(change, ddof=1)) if len(change) > 1 else 0.0


def simulate(
    f: Fit,
    horizon: int,
    *,
    n: int = 2000,
    seed: int = DEFAULT_SEED,
    population: np.ndarray | None = None,
) -> np.ndarray:
    """Simulated stock, shape (n, councils, horizon), for the years after the origin."""
    rng = np.random.default_rng(seed)
    s, r = f.series, f.rates
    pop = population if population is not None else population_ahead(s, f.origin, horizon)
    m = len(s.keys)
    stock = np.broadcast_to(s.stock[:, -1], (n, m)).copy()
    coef = rng.multivariate_normal(f.coef, f.coef_cov, size=n, method="eigh")
    regions, codes = np.unique(s.regions, return_inverse=True)
    sd_c = np.sqrt(f.council_var(s.stock[:, -1]))
    out = np.empty((n, m, horizon))
    for k in range(1, horizon + 1):
        x = _design(r, stock, pop[:, k - 1], s.regions, k)
        shock = (
            np.sqrt(f.var_england) * rng.standard_normal((n, 1))
            + np.sqrt(f.var_region) * rng.standard_normal((n, len(regions)))[:, codes]
            + sd_c * rng.standard_normal((n, m))
        )
        stock = stock * np.exp(np.einsum("nmj,nj->nm", x, coef) + shock)
        out[:, :, k - 1] = stock
    return out
