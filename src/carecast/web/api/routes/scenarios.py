"""Scenarios (``carecast.scenarios``): edit the levers, run them against the baseline with the same
seeds in the background, and compare children, cost and net saving side by side."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field

from carecast.services.scenarios import ScenariosRequest
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.templating import render

router = APIRouter(tags=["scenarios"])
EXAMPLE = "ccn_optimised"


DEFAULTS = ScenariosRequest.model_fields  # the same defaults as ``carecast scenario run``


class ScenarioForm(BaseModel):
    """What the page may set, with limits that keep one run within seconds."""

    scenario: str = Field(max_length=50_000)
    horizon_years: int = Field(default=int(DEFAULTS["horizon_years"].default), ge=1, le=10)
    simulations: int = Field(default=DEFAULTS["simulations"].default, ge=50, le=1000)
    seed: int = Field(default=DEFAULTS["seed"].default, ge=0, le=2**31)


def _example() -> str:
    return (resources.files("carecast.scenarios") / "data" / f"{EXAMPLE}.yaml").read_text("utf-8")


def run_comparison(
    episodes, form: ScenarioForm, council: str, progress: Progress
) -> dict[str, Any]:
    """The service's comparison of the page's scenario with the built-in baseline."""
    from carecast.scenarios import load_scenario, parse_scenario
    from carecast.services.scenarios import BASELINE, run_scenarios

    chosen = (load_scenario(BASELINE), parse_scenario(form.scenario, "scenario"))
    request = ScenariosRequest.build(
        scenarios=chosen,
        council=council,
        horizon_years=form.horizon_years,
        simulations=form.simulations,
        seed=form.seed,
    )
    run = run_scenarios(request, episodes=episodes, progress=progress)
    return {"report": run.report, "names": [s.scenario for s in chosen]}


@router.get("/scenarios")
def scenarios_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require(user.may_run, "run scenarios")
    data = load_council(db, settings.data_dir, user.council)
    return render(
        request,
        "scenarios.html",
        {"council": data.council, "form": ScenarioForm(scenario=_example())},
    )


@router.post("/scenarios")
def scenarios_run(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    form: Annotated[ScenarioForm, Form()],
):
    from carecast.scenarios import parse_scenario

    user.require(user.may_run, "run scenarios")
    parse_scenario(
        form.scenario, "scenario"
    )  # a bad lever is answered at once, with its line and fix
    data = load_council(db, settings.data_dir, user.council)
    key = input_hash("scenarios", data.council, data.content_hash, form.model_dump())

    def work(progress: Progress) -> dict[str, Any]:
        out = run_comparison(data.episodes, form, data.council, progress)
        with session_scope(settings.database_url) as s:
            audit.record(
                s,
                "run",
                user=user,
                council=data.council,
                kind="scenarios",
                key=key,
                scenarios=out["names"],
                simulations=form.simulations,
            )
        return out

    job = jobs.submit(kind="scenarios", key=key, council=data.council, owner_id=user.id, work=work)
    return render(request, "partials/job_progress.html", {"job": job})
