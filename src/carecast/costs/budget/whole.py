"""The whole children's social care budget: lines forecast by workforce, allowances and care leavers.

A budget line with ``forecast: staffing | allowances | leaving_care`` (see
:mod:`carecast.costs.budget.inputs`) gets its cost from the monitoring date to 31 March from that
capability, per simulation where it simulates (allowances and care leavers share the placement
forecast's simulations, so the total's band is the band of per-simulation totals); other lines
come from placements or the ledger's commitments, as before (section 17 and other support).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from carecast.costs.budget.inputs import BudgetPlan
from carecast.costs.budget.outturn import LineForecast
from carecast.errors import ParameterError
from carecast.forecast.result import ForecastResult


@dataclass(frozen=True)
class WholeBudgetInputs:
    """What the non-placement forecasts need, checked before any work."""

    establishment: Path | None = None
    workforce_policy: Path | None = None
    allowance_policy: Path | None = None
    allowance_cohort: Path | None = None
    leavers_policy: Path | None = None

    def check(self, plan: BudgetPlan, has_episodes: bool) -> None:
        kinds = {ln.forecast for ln in plan.lines if ln.forecast}
        if "staffing" in kinds and self.establishment is None:
            raise ParameterError(
                "the staffing line is forecast from the establishment, but none was given",
                fix="give --establishment staff.csv (`carecast workforce template` writes one)",
            )
        if kinds & {"allowances", "leaving_care"} and not has_episodes:
            raise ParameterError(
                "allowances and leaving care are forecast from the returns, but none were given",
                fix="give --episodes DIR (the SSDA903 returns)",
            )


AFTERCARE_SIMULATIONS = (
    200  # when the placement lines use the run-rate, the aftercare lines still simulate
)


def needs_forecast(plan: BudgetPlan) -> bool:
    """Does a line of ``plan`` need the demand forecast's simulated exits?"""
    return any(ln.forecast in ("allowances", "leaving_care") for ln in plan.lines)


def forecast_lines(
    plan: BudgetPlan,
    inputs: WholeBudgetInputs,
    *,
    as_of: dt.date,
    episodes: pl.DataFrame | None,
    forecast: ForecastResult | None,
    seed: int,
    oc3: pl.DataFrame | None = None,
) -> dict[str, LineForecast]:
    """Cost from the day after ``as_of`` to 31 March of every line the plan asks to be forecast."""
    from carecast.aftercare.run import (
        AllowancesRequest,
        LeaversRequest,
        run_allowances,
        run_leavers,
    )
    from carecast.aftercare.tables import year_costs
    from carecast.workforce.run import WorkforceRequest, run_workforce

    fy_start, fy_end = plan.bounds
    left = (fy_end - as_of).days
    year_days = (fy_end - fy_start).days + 1
    out: dict[str, LineForecast] = {}
    if needs_forecast(plan) and (episodes is None or forecast is None):
        raise ParameterError(
            "allowances and leaving care need the returns and the forecast of their exits",
            fix="give --episodes DIR and run with --simulations 200 or more",
        )
    horizon = max((fy_end - as_of).days + 14, 30) / 365.25
    for ln in plan.lines:
        if ln.forecast == "staffing":
            if inputs.establishment is None:
                raise ParameterError(
                    "the staffing line needs the establishment",
                    fix="give --establishment staff.csv",
                )
            w = run_workforce(WorkforceRequest(inputs.establishment, inputs.workforce_policy))
            cost = w.yearly_cost * left / year_days
            out[ln.line] = LineForecast(
                np.asarray([cost]),
                f"establishment: £{w.yearly_cost:,.0f} a year × {left} of {year_days} days left",
            )
        elif ln.forecast == "allowances" and episodes is not None and forecast is not None:
            a = run_allowances(
                AllowancesRequest(
                    start=as_of,
                    horizon_years=horizon,
                    simulations=forecast.n_sims,
                    seed=seed,
                    policy=inputs.allowance_policy,
                    cohort=inputs.allowance_cohort,
                ),
                episodes,
                forecast,
            )
            out[ln.line] = LineForecast(
                np.atleast_1d(year_costs(a.projection, plan.financial_year)),
                "allowance cohorts (today's from "
                + a.assumptions["today's cohort"].split(" (")[0]
                + "; joiners from the simulated exits)",
            )
        elif ln.forecast == "leaving_care" and episodes is not None and forecast is not None:
            r = run_leavers(
                LeaversRequest(
                    start=as_of,
                    horizon_years=horizon,
                    simulations=forecast.n_sims,
                    seed=seed,
                    policy=inputs.leavers_policy,
                ),
                episodes,
                oc3,
                forecast,
            )
            out[ln.line] = LineForecast(
                np.atleast_1d(year_costs(r.projection, plan.financial_year)),
                "care leavers: staying put, supported accommodation and personal advisers",
            )
    return out
