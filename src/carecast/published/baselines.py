"""The forecasts a model must beat, on a stock history (areas x years, NaN where missing).

* last value: next year is this year;
* linear trend: the least-squares straight line through every year known (the CCN report's
  national baseline), extended;
* growth rate: the average annual growth of the last three years, compounded (CCN's "average
  growth 2017-2020" method); fewer years where fewer are known.
"""

from __future__ import annotations

import numpy as np

GROWTH_YEARS = 3


def last_value(stock: np.ndarray, horizon: int) -> np.ndarray:
    return stock[:, -1].copy()


def linear_trend(stock: np.ndarray, horizon: int) -> np.ndarray:
    t = np.arange(stock.shape[1], dtype=float)
    ok = np.isfinite(stock)
    n = ok.sum(1)
    tm = np.where(ok, t, 0).sum(1) / n
    ym = np.where(ok, stock, 0).sum(1) / n
    dt = np.where(ok, t - tm[:, None], 0)
    slope = (dt * np.where(ok, stock - ym[:, None], 0)).sum(1) / (dt**2).sum(1)
    out = ym + slope * (t[-1] + horizon - tm)
    return np.where(n >= 2, out, np.nan)


def growth_rate(stock: np.ndarray, horizon: int) -> np.ndarray:
    k = min(GROWTH_YEARS, stock.shape[1] - 1)
    growth = stock[:, -k:] / stock[:, -k - 1 : -1] - 1
    return stock[:, -1] * (1 + np.nanmean(growth, axis=1)) ** horizon


METHODS = {
    "Last value": last_value,
    "Linear trend (CCN)": linear_trend,
    "Growth rate, last 3 years (CCN)": growth_rate,
}
