"""Tables people read from per-simulation cohort arrays: means and bands by financial year.

Bands are quantiles of per-simulation values (of per-simulation totals for the "all" rows), so
a total's band is the band of the total, not a sum of bands.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from carecast.aftercare.cohort import CohortProjection
from carecast.forecast.params import defaults
from carecast.schema import financial_year_label

LOW, HIGH = defaults().quantiles[0], defaults().quantiles[-1]  # the outer band (p5-p95 by default)


def band(sims: np.ndarray) -> tuple[float, float, float]:
    """Mean, low and high quantile over simulations (axis 0)."""
    lo, hi = np.quantile(sims, [LOW, HIGH], axis=0)
    return float(np.mean(sims)), float(lo), float(hi)


def by_year(
    p: CohortProjection,
    labels: dict[str, str],
    total_label: str,
    *,
    unit: str = "children",
    people: tuple[int, ...] | None = None,
) -> pl.DataFrame:
    """One row per financial year and kind (then the total): people at the year's end, joiners,
    leavers, cost, each with its band; part years are marked. The total counts the people of the
    kinds in ``people`` (default all: each person is in one kind) and costs every kind."""
    rows = []
    n_k = len(p.kinds)
    for f, fy in enumerate(p.financial_years):
        for k in [*range(n_k), None]:
            pick = list(people or range(n_k)) if k is None else [k]
            size = p.cohort_at_year_end[:, pick, f].sum(axis=1)
            cost = p.cost[:, :, f].sum(axis=1) if k is None else p.cost[:, k, f]
            m, lo, hi = band(size)
            c, clo, chi = band(cost)
            rows.append(
                {
                    "financial_year": financial_year_label(fy),
                    "group": total_label if k is None else labels[p.kinds[k]],
                    f"{unit}_at_year_end": m,
                    f"{unit}_p5": lo,
                    f"{unit}_p95": hi,
                    "joiners": float(p.joiners[:, pick, f].sum(axis=1).mean()),
                    "leavers": float(p.leavers[:, pick, f].sum(axis=1).mean()),
                    "cost_gbp": c,
                    "cost_p5_gbp": clo,
                    "cost_p95_gbp": chi,
                    "whole_year": p.complete[f],
                }
            )
    return pl.DataFrame(rows)


def year_costs(p: CohortProjection, fy: int) -> np.ndarray:
    """Per-simulation cost of financial year ``fy`` over every kind (zeros when outside the projection)."""
    if fy not in p.financial_years:
        return np.zeros(p.cost.shape[0])
    return p.cost[:, :, p.financial_years.index(fy)].sum(axis=1)
