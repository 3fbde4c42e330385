"""``run_send`` and ``run_send_counts``: one high-needs run from start to report, shared by
``carecast send forecast`` / ``project-counts`` and the web app's High needs page: fit and simulate
(or project published counts), cost the plans against the grant, and build the report.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from carecast.errors import ParameterError
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.send.grant import (
    Grant,
    HighNeedsPosition,
    high_needs_position,
    threshold_summary,
    very_high_cost_premium,
)
from carecast.send.levers import SendScenario
from carecast.send.model import SendModel
from carecast.send.params import AnnualCosts, default_annual_costs, send_params
from carecast.send.report import counts_report, forecast_report
from carecast.services.base import DEFAULT_SEED, Progress, Request, quiet


class SendRequest(Request):
    """A forecast of one council's cleaned EHCP records, costed against ``grant`` when given."""

    horizon_years: float = Field(default=5, gt=0, le=10)
    simulations: int = Field(default=500, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    trend: Literal["fitted", "flat"] = "fitted"
    window_years: float = Field(default=3, gt=0, le=20)
    start: dt.date | None = None
    data_start: dt.date | None = None  # None: :func:`complete_from` the records
    grant: Grant | None = None
    costs: AnnualCosts | None = None  # None: the cited defaults
    scenario: SendScenario | None = None


class SendCountsRequest(Request):
    """A projection of one council's published counts, costed against ``grant`` when given."""

    years_ahead: int = Field(default=5, ge=1, le=10)
    simulations: int = Field(default=500, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    grant: Grant | None = None
    costs: AnnualCosts | None = None


@dataclass
class SendRun:
    """What a run made: the report, and the sentences a page or a terminal shows first."""

    council: str
    start: dt.date
    report: Report
    headline: str
    position: HighNeedsPosition | None

    @property
    def deficit(self) -> str | None:
        return threshold_summary(self.position) if self.position is not None else None


def complete_from(records: pl.DataFrame) -> dt.date | None:
    """The first day the records can be taken as complete: the earliest end of a plan or setting in them.

    An extract of the plans open over a period holds no plan or setting that ended before the period,
    while it does hold the older starts of those still open; counting history from the earliest start
    would show plans growing from nothing. None when nothing in the records has ended.
    """
    return records.select(
        pl.min_horizontal(pl.col("plan_end").min(), pl.col("setting_end").min())
    ).item()


def run_send(
    records: pl.DataFrame,
    request: SendRequest,
    *,
    population: Callable[[str, dt.date], pl.DataFrame] | None = None,
    inputs: list[str | Path] | None = None,
    progress: Progress = quiet,
) -> SendRun:
    """Forecast one council's cleaned EHCP records with bands, cost them against the grant (if given).

    ``population(council, start)`` gives the 0-25 population by age for new plans per 10,000 children.
    """
    with job_logged(
        "send forecast",
        simulations=request.simulations,
        horizon_years=request.horizon_years,
        seed=request.seed,
        trend=request.trend,
    ):
        return _forecast(records, request, population, inputs, progress)


def _forecast(
    records: pl.DataFrame, request: SendRequest, population, inputs, progress: Progress
) -> SendRun:
    horizon_years, n_sims, seed, trend = (
        request.horizon_years,
        request.simulations,
        request.seed,
        request.trend,
    )
    window_years, start, grant, scenario = (
        request.window_years,
        request.start,
        request.grant,
        request.scenario,
    )
    data_start = request.data_start or complete_from(records)
    annual = request.costs or default_annual_costs()
    progress(0.05, "Fitting the model to the EHCP records")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SendModel(window_years=window_years, trend=trend).fit(
            records, start=start, data_start=data_start
        )
        progress(0.3, "Simulating plans by age and setting")
        fc = model.simulate(
            horizon_years=horizon_years, n_sims=n_sims, seed=seed, scenario=scenario
        )
    position, vhc = None, None
    if grant is not None:
        progress(0.75, "Costing plans against the high-needs block")
        premium, vhc = very_high_cost_premium(records, model.start, annual)
        extra = scenario.extra_costs(annual.per_setting["mainstream"]) if scenario else {}
        position = high_needs_position(
            fc.month_dates,
            fc.columns,
            fc.states_.sum(axis=2),
            grant,
            annual,
            extra_costs=extra,
            very_high_cost_premium=premium,
        )
    progress(0.9, "Writing the report")
    params = {
        "horizon_years": horizon_years,
        "simulations": n_sims,
        "trend": trend,
        "window_years": window_years,
        "scenario": scenario.scenario if scenario else "baseline",
        "data_start": data_start.isoformat() if data_start else None,
        "threshold": grant.threshold if grant is not None else None,
    }
    pop = population(fc.council, model.start) if population is not None else None
    report = forecast_report(
        model,
        fc,
        position,
        inputs=inputs or [],
        parameters=params,
        seed=seed,
        vhc=vhc,
        population_by_age=pop,
    )
    total = fc.summary().filter(pl.col("breakdown") == "total")
    last = total.row(-1, named=True)
    headline = (
        f"{fc.council}: {total.row(0, named=True)['mean']:,.0f} plans at {model.start:%d/%m/%Y} → "
        f"{last['p50']:,.0f} (90% band {last['p5']:,.0f}-{last['p95']:,.0f}) by {last['date']:%d/%m/%Y}"
    )
    return SendRun(fc.council, model.start, report, headline, position)


def run_send_counts(
    counts: pl.DataFrame,
    request: SendCountsRequest,
    *,
    inputs: list[str | Path] | None = None,
    progress: Progress = quiet,
) -> SendRun:
    """Project one council's published counts (cohort ratios), cost them against the grant (if given)."""
    from carecast.send.aggregate import project_counts

    if counts.get_column("council").n_unique() != 1:
        raise ParameterError(
            "the counts hold several councils", fix="pick one council (--council NAME)"
        )
    years_ahead, n_sims, seed, grant = (
        request.years_ahead,
        request.simulations,
        request.seed,
        request.grant,
    )
    costs = request.costs
    with job_logged("send counts", simulations=n_sims, years_ahead=years_ahead, seed=seed):
        progress(0.1, "Projecting the published counts")
        years, settings, sims = project_counts(
            counts, years_ahead=years_ahead, n_sims=n_sims, seed=seed
        )
        position = None
        if grant is not None:
            progress(0.7, "Costing plans against the high-needs block")
            p = send_params()
            position = high_needs_position(
                [p.census_day(y) for y in years],
                settings,
                sims.sum(axis=2),
                grant,
                costs or default_annual_costs(),
            )
        progress(0.9, "Writing the report")
        params = {
            "years_ahead": years_ahead,
            "simulations": n_sims,
            "threshold": grant.threshold if grant is not None else None,
        }
        report = counts_report(
            counts,
            years,
            settings,
            sims,
            position,
            inputs=inputs or [],
            parameters=params,
            seed=seed,
        )
        total = sims.sum(axis=(2, 3))
        lo, mid, hi = np.percentile(total[:, -1], [5, 50, 95])
        council = str(counts.get_column("council")[0])
        headline = f"{council}: {mid:,.0f} plans in {years[-1]} (90% band {lo:,.0f}-{hi:,.0f})"
        return SendRun(council, send_params().census_day(years[0] - 1), report, headline, position)


class SendBacktestRequest(Request):
    """Yearly origins counting back from the last one that leaves ``horizon_months`` of actuals."""

    origins: int = Field(default=3, ge=1, le=10)
    horizon_months: int = Field(default=12, ge=1, le=60)
    simulations: int = Field(default=200, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    data_start: dt.date | None = None


@dataclass(frozen=True)
class SendBacktestRun:
    origins: list[dt.date]
    table: pl.DataFrame  # scores per origin and method
    report: Report


def run_send_backtest(
    records: pl.DataFrame, request: SendBacktestRequest, *, inputs: list[str | Path] | None = None
) -> SendBacktestRun:
    """Forecast from past dates with what was known then; score against what happened and a trend."""
    from carecast.forecast.calendar import add_months
    from carecast.send.model import send_backtest
    from carecast.send.report import backtest_report

    with job_logged(
        "send backtest", origins=request.origins, simulations=request.simulations, seed=request.seed
    ):
        end = records.get_column("data_end").max()
        assert isinstance(end, dt.date), "cleaned EHCP records carry their data_end"
        last = add_months(end, -request.horizon_months)
        points = [add_months(last, -12 * k) for k in range(request.origins)][::-1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = send_backtest(
                records,
                points,
                horizon_months=request.horizon_months,
                n_sims=request.simulations,
                seed=request.seed,
                data_start=request.data_start,
            )
        report = backtest_report(
            table,
            inputs=inputs or [],
            parameters={
                "origins": [str(d) for d in points],
                "horizon_months": request.horizon_months,
                "simulations": request.simulations,
                "seed": request.seed,
            },
        )
        return SendBacktestRun(points, table, report)
