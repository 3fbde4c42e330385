"""Entries that move for months: a persistent (AR(1)) state on the log monthly entry rate.

Real entries do not scatter independently around a trend month by month: a court backlog, a
surge of unaccompanied children or a new threshold policy holds them up or down for months, and
across a region at once. A forecast that treats the window's monthly residuals as independent
has bands that stop widening after a few months; one that knows their persistence widens them
with the horizon as the data say.

Model (relative scale): a council's monthly entries are Poisson with mean μ_m · M_m, μ the
window's log-linear fit and M = exp(a_m − s²/2) a multiplier with mean 1, a_m a stationary
Gaussian AR(1), a_m = φ a_{m−1} + √(s²(1 − φ²)) z_m, s² = log(1 + c). The relative residuals
r_m = (y_m − μ_m) ÷ μ_m then have lag-k autocovariance c·φ^k (k ≥ 1; lag 0 adds the Poisson
noise 1/μ and any independent monthly frailty). Between two councils sharing the state the
cross-covariance is c·φ^k at every lag, lag 0 included, with no Poisson term.

Fit: method of moments on the lagged products, with the trend fit's effect accounted for.
Residuals around a line fitted to the same window are shorter than the state (a slow swing is
partly taken for trend), so the sample autocovariances are matched, not to c·φ^k, but to
c·A_k(φ), A_k(φ) the expected lag-k sample product of a unit AR(1) after removing a
least-squares line over the window's T months: the mean of the k-th diagonal of
(I − H) Σ_φ (I − H), Σ_φ = [φ^|i−j|], H the line's hat matrix. For each φ on a grid c is the
weighted least-squares solution (weights: the number of products at each lag), floored at 0,
and the φ with the smallest weighted squared error is kept. A statsmodels state-space fit would
need a Gaussian observation model per council and a numerical optimiser per region; these
moments are exact for the linearised model, cost microseconds, and use the same residuals as the
regional shock's method of moments (which is their lag-0 cross-council case).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

PERSISTENCE_GRID = np.round(
    np.linspace(0.0, 0.95, 39), 4
)  # above 0.95 a 3-year window cannot tell a
# persistent state from its trend (A_k(φ) → 0): any tiny product would be read as a huge variance
MAX_LAG = 12  # months of lagged products matched
EVIDENCE_LAGS = 6  # lags whose products decide whether there is persistence at all
EVIDENCE_Z = 1.645  # one-sided 5%: persistence is fitted only when the window shows it


@dataclass(frozen=True)
class EntryPersistence:
    """A persistent multiplier on monthly entry rates: relative variance ``variance`` (c) and
    month-to-month autocorrelation ``persistence`` (φ) of its log; 0 variance = none."""

    variance: float = 0.0
    persistence: float = 0.0

    @property
    def present(self) -> bool:
        return self.variance > 0 and self.persistence > 0

    @property
    def half_life_months(self) -> float | None:
        """Months for a shock to halve: log ½ ÷ log φ."""
        return float(np.log(0.5) / np.log(self.persistence)) if self.present else None

    def multipliers(self, z: np.ndarray) -> np.ndarray:
        """Multipliers exp(a − s²/2) from standard normals ``z`` (sims, months), the state started
        from its stationary law (mean 1 each month, the path persisting along the months axis)."""
        s2 = np.log1p(self.variance)
        a = np.empty(z.shape)
        a[:, 0] = np.sqrt(s2) * z[:, 0]
        step = np.sqrt(s2 * (1.0 - self.persistence**2))
        for m in range(1, z.shape[1]):  # a loop over months (≤ 120), vectorised over simulations
            a[:, m] = self.persistence * a[:, m - 1] + step * z[:, m]
        return np.exp(a - s2 / 2)

    def describe(self) -> dict:
        return {
            "relative_variance": round(self.variance, 6),
            "monthly_cv": round(float(np.sqrt(self.variance)), 4),
            "persistence_per_month": round(self.persistence, 3),
            "half_life_months": None
            if self.half_life_months is None
            else round(self.half_life_months, 1),
        }


@cache
def _detrend(n_months: int) -> np.ndarray:
    """I − H, H the hat matrix of a least-squares line over ``n_months`` months."""
    t = np.arange(n_months, dtype=float)
    x = np.column_stack([np.ones(n_months), t - t.mean()])
    return np.eye(n_months) - x @ np.linalg.solve(x.T @ x, x.T)


def poisson_products(fitted: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """The lagged products Poisson noise alone gives relative residuals (variance 1/μ_m in month m)
    after the line is taken out, averaged over councils (rows): known, so taken off before fitting."""
    mu = np.atleast_2d(np.asarray(fitted, float))
    months = mu.shape[1]
    resid = _detrend(months)
    lags = min(max_lag, months - 2)
    out = np.zeros(lags + 1)
    for row in mu:
        r = (resid / row[None, :]) @ resid
        out += [np.diagonal(r, k).mean() for k in range(lags + 1)]
    return out / mu.shape[0]


@cache
def detrended_factors(n_months: int, max_lag: int = MAX_LAG) -> np.ndarray:
    """A[φ, k]: the expected lag-k sample product (mean over the T − k month pairs) of a unit-variance
    AR(1) with persistence φ (rows: :data:`PERSISTENCE_GRID`) after a least-squares line over its
    ``n_months`` months is taken out (see module doc); lags 0 … ``max_lag``."""
    t = np.arange(n_months, dtype=float)
    resid = _detrend(n_months)
    lag = np.abs(t[:, None] - t[None, :])
    lags = min(max_lag, n_months - 2)
    out = np.zeros((PERSISTENCE_GRID.size, lags + 1))
    for i, phi in enumerate(PERSISTENCE_GRID):
        sigma = phi**lag if phi > 0 else np.eye(n_months)
        r = resid @ sigma @ resid
        out[i] = [np.diagonal(r, k).mean() for k in range(lags + 1)]
    return out


def persistence_evidence(
    products: np.ndarray, n_months: int, scale: float | None = None, pairs: float = 1.0
) -> float:
    """z-score of the mean product at lags 1 … :data:`EVIDENCE_LAGS` beyond what white noise of the
    lag-0 product gives after the trend fit (p_0·A_k(0) ÷ A_0(0)), against its standard error under
    white noise: products at different lags independent, each of variance v² ÷ (T − k) ÷ ``pairs``
    (independent council pairs for cross-council products), v = ``scale`` (default p_0), one
    council's lag-0 product. Persistent states give positive products at short lags; a window
    without them gives z ~ N(0, 1)."""
    a = detrended_factors(n_months)
    lags = np.arange(1, min(EVIDENCE_LAGS, products.size - 1, a.shape[1] - 1) + 1)
    v = float(products[0] if scale is None else scale)
    if lags.size == 0 or v <= 0:
        return 0.0
    excess = (products[lags] - products[0] / a[0, 0] * a[0, lags]).mean()
    se = v * np.sqrt((1.0 / (n_months - lags)).sum() / pairs) / lags.size
    return float(excess / se)


def fit_ar(products: np.ndarray, n_months: int) -> tuple[EntryPersistence, float]:
    """The persistent state (c, φ) and the white-noise variance w whose detrended autocovariances
    c·A_k(φ) + w·A_k(0) best match ``products`` (mean lagged products at lags 0 …), weighted by
    the number of products per lag; c, w ≥ 0.

    The white noise (Poisson noise and independent monthly frailty, or a shared shock lasting one
    month) sits at lag 0 only before the trend is taken out, but the line fitted to the window
    spreads it to every lag as a small negative product (≈ −2w/T); matching it keeps that from
    being read as anti-persistence."""
    a = detrended_factors(n_months)
    lags = np.arange(min(a.shape[1], products.size))
    if lags.size < 3:
        return EntryPersistence(), 0.0
    p, w = products[lags], (n_months - lags).astype(float)
    white = a[0, lags]
    best = (np.inf, EntryPersistence(), max(float(p[0] / white[0]), 0.0))
    for i, phi in enumerate(PERSISTENCE_GRID[1:], start=1):
        x = np.column_stack([a[i, lags], white])
        coef = _nonnegative_least_squares(x, p, w)
        err = float((w * (p - x @ coef) ** 2).sum())
        if err < best[0]:
            best = (
                err,
                EntryPersistence(float(coef[0]), float(phi)) if coef[0] > 0 else EntryPersistence(),
                float(coef[1]),
            )
    return best[1], best[2]


def _nonnegative_least_squares(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares of ``y`` on two columns with both coefficients ≥ 0 (the unconstrained
    solution, else the better of each column alone)."""
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
    if (coef >= 0).all():
        return coef
    options = []
    for j in range(2):
        c = max(float((w * x[:, j] * y).sum() / (w * x[:, j] ** 2).sum()), 0.0)
        one = np.zeros(2)
        one[j] = c
        options.append((float((w * (y - x @ one) ** 2).sum()), one))
    return min(options, key=lambda o: o[0])[1]


def relative_residuals(counts: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """(y − μ) ÷ μ for councils (rows) with every month fitted above 0; the others dropped."""
    y, mu = np.atleast_2d(np.asarray(counts, float)), np.atleast_2d(np.asarray(fitted, float))
    keep = (mu > 0).all(axis=1)
    return (y[keep] - mu[keep]) / mu[keep]


def own_products(r: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Mean over councils and months of r_i,m · r_i,m+k, lags 0 … ``max_lag``."""
    r = np.atleast_2d(r)
    months = r.shape[1]
    return np.array(
        [(r[:, : months - k] * r[:, k:]).mean() for k in range(min(max_lag, months - 2) + 1)]
    )


def cross_products(r: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Mean over ordered council pairs i ≠ j and months of r_i,m · r_j,m+k, lags 0 … ``max_lag``
    (empty under 2 councils)."""
    r = np.atleast_2d(r)
    k_councils, months = r.shape
    if k_councils < 2:
        return np.zeros(0)
    total = r.sum(axis=0)
    out = []
    for k in range(min(max_lag, months - 2) + 1):
        every = (total[: months - k] * total[k:]).mean()
        same = (r[:, : months - k] * r[:, k:]).sum(axis=0).mean()
        out.append((every - same) / (k_councils * (k_councils - 1)))
    return np.array(out)


def lag_covariance(state: EntryPersistence, n_months: int) -> np.ndarray:
    """The detrended lagged products ``state`` implies on a window of ``n_months`` (lags 0 …)."""
    a = detrended_factors(n_months)
    if not state.present:
        return np.zeros(a.shape[1])
    return state.variance * a[int(np.argmin(np.abs(PERSISTENCE_GRID - state.persistence)))]


def own_persistence(
    counts: np.ndarray, fitted: np.ndarray, shared: EntryPersistence | None = None
) -> EntryPersistence:
    """A council's own persistent state: its lagged products less what the shared state explains."""
    r = relative_residuals(counts, fitted)
    if r.shape[0] == 0 or r.shape[1] < 14:
        return EntryPersistence()
    keep = (np.atleast_2d(np.asarray(fitted, float)) > 0).all(axis=1)
    products = own_products(r)
    if shared is not None:
        products = products - lag_covariance(shared, r.shape[1])[: products.size]
    if persistence_evidence(products, r.shape[1], pairs=r.shape[0]) < EVIDENCE_Z:
        return EntryPersistence()
    products = products - poisson_products(np.atleast_2d(np.asarray(fitted, float))[keep])
    return fit_ar(products, r.shape[1])[0]


def shared_persistence(counts: np.ndarray, fitted: np.ndarray) -> tuple[EntryPersistence, float]:
    """The region's shared persistent state from the councils' cross-council lagged products, and
    the variance of the shared shock lasting one month (the white-noise part)."""
    r = relative_residuals(counts, fitted)
    if r.shape[0] < 2 or r.shape[1] < 14:
        return EntryPersistence(), 0.0
    products = cross_products(r)
    k = r.shape[0]
    z = persistence_evidence(products, r.shape[1], scale=own_products(r)[0], pairs=k * (k - 1) / 2)
    if z < EVIDENCE_Z:
        return EntryPersistence(), max(float(products[0]), 0.0)
    return fit_ar(products, r.shape[1])
