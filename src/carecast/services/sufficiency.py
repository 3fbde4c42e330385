"""``run_sufficiency``: forecast demand per placement category against capacity, for one council or
a group of councils, for ``carecast sufficiency`` and the web Sufficiency page."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import Field, model_validator

from carecast.errors import Location, ParameterError
from carecast.forecast.model import SparseDataWarning
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.scenarios.model import Scenario
from carecast.services.base import DEFAULT_SEED, Progress, Request, quiet
from carecast.services.inputs import load_episodes
from carecast.sufficiency.assess import SufficiencyRun, assess, assess_region
from carecast.sufficiency.capacity import Capacity
from carecast.sufficiency.report import sufficiency_report


class SufficiencyRequest(Request):
    """Capacities (read and checked) against demand: one council, or a group (``members``) summed."""

    capacities: tuple[Capacity, ...] = Field(min_length=1)
    scenario: Scenario | None = None
    source: Path | None = None
    council: str | None = None
    group: str | None = None  # the group's name, e.g. London
    members: tuple[str, ...] | None = None  # the councils of the group
    providers: pl.DataFrame | None = None  # the group's provider register
    register_share: float | None = Field(default=None, gt=0, le=1)
    start: dt.date | None = None
    horizon_years: float = Field(default=5, gt=0, le=10)
    simulations: int = Field(default=300, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)

    @model_validator(mode="after")
    def _one_scope(self) -> SufficiencyRequest:
        if self.council and self.group:
            raise ParameterError(
                "give --council or --region, not both",
                where=Location(field="region"),
                fix="use --council for one council, --region for a group",
            )
        if self.group is None and len(self.capacities) > 1:
            raise ParameterError(
                "several --capacity files need --region",
                where=Location(field="capacity"),
                fix="give one --capacity file for one council, or add --region",
            )
        return self


@dataclass(frozen=True)
class SufficiencyOutcome:
    run: SufficiencyRun
    report: Report


def run_sufficiency(
    request: SufficiencyRequest,
    *,
    episodes: pl.DataFrame | None = None,
    progress: Progress = quiet,
    recorded: dict | None = None,
    inputs: list[Path] | None = None,
) -> SufficiencyOutcome:
    """The gap per year at p50/p90 and the plan; ``recorded`` adds what the front end knows (file names)."""
    with job_logged(
        "sufficiency",
        simulations=request.simulations,
        horizon_years=request.horizon_years,
        seed=request.seed,
        regional=request.group is not None,
    ):
        council = request.council or (
            request.capacities[0].council if request.group is None else None
        )
        if episodes is None:
            assert request.source is not None, "a sufficiency request needs a source or episodes"
            episodes = load_episodes(request.source, council, None, progress)
        progress(0.05, "Forecasting demand per placement category")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            if request.group is not None:
                run = assess_region(
                    episodes,
                    list(request.capacities),
                    label=request.group,
                    members=list(request.members or ()),
                    providers=request.providers,
                    register_share=request.register_share,
                    scenario=request.scenario,
                    start=request.start,
                    horizon_years=request.horizon_years,
                    n_sims=request.simulations,
                    seed=request.seed,
                )
            else:
                if episodes.get_column("council").n_unique() > 1:
                    raise ParameterError(
                        "the folder holds several councils",
                        where=Location(field="council"),
                        fix="give --council NAME (or 'council:' in the capacity file), or --region",
                    )
                run = assess(
                    episodes,
                    request.capacities[0],
                    scenario=request.scenario,
                    start=request.start,
                    horizon_years=request.horizon_years,
                    n_sims=request.simulations,
                    seed=request.seed,
                )
        progress(0.9, "Writing the gap and the plan")
        parameters = {
            "scenario": request.scenario.scenario if request.scenario else "baseline",
            "council": request.council if request.group is None else None,
            "region": request.group,
            "start": run.forecast.start.isoformat(),
            "horizon_years": request.horizon_years,
            "simulations": request.simulations,
            "seed": request.seed,
            "register_share": request.register_share,
            **(recorded or {}),
        }
        sources: list[str | Path] = [p for p in (request.source, *(inputs or [])) if p is not None]
        return SufficiencyOutcome(
            run, sufficiency_report(run, inputs=sources, parameters=parameters)
        )
