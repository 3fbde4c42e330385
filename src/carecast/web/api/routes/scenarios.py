"""Scenarios (``carecast.scenarios``): edit the levers, run them against the baseline with the same
seeds in the background, and compare children, cost and net saving side by side."""

from __future__ import annotations

import warnings
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field

from carecast.store import session_scope
from carecast.web import audit
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.templating import capability_ready, render

router = APIRouter(tags=["scenarios"])
EXAMPLE = "ccn_optimised"


class ScenarioForm(BaseModel):
    scenario: str = Field(max_length=50_000)
    horizon_years: int = Field(default=5, ge=1, le=10)
    simulations: int = Field(default=200, ge=50, le=1000)
    seed: int = Field(default=1, ge=0, le=2**31)


def _example() -> str:
    return (resources.files("carecast.scenarios") / "data" / f"{EXAMPLE}.yaml").read_text("utf-8")


def run_comparison(episodes, form: ScenarioForm, council: str, progress: Progress) -> dict[str, Any]:
    from carecast.forecast import SparseDataWarning
    from carecast.scenarios import load_scenario, parse_scenario, run_scenarios
    from carecast.scenarios.report import scenario_report

    chosen = [load_scenario("baseline"), parse_scenario(form.scenario, "scenario")]  # validated before work
    progress(0.05, "Simulating the baseline and the scenario with the same seeds")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        comparison = run_scenarios(episodes, chosen, horizon_years=form.horizon_years, n_sims=form.simulations,
                                   seed=form.seed)
    progress(0.9, "Writing the comparison")
    parameters = {"scenarios": [s.scenario for s in chosen], "start": comparison.start.isoformat(),
                  "horizon_years": form.horizon_years, "simulations": form.simulations, "seed": form.seed,
                  "council": council}
    return {"report": scenario_report(comparison, inputs=[], parameters=parameters),
            "names": [s.scenario for s in chosen]}


@router.get("/scenarios")
def scenarios_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    if not capability_ready("carecast.scenarios", "run_scenarios"):
        return render(request, "unavailable.html", {"feature": "Scenarios"})
    user.require(user.may_run, "run scenarios")
    data = load_council(db, settings.data_dir, user.council)
    return render(request, "scenarios.html", {"council": data.council, "form": ScenarioForm(scenario=_example())})


@router.post("/scenarios")
def scenarios_run(request: Request, db: DbDep, settings: SettingsDep, jobs: JobsDep, user: CurrentUser,
                  form: Annotated[ScenarioForm, Form()]):
    from carecast.scenarios import parse_scenario

    user.require(user.may_run, "run scenarios")
    parse_scenario(form.scenario, "scenario")  # a bad lever is answered at once, with its line and fix
    data = load_council(db, settings.data_dir, user.council)
    key = input_hash("scenarios", data.council, data.content_hash, form.model_dump())

    def work(progress: Progress) -> dict[str, Any]:
        out = run_comparison(data.episodes, form, data.council, progress)
        with session_scope(settings.database_url) as s:
            audit.record(s, "run", user=user, council=data.council, kind="scenarios", key=key,
                         scenarios=out["names"], simulations=form.simulations)
        return out

    job = jobs.submit(kind="scenarios", key=key, council=data.council, owner_id=user.id, work=work)
    return render(request, "partials/job_progress.html", {"job": job})
