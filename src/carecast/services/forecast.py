"""``run_forecast``: episodes → fit → simulate → cost → report, for ``carecast forecast``, the web
Forecast page and the demo alike.

Everything that can be wrong with the inputs is found before the first council is fitted: the
categories and unit-costs files are read together (a council's own categories with merged cost
groups need a unit-costs file with those groups), the population file is read, and the episodes'
categories and cost groups are checked against the categories.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import Field, field_validator, model_validator

from carecast.costs import (
    CostProjection,
    UnitCosts,
    default_cost_mix,
    derive_cost_mix,
    load_unit_costs,
    project_costs,
)
from carecast.errors import InputError, Location, ParameterError
from carecast.execution import scheduler_address
from carecast.forecast.model import SparseDataWarning
from carecast.forecast.region import RegionForecast, forecast_councils
from carecast.forecast.report import forecast_report
from carecast.forecast.result import ForecastResult
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.schema import load_categories
from carecast.schema.categories import PlacementCategories
from carecast.services.base import DEFAULT_SEED, Progress, Request, quiet
from carecast.services.inputs import existing_file, load_episodes

SHIPPED_COSTS = "shipped defaults (carecast/costs/data)"


class ModelOptions(Request):
    """The demand model's options, shared by forecasts and backtests (and safe on a web form:
    no file paths)."""

    simulations: int = Field(default=1000, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    trend: Literal["auto", "flat", "damped", "fitted", "population"] = "auto"
    window_years: float | None = Field(
        default=None, gt=0, le=20
    )  # None: model.yaml's reference window
    step: Literal["weekly", "daily"] = "weekly"
    uasc: Literal["include", "exclude"] = "include"


class ForecastOptions(ModelOptions):
    """The modelling options of a forecast (what a web form may set too)."""

    start: dt.date | None = None
    horizon_years: float = Field(default=5, gt=0, le=10)


class RegionInputs(Request):
    """Where the councils' data and a council's own files come from (never on a web form)."""

    source: Path | None = None
    council: str | None = None
    categories: Path | None = None
    population: Path | None = None
    workers: int | None = Field(default=None, ge=1, le=256)
    # a Dask scheduler tcp://HOST:PORT (default: CARECAST_SCHEDULER, else this machine's processes)
    scheduler: str | None = Field(default=None, validate_default=True)

    @field_validator("scheduler")
    @classmethod
    def _scheduler_address(cls, value: str | None) -> str | None:
        return scheduler_address(value)  # a typo fails here, before any data is read

    @model_validator(mode="after")
    def _population_for_its_trend(self) -> RegionInputs:
        if getattr(self, "trend", None) == "population" and self.population is None:
            raise ParameterError(
                "the population trend needs --population FILE",
                where=Location(field="population"),
                fix="give a CSV with columns year,population (and council for several councils)",
            )
        return self


class ForecastRequest(ForecastOptions, RegionInputs):
    """A forecast of the councils in ``source`` (or of episodes handed to :func:`run_forecast`)."""

    costs: Path | None = None


@dataclass(frozen=True)
class ForecastInputs:
    """A forecast's inputs, read and checked: what the heavy work starts from."""

    episodes: pl.DataFrame
    categories: PlacementCategories
    unit_costs: UnitCosts


@dataclass(frozen=True)
class ForecastRun:
    """What a forecast made: the region's forecast, its costs, the report and the model's notes."""

    region: RegionForecast
    costs: CostProjection
    report: Report
    notes: list[str]

    @property
    def result(self) -> ForecastResult:
        return self.region.combined

    @property
    def start(self) -> dt.date:
        return self.region.combined.start


def workers_for(requested: int | None) -> int:
    """Processes for a regional run: the user's number, else every core this process may use.
    Councils are independent and seeded one by one, so the number never changes the results."""
    if requested:
        return requested
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process is allowed on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def read_costing(
    categories: Path | None, costs: Path | None
) -> tuple[PlacementCategories, UnitCosts]:
    """The categories and the unit costs that go with them, both read and checked now."""
    existing_file(
        categories,
        "categories",
        "check the path, or leave out --categories to use the shipped ones",
    )
    existing_file(
        costs, "unit costs", "check the path, or leave out --costs to use the shipped cited costs"
    )
    cats = load_categories(categories)
    return cats, load_unit_costs(costs, cats if categories is not None else None)


def check_classified(episodes: pl.DataFrame, cats: PlacementCategories) -> None:
    """Episodes cleaned with other categories would be forecast or costed in groups nobody defined."""
    for column, known in (("category", cats.categories), ("cost_group", cats.cost_groups)):
        if column not in episodes.columns:
            continue
        unknown = sorted(
            set(episodes.get_column(column).drop_nulls().unique().to_list()) - set(known)
        )
        if unknown:
            label = column.replace("_", " ")
            raise InputError(
                f"the episodes use {label}(s) {unknown} that the categories ({cats.source}) "
                "do not define",
                where=Location(field=column),
                fix="give the categories file the episodes were cleaned with (--categories), "
                "or clean the returns again with this one",
            )


def read_inputs(
    request: ForecastRequest, episodes: pl.DataFrame | None, progress: Progress
) -> ForecastInputs:
    """Every input read and cross-checked before anything is fitted."""
    cats, unit_costs = read_costing(request.categories, request.costs)
    if request.population is not None:
        from carecast.forecast.entrants import load_population

        load_population(request.population)
    if episodes is None:
        if request.source is None:
            raise ParameterError(
                "no data to forecast from", fix="give the folder of SSDA903 returns"
            )
        episodes = load_episodes(request.source, request.council, cats, progress)
    check_classified(episodes, cats)
    return ForecastInputs(episodes, cats, unit_costs)


def model_options(request: ModelOptions, categories: PlacementCategories) -> dict[str, Any]:
    """The demand model's options from a forecast's or a backtest's request (the window is
    model.yaml's when not given)."""
    out: dict[str, Any] = {
        "step_days": 7 if request.step == "weekly" else 1,
        "uasc": request.uasc,
        "trend": request.trend,
        "categories": categories,
    }
    if request.window_years is not None:
        out["window_years"] = request.window_years
    return out


def cost_forecast(
    result: ForecastResult,
    episodes: pl.DataFrame,
    unit_costs: UnitCosts,
    categories: PlacementCategories,
    source: Path | None,
) -> tuple[CostProjection, dict[str, Any]]:
    """Cost the forecast with :mod:`carecast.costs`, each category split into cost groups by the
    council's own mix of the last three years (the categories' equal split where it has none)."""
    mix = derive_cost_mix(
        episodes.filter(pl.col("cost_group").is_not_null()),
        end=result.start,
        fallback=default_cost_mix(categories),
    )
    projection = project_costs(
        result.dates_,
        list(result.categories),
        result.sim_counts_,
        unit_costs,
        category_cost_mix=mix,
    )
    return projection, {
        "source": str(source) if source else SHIPPED_COSTS,
        "cost_mix": "share of each category's child-days in each cost group, last 3 years",
        **projection.assumptions,
    }


def _council_progress(progress: Progress, n: int):
    done = [0]

    def advance(_council: str) -> None:
        done[0] += 1
        progress(0.05 + 0.7 * done[0] / n, f"Fitted and simulated {done[0]} of {n} councils")

    return advance


def run_forecast(
    request: ForecastRequest,
    *,
    episodes: pl.DataFrame | None = None,
    progress: Progress = quiet,
    extra_parameters: dict[str, Any] | None = None,
) -> ForecastRun:
    """Forecast children in care and placement cost with bands, per council and in total.

    ``episodes`` are cleaned episodes already in memory (the web app's data set); otherwise they are
    read from ``request.source``. ``extra_parameters`` are recorded in the report (e.g. the data set).
    """
    with job_logged(
        "forecast",
        simulations=request.simulations,
        horizon_years=request.horizon_years,
        seed=request.seed,
        trend=request.trend,
    ):
        inputs = read_inputs(request, episodes, progress)
        n = inputs.episodes.get_column("council").n_unique()
        progress(0.05, "Fitting the model and simulating children")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SparseDataWarning)
            region = forecast_councils(
                inputs.episodes,
                start=request.start,
                horizon_years=request.horizon_years,
                n_sims=request.simulations,
                seed=request.seed,
                population=request.population,
                workers=workers_for(request.workers),
                scheduler=request.scheduler,
                progress=_council_progress(progress, n),
                **model_options(request, inputs.categories),
            )
        progress(0.75, "Costing the forecast")
        result = region.combined
        projection, cost_assumptions = cost_forecast(
            result, inputs.episodes, inputs.unit_costs, inputs.categories, request.costs
        )
        progress(0.9, "Writing the report")
        parameters = {
            **request.recorded(),
            "start": result.start.isoformat(),
            "window_years": request.window_years or "default",
            "costs": str(request.costs) if request.costs else "shipped defaults",
            **(extra_parameters or {}),
        }
        sources = [request.source, request.population, request.costs, request.categories]
        report = forecast_report(
            result,
            inputs=[p for p in sources if p is not None],
            parameters=parameters,
            costs=projection,
            cost_assumptions=cost_assumptions,
            per_council=region.results,
        )
        notes = [str(w.message) for w in caught if issubclass(w.category, SparseDataWarning)]
        return ForecastRun(region, projection, report, notes)
