"""Placement costs: cited unit costs, projected cost with bands, historic cost, budget monitoring.

Integration point for the forecast::

    from carecast.costs import project_costs
    proj = project_costs(result.dates_, result.categories, result.sim_counts_, unit_costs,
                         category_cost_mix=mix)
    proj.by_week, proj.by_month, proj.by_quarter, proj.by_financial_year   # mean, p5 ... p95

Bands are quantiles over simulations of per-simulation totals. Budget monitoring (forecast
outturn, variance, movement, decomposition, what-ifs) is in :mod:`carecast.costs.budget`.
"""

from carecast.costs.historic import ActualCosts, actual_and_projected, actual_costs
from carecast.costs.mix import CostMix, default_cost_mix, derive_cost_mix
from carecast.costs.projection import CostProjection, project_costs
from carecast.costs.unit_costs import UnitCosts, default_unit_costs, load_unit_costs

__all__ = [
    "ActualCosts",
    "CostMix",
    "CostProjection",
    "UnitCosts",
    "actual_and_projected",
    "actual_costs",
    "default_cost_mix",
    "default_unit_costs",
    "derive_cost_mix",
    "load_unit_costs",
    "project_costs",
]
