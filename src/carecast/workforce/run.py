"""The workforce job: a typed request checked first, then the establishment's tables and what-ifs.

``carecast workforce`` and the whole-budget forecast call :func:`run_workforce`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import Location, ParameterError
from carecast.outputs import Report, Section, run_metadata
from carecast.workforce.establishment import WorkforcePolicy, read_establishment, workforce_policy
from carecast.workforce.whatif import (
    WhatIf,
    agency_share,
    agency_to,
    as_forecast,
    by_team_and_role,
    caseload_target,
    caseloads,
    yearly_cost,
)

DEFAULT_CASELOAD_TARGET = (
    15.0  # the what-if the Lewisham report names for children in care (§9.1.3)
)


@dataclass(frozen=True)
class WorkforceRequest:
    establishment: Path
    policy: Path | None = None
    agency_share: float | None = None  # None: the policy's target (the best in London, 11%)
    caseload_target: float = DEFAULT_CASELOAD_TARGET
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.agency_share is not None and not 0 <= self.agency_share <= 1:
            raise ParameterError(
                f"the agency share to test is {self.agency_share:g}, not a share between 0 and 1",
                where=Location(field="agency_share"),
                fix="give e.g. 0.11 for 11%",
            )
        if not self.caseload_target > 0:
            raise ParameterError(
                f"the caseload target is {self.caseload_target:g}",
                where=Location(field="caseload_target"),
                fix="give cases per worker, e.g. 15",
            )


@dataclass
class WorkforceResult:
    establishment: pl.DataFrame
    policy: WorkforcePolicy
    what_ifs: list[WhatIf]
    report: Report

    @property
    def yearly_cost(self) -> float:
        return yearly_cost(self.establishment)


def growth_from(
    children_in_care: np.ndarray | None, care_leavers: np.ndarray | None
) -> dict[str, float]:
    """Forecast ÷ today for the groups teams work with, from per-simulation counts (first axis
    simulations, second [today, then]); groups without a forecast are left out."""
    out = {}
    for name, sims in (("children in care", children_in_care), ("care leavers", care_leavers)):
        if sims is not None and sims[:, 0].mean() > 0:
            out[name] = float(sims[:, 1].mean() / sims[:, 0].mean())
    return out


def run_workforce(
    request: WorkforceRequest,
    growth: dict[str, float] | None = None,
    growth_label: str = "Children in care as forecast",
) -> WorkforceResult:
    policy = workforce_policy(request.policy)
    est = read_establishment(request.establishment, policy)
    target = (
        request.agency_share if request.agency_share is not None else policy.target_agency_share
    )
    what_ifs = [agency_to(est, target), caseload_target(est, request.caseload_target)]
    if growth:
        what_ifs.append(as_forecast(est, growth, growth_label))
    share = agency_share(est)
    cost = yearly_cost(est)
    in_post = float(est["employed_fte"].sum()) + float(est["agency_fte"].sum())
    text = (
        f"{in_post:,.1f} FTE in post ({share:.1%} agency, against "
        f"{policy.national_agency_share:.0%} nationally), {float(est['vacant_fte'].sum()):,.1f} FTE vacant; yearly cost "
        f"£{cost:,.0f}. {what_ifs[0].name}: £{-what_ifs[0].change_gbp:,.0f} a year saved."
    )
    params: dict[str, Any] = {
        "agency_share_target": target,
        "caseload_target": request.caseload_target,
        "growth": growth or {},
        "policy": policy.source,
    }
    report = Report(
        title="Children's social care workforce: establishment, agency, caseloads and what-ifs",
        metadata=run_metadata(command="workforce", inputs=list(request.inputs), parameters=params),
        sections=[
            Section(
                "What-ifs",
                text,
                tables={"what_ifs": pl.DataFrame([w.row() for w in what_ifs])},
                notes=[f"{w.name}: {w.arithmetic}" for w in what_ifs],
            ),
            Section(
                "Establishment by team and role", tables={"by_team_and_role": by_team_and_role(est)}
            ),
            Section("Caseloads against targets", tables={"caseloads": caseloads(est)}),
            *[
                Section(w.name, tables={f"what_if_{i + 1}": w.detail})
                for i, w in enumerate(what_ifs)
                if w.detail.height
            ],
        ],
        primary_table="what_ifs",
    )
    return WorkforceResult(est, policy, what_ifs, report)


def forecast_growth(
    episodes: pl.DataFrame,
    *,
    years: float = 1.0,
    simulations: int = 200,
    seed: int = 20,
    oc3: pl.DataFrame | None = None,
) -> dict[str, float]:
    """Children in care and care leavers ``years`` ahead ÷ today, from the demand forecast and the
    care-leavers projection on its simulations (per-simulation counts, then their means)."""
    from carecast.aftercare.run import LeaversRequest, forecast_for, run_leavers

    request = LeaversRequest(horizon_years=years, simulations=simulations, seed=seed)
    result = forecast_for(episodes, request)
    children = result.sim_counts_.sum(axis=2)
    leavers = run_leavers(request, episodes, oc3, result).projection.weekly_counts[:, 0, :]
    return growth_from(
        np.stack([children[:, 0], children[:, -1]], axis=1),
        np.stack([leavers[:, 0], leavers[:, -1]], axis=1),
    )
