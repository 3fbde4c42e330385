"""Sufficiency (``carecast.sufficiency``): the council's capacity YAML against forecast demand per
placement category, run in the background and cached by input hash, as ``carecast sufficiency`` does."""

from __future__ import annotations

import warnings
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from carecast.errors import AccessDeniedError, Location, ParameterError
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.templating import capability_ready, render

router = APIRouter(tags=["sufficiency"])
SCENARIOS = ("baseline", "ccn_optimised")  # carecast.scenarios' built-ins


class SufficiencyForm(BaseModel):
    capacity: str = Field(max_length=50_000)
    scenario: Literal["baseline", "ccn_optimised"] = "baseline"
    horizon_years: int = Field(default=5, ge=1, le=10)
    simulations: int = Field(default=200, ge=50, le=1000)
    seed: int = Field(default=1, ge=0, le=2**31)


def _example() -> str:
    return (resources.files("carecast.sufficiency") / "data" / "example_capacity.yaml").read_text("utf-8")


def read_capacity(text: str, user: Principal):
    """The capacity as ``carecast.sufficiency.parse_capacity`` validates it, for the user's own council."""
    from carecast.sufficiency import parse_capacity

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(f"the capacity is not valid YAML: {getattr(exc, 'problem', None) or exc}",
                             fix="fix the YAML syntax on that line (indentation, colons, quotes)",
                             where=Location(file="capacity", row=mark.line + 1 if mark else None)) from None
    capacity = parse_capacity(data if isinstance(data, dict) else {}, "capacity")
    if capacity.council is not None and capacity.council.strip().lower() != (user.council or "").lower():
        raise AccessDeniedError(f"the capacity is for {capacity.council}; you may assess only {user.council}",
                                fix=f"set 'council: {user.council}' in the capacity, or leave it out")
    return capacity


def run_sufficiency(episodes, capacity, form: SufficiencyForm, council: str, progress: Progress) -> dict[str, Any]:
    from carecast.forecast import SparseDataWarning
    from carecast.scenarios.model import load_combined
    from carecast.sufficiency import assess
    from carecast.sufficiency.report import sufficiency_report

    progress(0.05, "Forecasting demand per placement category")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        run = assess(episodes, capacity, scenario=load_combined(form.scenario), horizon_years=form.horizon_years,
                     n_sims=form.simulations, seed=form.seed)
    progress(0.9, "Writing the gap and the plan")
    parameters = {"capacity": "entered on the web page", "scenario": form.scenario, "council": council,
                  "region": None, "start": run.forecast.start.isoformat(), "horizon_years": form.horizon_years,
                  "simulations": form.simulations, "seed": form.seed, "register_share": None}
    plan = run.result.plan
    return {"report": sufficiency_report(run, inputs=[], parameters=parameters), "name": run.name,
            "scenario": run.scenario, "plan": plan.select("quantile", "action").rows()}


@router.get("/sufficiency")
def sufficiency_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    if not capability_ready("carecast.sufficiency", "assess"):
        return render(request, "unavailable.html", {"feature": "Sufficiency"})
    user.require(user.may_run, "run sufficiency assessments")
    data = load_council(db, settings.data_dir, user.council)
    example = _example().replace("council: Lewisham", f"council: {data.council}")
    return render(request, "sufficiency.html", {"council": data.council, "scenarios": SCENARIOS,
                                                "form": SufficiencyForm(capacity=example)})


@router.post("/sufficiency")
async def sufficiency_run(request: Request, db: DbDep, settings: SettingsDep, jobs: JobsDep, user: CurrentUser,
                          form: Annotated[SufficiencyForm, Form()],
                          capacity_file: Annotated[UploadFile | None, File()] = None):
    user.require(user.may_run, "run sufficiency assessments")
    if capacity_file is not None and capacity_file.filename:
        raw = await capacity_file.read(50_001)
        try:
            form = form.model_copy(update={"capacity": raw[:50_000].decode("utf-8")})
        except UnicodeDecodeError:
            raise ParameterError("the capacity file is not UTF-8 text", where=Location(file=capacity_file.filename),
                                 fix="save it as a plain-text .yaml file") from None
    capacity = read_capacity(form.capacity, user)  # bad capacity is answered at once, inline
    data = load_council(db, settings.data_dir, user.council)
    key = input_hash("sufficiency", data.council, data.content_hash, form.model_dump())

    def work(progress: Progress) -> dict[str, Any]:
        out = run_sufficiency(data.episodes, capacity, form, data.council, progress)
        with session_scope(settings.database_url) as s:
            audit.record(s, "run", user=user, council=data.council, kind="sufficiency", key=key,
                         scenario=form.scenario, simulations=form.simulations)
        return out

    job = jobs.submit(kind="sufficiency", key=key, council=data.council, owner_id=user.id, work=work)
    return render(request, "partials/job_progress.html", {"job": job})
