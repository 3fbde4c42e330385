"""Sufficiency (``carecast.sufficiency``): the council's capacity YAML against forecast demand per
placement category, run in the background and cached by input hash, as ``carecast sufficiency`` does."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any, Literal

import polars as pl
import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from carecast.errors import AccessDeniedError, Location, NotFoundError, ParameterError
from carecast.services.sufficiency import SufficiencyRequest
from carecast.store import session_scope
from carecast.web import audit
from carecast.web.access import Principal
from carecast.web.datastore import councils_with_data, load_council
from carecast.web.deps import CurrentUser, DbDep, JobsDep, SettingsDep
from carecast.web.jobs import Progress, input_hash
from carecast.web.templating import render
from carecast.web.uploads import uploaded_text

router = APIRouter(tags=["sufficiency"])
SCENARIOS = ("baseline", "ccn_optimised")  # carecast.scenarios' built-ins


DEFAULTS = SufficiencyRequest.model_fields  # the same defaults as ``carecast sufficiency``


class SufficiencyForm(BaseModel):
    """What the page may set, with limits that keep one run within seconds."""

    capacity: str = Field(max_length=50_000)
    scenario: Literal["baseline", "ccn_optimised"] = "baseline"
    horizon_years: int = Field(default=int(DEFAULTS["horizon_years"].default), ge=1, le=10)
    simulations: int = Field(default=DEFAULTS["simulations"].default, ge=50, le=1000)
    seed: int = Field(default=DEFAULTS["seed"].default, ge=0, le=2**31)


def _example() -> str:
    return (resources.files("carecast.sufficiency") / "data" / "example_capacity.yaml").read_text(
        "utf-8"
    )


def read_capacities(text: str, user: Principal, allowed: list[str]) -> list:
    """Capacities as ``carecast.sufficiency.parse_capacity`` validates them (YAML documents separated
    by ``---``, one per council for a regional view), each for a council in ``allowed``."""
    from carecast.sufficiency import parse_capacity

    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None] or [{}]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(
            f"the capacity is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            fix="fix the YAML syntax on that line (indentation, colons, quotes)",
            where=Location(file="capacity", row=mark.line + 1 if mark else None),
        ) from None
    if user.sees_child_level and len(docs) > 1:
        raise ParameterError(
            "give one capacity, for your own council",
            where=Location(file="capacity"),
            fix="remove the documents after the first '---'",
        )
    capacities = [parse_capacity(d if isinstance(d, dict) else {}, "capacity") for d in docs]
    known = {c.lower(): c for c in allowed}
    for cap in capacities:
        if cap.council is not None and cap.council.strip().lower() not in known:
            raise AccessDeniedError(
                f"the capacity is for {cap.council}; you may assess only {', '.join(allowed)}",
                fix="set 'council:' to one of those councils, or leave it out",
            )
    return [
        c.model_copy(update={"council": known[c.council.strip().lower()]}) if c.council else c
        for c in capacities
    ]


@dataclass(frozen=True)
class Scope:
    """Whose demand is assessed: one council (its own users) or the councils a user sees, summed."""

    label: str
    councils: list[str]
    members: list[str]
    episodes: pl.DataFrame
    content_hash: str

    @property
    def regional(self) -> bool:
        return len(self.members) != 1 or self.label not in self.members


def scope_for(db, settings, user: Principal) -> Scope:
    if user.sees_child_level:
        data = load_council(db, settings.data_dir, user.council)
        return Scope(data.council, [data.council], [data.council], data.episodes, data.content_hash)
    names = councils_with_data(db, user.visible_councils())
    if not names:
        raise NotFoundError(
            "no council you can see has uploaded returns yet",
            fix="ask the councils of your region to upload their returns",
        )
    data = [load_council(db, settings.data_dir, n) for n in names]
    return Scope(
        user.region or "England",
        names,
        user.visible_councils(),
        pl.concat([d.episodes for d in data], how="vertical_relaxed"),
        "+".join(d.content_hash for d in data),
    )


def run_web_sufficiency(
    scope: Scope, capacities: list, form: SufficiencyForm, progress: Progress
) -> dict[str, Any]:
    """The service's assessment of the user's scope (a council, or the councils they see summed)."""
    from carecast.scenarios.model import load_combined
    from carecast.services.sufficiency import run_sufficiency

    request = SufficiencyRequest.build(
        capacities=tuple(capacities),
        scenario=load_combined(form.scenario),
        council=None if scope.regional else scope.label,
        group=scope.label if scope.regional else None,
        members=tuple(scope.members) if scope.regional else None,
        horizon_years=form.horizon_years,
        simulations=form.simulations,
        seed=form.seed,
    )
    outcome = run_sufficiency(
        request,
        episodes=scope.episodes,
        progress=progress,
        recorded={"capacity": "entered on the web page"},
    )
    run = outcome.run
    return {
        "report": outcome.report,
        "name": run.name,
        "scenario": run.scenario,
        "plan": run.result.plan.select("quantile", "action").rows(),
    }


@router.get("/sufficiency")
def sufficiency_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require(user.may_assess_sufficiency, "assess sufficiency")
    scope = scope_for(db, settings, user)
    example = "---\n".join(
        _example().replace("council: Lewisham", f"council: {c}") for c in scope.councils
    )
    return render(
        request,
        "sufficiency.html",
        {
            "council": scope.label,
            "regional": scope.regional,
            "scenarios": SCENARIOS,
            "form": SufficiencyForm(capacity=example),
        },
    )


@router.post("/sufficiency")
async def sufficiency_run(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    jobs: JobsDep,
    user: CurrentUser,
    form: Annotated[SufficiencyForm, Form()],
    capacity_file: Annotated[UploadFile | None, File()] = None,
):
    user.require(user.may_assess_sufficiency, "assess sufficiency")
    text = await uploaded_text(capacity_file, limit=50_000, what="capacity")
    if text is not None:
        form = form.model_copy(update={"capacity": text})
    scope = scope_for(db, settings, user)
    capacities = read_capacities(
        form.capacity, user, scope.councils
    )  # bad capacity: answered at once, inline
    key = input_hash("sufficiency", scope.label, scope.content_hash, form.model_dump())
    council = None if scope.regional else scope.label  # a regional run is watched by its owner only

    def work(progress: Progress) -> dict[str, Any]:
        out = run_web_sufficiency(scope, capacities, form, progress)
        with session_scope(settings.database_url) as s:
            audit.record(
                s,
                "run",
                user=user,
                council=council,
                kind="sufficiency",
                key=key,
                scenario=form.scenario,
                simulations=form.simulations,
            )
        return out

    job = jobs.submit(kind="sufficiency", key=key, council=council, owner_id=user.id, work=work)
    return render(request, "partials/job_progress.html", {"job": job})
