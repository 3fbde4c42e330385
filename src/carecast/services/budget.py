"""The budget jobs: ``run_budget_outturn`` (the monthly monitoring report, saved and explained
against last month) and ``run_budget_history`` (the saved months' trend), for ``carecast budget``
and the web Budget page."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field, model_validator

from carecast.costs import UnitCosts, default_cost_mix, derive_cost_mix, load_unit_costs
from carecast.costs.budget import history as hist
from carecast.costs.budget.inputs import BudgetPlan, load_plan, read_actions, read_ledger
from carecast.costs.budget.outturn import (
    Monitoring,
    StartersLeavers,
    monitor,
    starters_leavers_from_forecast,
    starters_leavers_run_rate,
)
from carecast.costs.budget.placements import (
    cost_placements,
    placements_from_episodes,
    read_register,
)
from carecast.costs.budget.report import history_report, monitoring_report
from carecast.costs.budget.whole import (
    AFTERCARE_SIMULATIONS,
    WholeBudgetInputs,
    forecast_lines,
    needs_forecast,
)
from carecast.errors import ParameterError
from carecast.logs import job_logged
from carecast.outputs import Report, run_metadata
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import load_categories
from carecast.services.base import DEFAULT_SEED, Progress, Request, quiet
from carecast.services.inputs import existing_file, load_episodes
from carecast.store import open_store


class BudgetOutturnRequest(Request):
    """One month's monitoring: the budget (a file, or a plan read from a page) and the placements
    (a register, or episodes), with optional ledger, actions and a forecast of starters and leavers."""

    as_of: dt.date
    budget: Path | None = None
    plan: BudgetPlan | None = None
    register_file: Path | None = None  # the placement register
    episodes: Path | None = None
    ledger: Path | None = None
    actions: Path | None = None
    costs: Path | None = None
    simulations: int = Field(default=0, ge=0, le=100_000)  # 0: run-rate of the last 26 weeks
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    save: bool = False
    db: str | None = None
    with_placements: bool = False
    # the lines beyond placements (carecast workforce / allowances / leavers), for lines that say
    # `forecast: staffing`, `allowances` or `leaving_care`
    establishment: Path | None = None
    workforce_policy: Path | None = None
    allowance_policy: Path | None = None
    allowance_cohort: Path | None = None
    leavers_policy: Path | None = None

    @model_validator(mode="after")
    def _a_budget(self) -> BudgetOutturnRequest:
        if (self.budget is None) == (self.plan is None):
            raise ParameterError("give the budget (--budget FILE)", fix="pass --budget budget.yaml")
        return self


@dataclass(frozen=True)
class BudgetRun:
    monitoring: Monitoring
    report: Report
    saved_run: int | None = None


def _forecast(
    eps: pl.DataFrame,
    plan: BudgetPlan,
    as_of: dt.date,
    simulations: int,
    seed: int,
    progress: Progress,
):
    """The demand forecast from the monitoring date to just past 31 March (starters, leavers and the
    exits that feed the allowance and leaving-care lines)."""
    from carecast.forecast.region import forecast_councils

    fy_end = plan.bounds[1]
    progress(0.2, f"Forecasting starters and leavers ({simulations} simulations)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        region = forecast_councils(
            eps,
            start=as_of,
            horizon_years=((fy_end - as_of).days + 14) / DAYS_PER_YEAR,
            n_sims=simulations,
            seed=seed,
        )
    return region.combined


def _starters_leavers(
    eps: pl.DataFrame | None, plan: BudgetPlan, placements, uc: UnitCosts, as_of: dt.date, result
) -> StartersLeavers | None:
    """Starters and leavers to the year end: the forecast's (``result``) or the run-rate (None)."""
    if eps is None:
        return None
    if result is None:
        return starters_leavers_run_rate(eps, plan, uc, as_of=as_of)
    fy_end = plan.bounds[1]
    costed = cost_placements(placements, uc, as_of=as_of, fy_start=plan.bounds[0], fy_end=fy_end)
    mix = derive_cost_mix(
        eps.filter(pl.col("cost_group").is_not_null()),
        end=as_of,
        fallback=default_cost_mix(load_categories()),
    )
    return starters_leavers_from_forecast(
        result.dates_,
        list(result.categories),
        result.sim_counts_,
        plan,
        costed,
        uc,
        as_of=as_of,
        category_cost_mix=mix,
    )


def _saved(m: Monitoring, plan: BudgetPlan, when: dt.date, db: str) -> tuple[int, dict[str, Any]]:
    """Save this month and explain the movement from the last saved month."""
    m.council = plan.council or "(unnamed)"
    prev = hist.previous_run(m.council, plan.financial_year, when, db)
    run_id = hist.save_monitoring(m, db)
    out: dict[str, Any] = {}
    if prev is not None:
        before, now = hist.load_snapshot(prev, db), hist.load_snapshot(run_id, db)
        out["moves"] = hist.movement(before, now)
        out["summary"] = hist.movement_summary(before, now, out["moves"])
    out["history"] = hist.line_history(m.council, plan.financial_year, db)
    out["runs"] = hist.runs(m.council, plan.financial_year, db)
    out["quarters"] = hist.quarter_on_quarter(out["runs"])
    return run_id, out


def run_budget_outturn(
    request: BudgetOutturnRequest,
    *,
    episodes: pl.DataFrame | None = None,
    progress: Progress = quiet,
    command: str = "budget outturn",
    coverage: dict[str, Any] | None = None,
) -> BudgetRun:
    """Forecast outturn, variance and movement per budget line."""
    with job_logged(
        "budget outturn", simulations=request.simulations, saved=request.save, seed=request.seed
    ):
        for path, what in (
            (request.budget, "budget"),
            (request.register_file, "placement register"),
            (request.ledger, "ledger"),
            (request.actions, "actions"),
            (request.costs, "unit costs"),
            (request.establishment, "establishment"),
            (request.workforce_policy, "workforce policy"),
            (request.allowance_policy, "allowance policy"),
            (request.allowance_cohort, "allowance cohort"),
            (request.leavers_policy, "leavers policy"),
        ):
            existing_file(path, what, "check the path")
        if request.plan is not None:
            plan = request.plan
        else:
            assert request.budget is not None  # the request holds one of the two
            plan = load_plan(request.budget)
        uc = load_unit_costs(request.costs)
        if request.register_file is None and request.episodes is None and episodes is None:
            raise ParameterError(
                "no placements given", fix="pass --register FILE or --episodes DIR"
            )
        whole = WholeBudgetInputs(
            request.establishment,
            request.workforce_policy,
            request.allowance_policy,
            request.allowance_cohort,
            request.leavers_policy,
        )
        whole.check(plan, request.episodes is not None or episodes is not None)
        led = read_ledger(request.ledger, plan) if request.ledger else None
        acts = read_actions(request.actions, plan) if request.actions else None
        db = open_store(request.db) if request.save else None
        if episodes is None and request.episodes is not None:
            episodes = load_episodes(request.episodes, plan.council or None, None, progress)
        fy_start, fy_end = plan.bounds
        when = request.as_of
        if request.register_file is not None:
            placements = read_register(request.register_file)
        else:
            assert episodes is not None  # checked above: a register or episodes
            placements = placements_from_episodes(episodes, start=fy_start, end=fy_end, as_of=when)
        sims = request.simulations or (AFTERCARE_SIMULATIONS if needs_forecast(plan) else 0)
        result = (
            _forecast(episodes, plan, when, sims, request.seed, progress)
            if episodes is not None and sims
            else None
        )
        sl = _starters_leavers(
            episodes, plan, placements, uc, when, result if request.simulations else None
        )
        progress(0.6, "Forecasting staffing, allowances and leaving care")
        lines = forecast_lines(
            plan, whole, as_of=when, episodes=episodes, forecast=result, seed=request.seed
        )
        m = monitor(
            plan,
            placements,
            uc,
            as_of=when,
            ledger=led,
            actions=acts,
            starters_leavers=sl,
            line_forecasts=lines,
        )
        run_id, saved = _saved(m, plan, when, db) if db is not None else (None, {})
        sources = [
            request.budget,
            request.register_file,
            request.episodes,
            request.ledger,
            request.actions,
            request.costs,
            request.establishment,
            request.workforce_policy,
            request.allowance_policy,
            request.allowance_cohort,
            request.leavers_policy,
        ]
        meta = run_metadata(
            command=command,
            inputs=[p for p in sources if p],
            parameters={
                "as_of": when.isoformat(),
                "simulations": request.simulations,
                "saved": request.save,
                **m.assumptions,
            },
            seed=request.seed,
            coverage=coverage,
        )
        report = monitoring_report(
            m,
            metadata=meta,
            summary=saved.get("summary"),
            moves=saved.get("moves"),
            history=saved.get("history"),
            runs=saved.get("runs"),
            quarters=saved.get("quarters"),
            include_placements=request.with_placements,
        )
        return BudgetRun(m, report, run_id)


class BudgetHistoryRequest(Request):
    council: str
    financial_year: int = Field(ge=2000, le=2100)
    db: str | None = None


def run_budget_history(request: BudgetHistoryRequest) -> Report:
    """The saved months of one council's year: trend through the year and quarter on quarter."""
    with job_logged("budget history", financial_year=request.financial_year):
        return history_report(request.council, request.financial_year, open_store(request.db))


class BudgetDecomposeRequest(Request):
    """Two years' spend from a YAML of their drivers, or costed from episodes between two years."""

    inputs: Path | None = None
    episodes: Path | None = None
    from_year: int | None = Field(default=None, ge=2000, le=2100)
    to_year: int | None = Field(default=None, ge=2000, le=2100)
    population_ratio: float = Field(default=1.0, gt=0)
    price_ratio: float | None = Field(
        default=None, gt=0
    )  # None: the unit costs' own uprating between the years
    costs: Path | None = None

    @model_validator(mode="after")
    def _something_to_decompose(self) -> BudgetDecomposeRequest:
        if self.inputs is None and not (
            self.episodes is not None and self.from_year and self.to_year
        ):
            raise ParameterError(
                "nothing to decompose",
                fix="pass --inputs FILE, or --episodes DIR --from YEAR --to YEAR",
            )
        return self


@dataclass(frozen=True)
class DecomposeRun:
    drivers: pl.DataFrame
    report: Report


def run_budget_decompose(request: BudgetDecomposeRequest) -> DecomposeRun:
    """The change in placement spend split into more children, mix/unit cost, inflation and population."""
    from carecast.costs import actual_costs
    from carecast.costs.budget.decomposition import (
        decompose_spend_change,
        load_decomposition_inputs,
        spend_years_from_actuals,
        uprating_ratio,
    )
    from carecast.outputs import Section

    with job_logged("budget decompose", from_episodes=request.inputs is None):
        if request.inputs is not None:
            y0, y1, recorded = load_decomposition_inputs(request.inputs)
        else:
            assert request.episodes is not None and request.from_year and request.to_year
            existing_file(request.costs, "unit costs", "check the path, or leave out --costs")
            unit_costs = load_unit_costs(request.costs)
            actual = actual_costs(load_episodes(request.episodes, None), unit_costs)
            price_ratio = request.price_ratio
            if (
                price_ratio is None
            ):  # the uprating the costing itself applied is price inflation, not unit cost
                price_ratio = uprating_ratio(
                    unit_costs,
                    actual.by_financial_year_cost_group,
                    request.from_year,
                    request.to_year,
                )
            y0, y1 = spend_years_from_actuals(
                actual.by_financial_year_cost_group,
                request.from_year,
                request.to_year,
                population_ratio=request.population_ratio,
                price_ratio=price_ratio,
            )
            recorded = {
                "population_ratio": request.population_ratio,
                "price_ratio": price_ratio,
                "costs": str(request.costs or "defaults"),
            }
        drivers = decompose_spend_change(y0, y1)
        meta = run_metadata(
            command="budget decompose",
            inputs=[p for p in (request.inputs, request.episodes, request.costs) if p],
            parameters=recorded,
        )
        report = Report(
            f"Spend decomposition {y0.label} → {y1.label}",
            meta,
            [
                Section(
                    "Drivers of the change in spend",
                    text=f"Spend {y0.label} £{y0.spend:,.0f} → {y1.label} "
                    f"£{y1.spend:,.0f} (children × average weekly cost × 52).",
                    tables={"drivers": drivers},
                ),
            ],
            primary_table="drivers",
        )
        return DecomposeRun(drivers, report)
