"""Forecast: children in care and placement cost with bands, run in the background, cached by
input hash. Built by ``carecast.forecast`` (model and report) and ``carecast.costs`` (prices)."""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field

from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import CouncilData, load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.settings import Settings
from carecast.web.templating import capability_ready, render

router = APIRouter(tags=["forecast"])


class ForecastOptions(BaseModel):
    """What a user may choose on the forecast page; limits keep one run within seconds."""

    horizon_years: int = Field(default=5, ge=1, le=10)
    simulations: int = Field(default=1000, ge=50, le=2000)
    trend: Literal["flat", "fitted"] = "flat"
    uasc: Literal["include", "exclude"] = "include"
    seed: int = Field(default=1, ge=0, le=2**31)


def run_forecast(data: CouncilData, options: ForecastOptions, progress: Progress) -> dict[str, Any]:
    """Fit, simulate, cost and build the report (the same report ``carecast forecast`` writes)."""
    from carecast.forecast import SparseDataWarning, forecast_councils
    from carecast.forecast.commands import cost_projection
    from carecast.forecast.report import forecast_report

    progress(0.05, "Fitting the model and simulating children")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SparseDataWarning)
        region = forecast_councils(data.episodes, horizon_years=options.horizon_years,
                                   n_sims=options.simulations, seed=options.seed, trend=options.trend,
                                   uasc=options.uasc, step_days=7)
    progress(0.75, "Costing the forecast")
    result = region.combined
    projection, cost_assumptions = cost_projection(result, data.episodes, None)
    parameters = {"start": result.start.isoformat(), **options.model_dump(), "step": "weekly",
                  "costs": "shipped defaults", "council": data.council, "dataset": data.content_hash}
    progress(0.9, "Writing the report")
    report = forecast_report(result, inputs=[], parameters=parameters, costs=projection,
                             cost_assumptions=cost_assumptions, per_council=region.results)
    return {"report": report, "notes": [str(w.message) for w in caught], "start": result.start,
            "options": options.model_dump()}


def _start(settings: Settings, jobs, user: Principal, data: CouncilData, options: ForecastOptions):
    key = input_hash("forecast", data.council, data.content_hash, options.model_dump())

    def work(progress: Progress) -> dict[str, Any]:
        out = run_forecast(data, options, progress)
        with session_scope(settings.database_url) as db:
            audit.record(db, "run", user=user, council=data.council, kind="forecast", key=key,
                         **options.model_dump())
        return out

    return jobs.submit(kind="forecast", key=key, council=data.council, owner_id=user.id, work=work)


@router.get("/forecast")
def forecast_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    if not capability_ready("carecast.forecast", "forecast_councils"):
        return render(request, "unavailable.html", {"feature": "Forecast"})
    user.require(user.may_run, "run forecasts")
    data = load_council(db, settings.data_dir, user.council)
    return render(request, "forecast.html", {"options": ForecastOptions(), "dataset": data})


@router.post("/forecast")
def forecast_run(request: Request, db: DbDep, settings: SettingsDep, jobs: JobsDep, user: CurrentUser,
                 options: Annotated[ForecastOptions, Form()]):
    user.require(user.may_run, "run forecasts")
    data = load_council(db, settings.data_dir, user.council)
    job = _start(settings, jobs, user, data, options)
    return render(request, "partials/job_progress.html", {"job": job})


@router.post("/api/forecast")
def forecast_api(body: ForecastOptions, db: DbDep, settings: SettingsDep, jobs: JobsDep,
                 user: CurrentUser) -> dict[str, Any]:
    """Start (or reuse) a forecast of the user's council; poll ``/api/jobs/{id}``."""
    user.require(user.may_run, "run forecasts")
    job = _start(settings, jobs, user, load_council(db, settings.data_dir, user.council), body)
    return {"job": job.id, "status": job.status}
