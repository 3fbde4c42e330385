"""The allowances and care-leavers jobs: a typed request, checked before any work, then one run.

``carecast allowances`` / ``carecast leavers`` and the whole-budget forecast call these; each
returns its projection (per-simulation arrays, for the budget) and a :class:`Report`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.aftercare.allowances import (
    cohort_from_file,
    cohort_from_returns,
    joiners_from_forecast,
    project_allowances,
)
from carecast.aftercare.cohort import CohortProjection, Members
from carecast.aftercare.leavers import (
    LABELS as LEAVER_LABELS,
)
from carecast.aftercare.leavers import (
    LEFT_16_17,
    REACHED_18,
    LeaverPolicy,
    by_age_today,
    exit_shares_16_17,
    joiner_members,
    leaver_policy,
    oc3_only,
    past_care_leavers,
    project_leavers,
    staying_put_share,
    today_members,
)
from carecast.aftercare.policy import KIND_LABELS, AllowancePolicy, load_policy
from carecast.aftercare.tables import by_year
from carecast.errors import Location, ParameterError
from carecast.forecast.exit_reasons import label
from carecast.forecast.result import ForecastResult
from carecast.outputs import Report, Section, run_metadata

DEFAULT_SEED = 20  # fixed, so a re-run gives the same figures (issue 20)
DEFAULT_SIMULATIONS = 500
DEFAULT_HORIZON_YEARS = 5.0


@dataclass(frozen=True)
class ProjectionRequest:
    """What every aftercare projection needs, checked on construction."""

    start: dt.date | None = None
    horizon_years: float = DEFAULT_HORIZON_YEARS
    simulations: int = DEFAULT_SIMULATIONS
    seed: int = DEFAULT_SEED
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.horizon_years <= 10:
            raise ParameterError(
                f"the horizon must be more than 0 and at most 10 years, not {self.horizon_years:g}",
                where=Location(field="horizon_years"),
                fix="use --horizon-years 5",
            )
        if not 1 <= self.simulations <= 10_000:
            raise ParameterError(
                f"the number of simulations must be 1 to 10,000, not {self.simulations}",
                where=Location(field="simulations"),
                fix="use --simulations 500",
            )


@dataclass(frozen=True)
class AllowancesRequest(ProjectionRequest):
    policy: Path | None = None
    cohort: Path | None = None


@dataclass
class AllowancesResult:
    projection: CohortProjection
    policy: AllowancePolicy
    today: pl.DataFrame
    report: Report
    assumptions: dict[str, Any] = field(default_factory=dict)


def forecast_for(episodes: pl.DataFrame, request: ProjectionRequest) -> ForecastResult:
    """The demand forecast the aftercare jobs start from (every council in ``episodes``, combined)."""
    from carecast.forecast.region import forecast_councils

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        region = forecast_councils(
            episodes,
            start=request.start,
            horizon_years=request.horizon_years,
            n_sims=request.simulations,
            seed=request.seed,
        )
    return region.combined


def run_allowances(
    request: AllowancesRequest, episodes: pl.DataFrame, forecast: ForecastResult | None = None
) -> AllowancesResult:
    """Project the allowance cohorts and their cost by financial year (see carecast.aftercare.allowances)."""
    policy = load_policy(request.policy)
    result = forecast or forecast_for(episodes, request)
    rng = np.random.default_rng(np.random.SeedSequence(request.seed, spawn_key=(20, 1)))
    n = result.n_sims
    if request.cohort is not None:
        current, today = cohort_from_file(request.cohort, policy, result.start, n, rng)
        source = f"the council's cohort file ({request.cohort.name})"
    else:
        current, today = cohort_from_returns(episodes, policy, result.start, n, rng)
        source = "past exits in the returns (children who left care before the returns began are missing)"
    joiners = joiners_from_forecast(result, episodes, policy, rng)
    weeks = np.asarray(result.dates_, dtype="datetime64[D]")
    projection = project_allowances(Members.concat([current, joiners]), policy, n, weeks)
    assumptions = {
        "start": result.start.isoformat(),
        "simulations": n,
        "seed": request.seed,
        "today's cohort": source,
        "joiners": "the forecast's simulated exits to each order, thinned at the policy's take-up; ages at the order "
        "drawn from the council's past exits for that reason",
        "leavers": "at the policy's end age, or (at its education share) the education end age",
        "cost": "a week's payment for everyone paid on the week's first day, at the rate for their age that week "
        "(or their own weekly amount from the cohort file) times the share of the rate paid",
        "policy": policy.source,
    }
    report = allowances_report(
        projection,
        policy,
        today,
        assumptions,
        run_metadata(
            command="allowances",
            inputs=list(request.inputs),
            parameters=assumptions,
            seed=request.seed,
        ),
    )
    return AllowancesResult(projection, policy, today, report, assumptions)


def policy_table(policy: AllowancePolicy | LeaverPolicy) -> pl.DataFrame:
    """Every policy value with its label, unit and citation (what a committee paper must show)."""
    rows = []
    tree = policy.tree
    for path in tree:
        p = tree[path]
        refs = "; ".join(r.title for r in p.references) or "; ".join(
            v.reference or "" for v in p.values
        )
        for v in p.values:
            rows.append(
                {
                    "parameter": p.label or path,
                    "from": "" if v.effective.year == 1 else v.effective.isoformat(),
                    "value": str(v.value),
                    "unit": p.unit or "",
                    "source": refs,
                    "note": v.note or "",
                }
            )
    return pl.DataFrame(rows)


def allowances_report(
    p: CohortProjection,
    policy: AllowancePolicy,
    today: pl.DataFrame,
    assumptions: dict[str, Any],
    metadata: dict[str, Any],
) -> Report:
    table = by_year(p, KIND_LABELS, "All allowances")
    first = table.filter(pl.col("group") == "All allowances").row(0, named=True)
    last = table.filter((pl.col("group") == "All allowances") & pl.col("whole_year")).tail(1)
    text = (
        f"Special guardianship, adoption and child arrangements allowances from {assumptions['start']}: "
        f"{first['children_at_year_end']:,.0f} children paid at the end of {first['financial_year']}"
    )
    if last.height:
        r = last.row(0, named=True)
        text += (
            f", {r['children_at_year_end']:,.0f} (90% band {r['children_p5']:,.0f}-{r['children_p95']:,.0f}) "
            f"at the end of {r['financial_year']}, costing £{r['cost_gbp']:,.0f} that year."
        )
    notes = [f"{k.capitalize()}: {v}" for k, v in assumptions.items() if isinstance(v, str)]
    notes.append("Rows marked whole_year = false cover part of a financial year only.")
    return Report(
        title="Allowances after leaving care: cohort and cost by financial year",
        metadata=metadata,
        sections=[
            Section(
                "Cohort and cost by financial year",
                text,
                tables={"by_financial_year": table},
                notes=notes,
            ),
            Section("Today's cohort", tables={"today": today}),
            Section(
                "Policy",
                "Rates and rules used, with their sources.",
                tables={"policy": policy_table(policy)},
            ),
        ],
        primary_table="by_financial_year",
    )


@dataclass(frozen=True)
class LeaversRequest(ProjectionRequest):
    policy: Path | None = None


@dataclass
class LeaversResult:
    projection: CohortProjection
    policy: LeaverPolicy
    by_age: pl.DataFrame
    report: Report
    assumptions: dict[str, Any] = field(default_factory=dict)


def run_leavers(
    request: LeaversRequest,
    episodes: pl.DataFrame,
    oc3: pl.DataFrame | None = None,
    forecast: ForecastResult | None = None,
) -> LeaversResult:
    """Project care leavers 18-25 and the cost of staying put, supported accommodation and advisers."""
    policy = leaver_policy(request.policy)
    result = forecast or forecast_for(episodes, request)
    rng = np.random.default_rng(np.random.SeedSequence(request.seed, spawn_key=(20, 2)))
    n = result.n_sims
    past = past_care_leavers(episodes, policy, result.start)
    extra = oc3_only(oc3, past)
    staying, staying_source = staying_put_share(past, policy)
    shares = exit_shares_16_17(episodes, policy, result.start)
    members = Members.concat(
        [
            today_members(past, extra, policy, staying, n, rng),
            joiner_members(result, shares, policy, staying, rng),
        ]
    )
    weeks = np.asarray(result.dates_, dtype="datetime64[D]")
    projection = project_leavers(members, policy, n, weeks)
    ages = by_age_today(members, result.start, n)
    assumptions = {
        "start": result.start.isoformat(),
        "simulations": n,
        "seed": request.seed,
        "care leavers": f"{past.height} in the returns ({(past['route'] == REACHED_18).sum()} reached 18 in care, "
        f"{(past['route'] == LEFT_16_17).sum()} left at 16-17 after {policy.min_weeks_in_care:g} weeks)"
        f", {extra.height} more from OC3",
        "new care leavers": "the forecast's simulated 18th birthdays in care, and its exits at 16-17 at the returns' "
        "shares (" + ", ".join(f"{label(r).lower()} {s:.0%}" for r, s in shares.items()) + ")",
        "support": f"to {policy.end_age}, or to {policy.extended_end_age} for {policy.extended_share:.0%}",
        "staying put": f"{staying:.1%} of those reaching 18 in care ({staying_source}), to {policy.staying_put_end_age}, "
        f"£{policy.staying_put_weekly:,.0f} a week",
        "supported accommodation": f"{policy.supported_share:.0%} of the others, to {policy.supported_end_age}, "
        f"£{policy.supported_weekly:,.0f} a week",
        "personal advisers": f"one per {policy.pa_caseload:g} care leavers at £{policy.pa_annual_cost:,.0f} a year",
        "policy": policy.source,
    }
    table = by_year(projection, LEAVER_LABELS, "All leaving care", unit="young_people", people=(0,))
    advisers = table.filter(pl.col("group") == LEAVER_LABELS["care_leaver"]).select(
        "financial_year",
        "young_people_at_year_end",
        (pl.col("young_people_at_year_end") / policy.pa_caseload).alias("personal_advisers_needed"),
    )
    first = table.filter(pl.col("group") == "All leaving care").row(-1, named=True)
    text = (
        f"Care leavers from {assumptions['start']}: {ages['care_leavers'].sum():,.0f} supported today; "
        f"leaving-care costs £{first['cost_gbp']:,.0f} in {first['financial_year']} "
        f"(90% band £{first['cost_p5_gbp']:,.0f}-£{first['cost_p95_gbp']:,.0f})."
    )
    report = Report(
        title="Care leavers 18-25: numbers, personal advisers, staying put and supported accommodation",
        metadata=run_metadata(
            command="leavers",
            inputs=list(request.inputs),
            parameters=assumptions,
            seed=request.seed,
        ),
        sections=[
            Section(
                "Care leavers and cost by financial year",
                text,
                tables={"by_financial_year": table},
                notes=[
                    f"{k.capitalize()}: {v}" for k, v in assumptions.items() if isinstance(v, str)
                ],
            ),
            Section("Personal advisers", tables={"personal_advisers": advisers}),
            Section("Care leavers today by age", tables={"by_age": ages}),
            Section("Policy", tables={"policy": policy_table(policy)}),
        ],
        primary_table="by_financial_year",
    )
    return LeaversResult(projection, policy, ages, report, assumptions)
