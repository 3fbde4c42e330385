"""Budget monitoring (``carecast.costs.budget``): forecast outturn and variance per budget line,
from the council's own placements, for finance officers and analysts of that council."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Annotated

import yaml
from fastapi import APIRouter, Form, Request

from carecast.errors import InputError, Location
from carecast.web import audit, summaries
from carecast.web.datastore import load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import render

router = APIRouter(tags=["budget"])


def _example_budget(council: str, financial_year: int) -> str:
    """The shipped example budget's placement lines, for this council and financial year.

    Lines without cost groups are forecast from a ledger extract, which this page does not take
    (``carecast budget outturn --ledger`` does), so the example keeps the placement lines only.
    """
    text = (resources.files("carecast.costs") / "data" / "examples" / "budget.yaml").read_text(
        "utf-8"
    )
    doc = yaml.safe_load(text)
    lines = {k: v for k, v in doc["lines"].items() if isinstance(v, dict) and v.get("cost_groups")}
    example = {
        "council": council,
        "financial_year": f"{financial_year}-{(financial_year + 1) % 100:02d}",
        "units": doc.get("units", "millions"),
        "lines": lines,
    }
    return (
        "# Placement budget lines (from carecast's example, Lewisham 2018-19): edit the amounts.\n"
        + yaml.safe_dump(example, sort_keys=False, width=100)
    )


@router.get("/budget")
def budget_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    user.require(user.may_run, "monitor a council's budget")
    data = load_council(db, settings.data_dir, user.council)
    as_of = summaries.data_end(data.episodes)
    fy = as_of.year if as_of.month >= 4 else as_of.year - 1
    return render(
        request,
        "budget.html",
        {"council": user.council, "as_of": as_of, "budget": _example_budget(user.council, fy)},
    )


@router.post("/budget")
def budget_run(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    budget: Annotated[str, Form(max_length=50_000)],
    as_of: Annotated[dt.date, Form()],
):
    from carecast.costs.budget import parse_plan
    from carecast.services.budget import BudgetOutturnRequest, run_budget_outturn

    user.require(user.may_run, "monitor a council's budget")
    try:
        doc = yaml.safe_load(budget)
    except yaml.YAMLError as exc:
        raise InputError(
            f"the budget is not valid YAML: {exc}",
            where=Location(field="budget"),
            fix="keep the layout of the example: one 'field: value' per line",
        ) from None
    data = load_council(db, settings.data_dir, user.council)
    run = run_budget_outturn(
        BudgetOutturnRequest.build(as_of=as_of, plan=parse_plan(doc, "budget")),
        episodes=data.episodes,
        command="web budget",
        coverage={"councils": [user.council], "dataset": data.content_hash},
    )
    report = run.report
    audit.record(db, "run", user=user, council=user.council, kind="budget", as_of=as_of.isoformat())
    return render(request, "partials/budget_result.html", {"report": report, "as_of": as_of})
