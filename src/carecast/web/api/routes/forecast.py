"""Forecast: children in care and placement cost with bands, run in the background, cached by
input hash. Built by ``carecast.forecast`` (model and report) and ``carecast.costs`` (prices)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ConfigDict, model_validator

from carecast.services.forecast import ForecastOptions, ForecastRequest, run_forecast
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import CouncilData, load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.settings import Settings
from carecast.web.templating import render

router = APIRouter(tags=["forecast"])


class ForecastForm(ForecastOptions):
    """The forecast options a user may choose on the page (the request's defaults), with limits
    that keep one run within seconds; a start date, window and daily steps are the CLI's."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # the form also carries its CSRF token

    @model_validator(mode="after")
    def _within_a_page_run(self) -> ForecastForm:
        if not 50 <= self.simulations <= 2000:
            raise ValueError("simulations must be from 50 to 2000 on the web page")
        if self.trend == "population":
            raise ValueError(
                "the population trend needs a population file: use carecast forecast --population"
            )
        return self


def run_web_forecast(
    data: CouncilData, options: ForecastForm, progress: Progress
) -> dict[str, Any]:
    """The service's forecast of the council's data set (the same report ``carecast forecast`` writes)."""
    request = ForecastRequest.build(**options.model_dump())
    run = run_forecast(
        request,
        episodes=data.episodes,
        progress=progress,
        extra_parameters={"council": data.council, "dataset": data.content_hash},
    )
    return {
        "report": run.report,
        "notes": run.notes,
        "start": run.start,
        "options": options.model_dump(mode="json"),
    }


def _start(settings: Settings, jobs, user: Principal, data: CouncilData, options: ForecastForm):
    key = input_hash("forecast", data.council, data.content_hash, options.model_dump(mode="json"))

    def work(progress: Progress) -> dict[str, Any]:
        out = run_web_forecast(data, options, progress)
        with session_scope(settings.database_url) as db:
            audit.record(
                db,
                "run",
                user=user,
                council=data.council,
                kind="forecast",
                key=key,
                **options.model_dump(mode="json"),
            )
        return out

    return jobs.submit(kind="forecast", key=key, council=data.council, owner_id=user.id, work=work)


@router.get("/forecast")
def forecast_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require(user.may_run, "run forecasts")
    data = load_council(db, settings.data_dir, user.council)
    return render(request, "forecast.html", {"options": ForecastForm(), "dataset": data})


@router.post("/forecast")
def forecast_run(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    options: Annotated[ForecastForm, Form()],
):
    user.require(user.may_run, "run forecasts")
    data = load_council(db, settings.data_dir, user.council)
    job = _start(settings, jobs, user, data, options)
    return render(request, "partials/job_progress.html", {"job": job})


@router.post("/api/forecast")
def forecast_api(
    body: ForecastForm, db: DbDep, settings: SettingsDep, jobs: JobsDep, user: CurrentUser
) -> dict[str, Any]:
    """Start (or reuse) a forecast of the user's council; poll ``/api/jobs/{id}``."""
    user.require(user.may_run, "run forecasts")
    job = _start(settings, jobs, user, load_council(db, settings.data_dir, user.council), body)
    return {"job": job.id, "status": job.status}
