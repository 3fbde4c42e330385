"""Demand forecasting: a multi-state model of children in care with exact ageing, Monte Carlo bands
and backtests.

>>> model = DemandModel().fit(episodes)                       # doctest: +SKIP
>>> result = model.simulate(horizon_years=5, n_sims=1000, seed=1)  # doctest: +SKIP
>>> result.summary()                                          # doctest: +SKIP

``ForecastResult`` exposes ``dates_``, ``categories`` and ``sim_counts_`` (simulations × steps ×
categories) for costing; ``forecast_councils`` fits and sums several councils; ``backtest``
scores forecasts made at past dates against what happened.
"""

from carecast.forecast.backtest import BacktestResult, as_known_at, backtest
from carecast.forecast.entrants import EntrantModel, Population, load_population
from carecast.forecast.model import DemandModel, SparseDataWarning
from carecast.forecast.region import RegionForecast, forecast_councils
from carecast.forecast.result import ForecastResult

__all__ = [
    "BacktestResult",
    "DemandModel",
    "EntrantModel",
    "ForecastResult",
    "Population",
    "RegionForecast",
    "SparseDataWarning",
    "as_known_at",
    "backtest",
    "forecast_councils",
    "load_population",
]
