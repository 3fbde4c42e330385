"""Monthly demand per placement category, with bands, from a forecast (or a scenario's) simulations.

Bands are quantiles across simulations of each month's count. For a group of councils the
simulations are summed council by council first (``ForecastResult.combine``), so a regional band
is the band of the regional total, never a sum of council quantiles.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from carecast.forecast import ForecastResult
from carecast.schema import load_categories

QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


def monthly_quantiles(
    dates: list, groups: list[str], sims: np.ndarray, group_col: str = "category"
) -> pl.DataFrame:
    """(sims, months, groups) → long table date, group, mean, p10, p50, p90."""
    q = np.quantile(sims.astype(np.float64), list(QUANTILES.values()), axis=0)  # (Q, M, G)
    n_m, n_g = sims.shape[1], sims.shape[2]
    return pl.DataFrame(
        {
            "date": np.repeat(np.asarray(dates, dtype="datetime64[D]"), n_g),
            group_col: groups * n_m,
            "mean": sims.mean(axis=0).ravel(),
            **{name: q[i].ravel() for i, name in enumerate(QUANTILES)},
        }
    ).with_columns(pl.col("date").cast(pl.Date))


def category_demand(result: ForecastResult) -> pl.DataFrame:
    """Children per placement category on each month date: mean, p10, p50, p90."""
    return monthly_quantiles(
        result.month_dates_, list(result.categories), result.sim_month_states_.sum(axis=2)
    )


def group_demand(
    result: ForecastResult, categories: list[str], age_from: int, label: str
) -> pl.DataFrame:
    """Children in any of ``categories`` aged ``age_from`` or over, summed per simulation, as one row per month."""
    lower_of = {b.label: b.lower for b in load_categories().age_bands}
    lowers = [lower_of[b] for b in result.age_bands]
    ages = [i for i, lo in enumerate(lowers) if lo >= age_from]
    cats = [result.categories.index(c) for c in categories]
    sims = result.sim_month_states_[:, :, ages][:, :, :, cats].sum(axis=(2, 3))[:, :, None]
    return monthly_quantiles(result.month_dates_, [label], sims)
