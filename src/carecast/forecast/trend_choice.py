"""Trends that turn: choose the entrant trend by how each would have forecast the window itself.

A trend fitted to three years of entries is extrapolated for five; where entries rose and then
turned (England's children looked after rose four years then fell, DOMAIN.md §8), a fitted line
keeps climbing and a flat rate lags. No one trend is right for every council, so the default
(``auto``) asks the council's own window: at rolling origins inside it (every 3 months from month
12 to 6 months before its end) each candidate is fitted to the months before the origin and
forecasts the entries of the next 12 months (fewer near the end); the candidate with the lowest
mean absolute percentage error wins. The candidates:

* **flat**: the recent-weighted entry rate (half-life as the flat trend), no trend;
* **damped**: the log-linear trend, its slope fading by ``DAMPING`` a month, so growth adds at
  most ψ ÷ (1 − ψ) months' worth (a turning trend is neither held nor ignored);
* **fitted**: the log-linear trend extrapolated.

Flat is kept unless another candidate is better by more than ``MARGIN`` (relative): a trend is
extrapolated only when the window's own out-of-sample record says it pays.
"""

from __future__ import annotations

import numpy as np

CANDIDATES = ("flat", "damped", "fitted")
DAMPING = 0.95  # per month: a slope's effect halves in ~13.5 months
MARGIN = 0.05  # a trend must beat flat's error by 5% of it to be chosen
FIRST_ORIGIN, EVERY, AHEAD, LAST_GAP = 12, 3, 12, 6  # months


def damped_years(t_years: np.ndarray) -> np.ndarray:
    """Effective years of growth by time t (years, ≥ 0): Σ_{j=1..12t} ψ^j ÷ 12 months, continuous."""
    months = np.maximum(np.asarray(t_years, float), 0.0) * 12
    return DAMPING * (1 - DAMPING**months) / (1 - DAMPING) / 12


def poisson_line(y: np.ndarray) -> tuple[float, float]:
    """Poisson regression of monthly counts on time (years, 0 at the end of the last month):
    (log rate per month at the end, slope per year)."""
    n = y.size
    t = (np.arange(n) - n + 0.5) / 12
    x = np.column_stack([np.ones(n), t])
    beta = np.array([np.log(max(y.mean(), 0.5)), 0.0])
    for _ in range(30):
        mu = np.exp(x @ beta)
        step = np.linalg.solve(x.T @ (mu[:, None] * x) + 1e-9 * np.eye(2), x.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(beta[0]), float(beta[1])


def _forecast(y: np.ndarray, ahead: int, half_life_years: float) -> dict[str, float]:
    """Each candidate's total entries over the ``ahead`` months after the counts ``y``."""
    level, slope = poisson_line(y)
    t = (np.arange(ahead) + 0.5) / 12
    if half_life_years > 0:
        w = 2.0 ** ((np.arange(y.size) - y.size + 0.5) / 12 / half_life_years)
        flat = float((w * y).sum() / w.sum())
    else:
        flat = float(y.mean())
    return {
        "flat": flat * ahead,
        "damped": float(np.exp(level + slope * damped_years(t)).sum()),
        "fitted": float(np.exp(level + slope * t).sum()),
    }


def choose_trend(monthly_counts: np.ndarray, half_life_years: float) -> dict:
    """The candidate with the lowest rolling out-of-sample error in the window's monthly entries,
    and the evidence: {"chosen", "errors_pct" per candidate, "origins", "reason"}."""
    y = np.asarray(monthly_counts, float)
    origins = list(range(FIRST_ORIGIN, y.size - LAST_GAP + 1, EVERY))
    errors: dict[str, list[float]] = {c: [] for c in CANDIDATES}
    for o in origins:
        ahead = min(AHEAD, y.size - o)
        actual = y[o : o + ahead].sum()
        if actual <= 0:
            continue
        for name, value in _forecast(y[:o], ahead, half_life_years).items():
            errors[name].append(abs(value - actual) / actual * 100)
    if not errors["flat"]:
        return {
            "chosen": "flat",
            "errors_pct": {},
            "origins": 0,
            "reason": "the window is too short to test the trends out of sample: the flat rate is kept",
        }
    mape = {c: float(np.mean(v)) for c, v in errors.items()}
    best = min(("damped", "fitted"), key=lambda c: mape[c])
    chosen = best if mape[best] < mape["flat"] * (1 - MARGIN) else "flat"
    words = {
        "flat": "the recent-weighted flat rate",
        "damped": "the damped trend",
        "fitted": "the fitted trend",
    }
    reason = (
        f"at {len(errors['flat'])} rolling origins inside the window, forecasting the next year's entries, "
        f"{words[chosen]} erred least ({mape[chosen]:.1f}% against "
        + ", ".join(f"{words[c]} {mape[c]:.1f}%" for c in CANDIDATES if c != chosen)
        + ")"
        + (
            ""
            if chosen != "flat" or mape[best] >= mape["flat"]
            else f"; a trend must beat flat by {MARGIN:.0%} of its error to be extrapolated"
        )
    )
    return {
        "chosen": chosen,
        "errors_pct": {c: round(v, 2) for c, v in mape.items()},
        "origins": len(errors["flat"]),
        "reason": reason,
    }
