"""``run_backtest``: rewind the data to past origins, forecast, and score against what happened."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from carecast.errors import Location, ParameterError
from carecast.forecast.backtest import BacktestResult, backtest
from carecast.forecast.model import SparseDataWarning
from carecast.forecast.report import backtest_report
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.schema import load_categories
from carecast.services.base import Progress, quiet
from carecast.services.forecast import (
    ModelOptions,
    RegionInputs,
    check_classified,
    model_options,
    workers_for,
)
from carecast.services.inputs import existing_file, load_episodes


class BacktestRequest(ModelOptions, RegionInputs):
    """One origin (``at``) or rolling yearly origins, scored ``horizon_months`` ahead."""

    source: Path
    at: dt.date | None = None
    horizon_months: int = Field(default=12, ge=1, le=120)
    rolling: bool = False
    origins: int | None = Field(default=None, ge=1, le=20)  # None: the backtest's default (4)
    step: Literal["weekly"] = "weekly"

    @model_validator(mode="after")
    def _an_origin(self) -> BacktestRequest:
        if not self.rolling and self.at is None:
            raise ParameterError(
                "give --at DATE or --rolling",
                where=Location(field="at"),
                fix="e.g. --at 2023-03-31 --horizon-months 12, or --rolling",
            )
        return self


@dataclass(frozen=True)
class BacktestRun:
    backtest: BacktestResult
    report: Report


def run_backtest(request: BacktestRequest, *, progress: Progress = quiet) -> BacktestRun:
    """Forecast as if it were each origin date, with only what was known then, and score it."""
    with job_logged(
        "backtest",
        simulations=request.simulations,
        horizon_months=request.horizon_months,
        rolling=request.rolling,
        seed=request.seed,
    ):
        existing_file(request.categories, "categories", "check the path, or leave out --categories")
        existing_file(request.population, "population", "check the path, or leave out --population")
        cats = load_categories(request.categories)
        episodes = load_episodes(request.source, request.council, cats, progress)
        check_classified(episodes, cats)
        progress(0.1, "Backtesting")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            bt = backtest(
                episodes,
                at=request.at,
                horizon_months=request.horizon_months,
                rolling=request.rolling,
                n_origins=request.origins,
                n_sims=request.simulations,
                seed=request.seed,
                workers=workers_for(request.workers),
                scheduler=request.scheduler,
                population=request.population,
                **model_options(request, cats),
            )
        parameters = {**request.recorded(), "window_years": request.window_years or "default"}
        inputs: list[str | Path] = [
            p for p in (request.source, request.population, request.categories) if p
        ]
        return BacktestRun(bt, backtest_report(bt, inputs=inputs, parameters=parameters))
