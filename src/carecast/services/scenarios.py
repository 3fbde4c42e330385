"""``run_scenarios``: the baseline and its alternatives simulated with the same seeds and costed,
for ``carecast scenario run`` and the web Scenarios page."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field

from carecast.forecast.model import SparseDataWarning
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.scenarios.model import Scenario, load_combined, load_scenario
from carecast.scenarios.report import scenario_report
from carecast.scenarios.run import ScenarioComparison, check_names
from carecast.scenarios.run import run_scenarios as simulate_scenarios
from carecast.services.base import DEFAULT_SEED, Progress, Request, quiet
from carecast.services.forecast import read_costing
from carecast.services.inputs import load_episodes

BASELINE = "baseline"


def scenarios_from(specs: list[str]) -> tuple[Scenario, ...]:
    """Scenario files or built-in names (``a+b`` combined), read and checked now; the first is the
    baseline, and a single scenario is compared with the built-in baseline."""
    loaded = [load_combined(s) for s in specs]
    if len(loaded) == 1 and loaded[0].scenario != BASELINE:
        loaded.insert(0, load_scenario(BASELINE))
    check_names(loaded)
    return tuple(loaded)


class ScenariosRequest(Request):
    """Scenarios (already read and checked, baseline first) over one data set."""

    scenarios: tuple[Scenario, ...] = Field(min_length=1)
    source: Path | None = None
    council: str | None = None
    costs: Path | None = None
    start: dt.date | None = None
    horizon_years: float = Field(default=5, gt=0, le=10)
    simulations: int = Field(default=500, ge=1, le=100_000)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**32 - 1)
    trend: Literal["flat", "fitted"] = "flat"


@dataclass(frozen=True)
class ScenariosRun:
    comparison: ScenarioComparison
    report: Report


def run_scenarios(
    request: ScenariosRequest,
    *,
    episodes: pl.DataFrame | None = None,
    progress: Progress = quiet,
    inputs: list[Path] | None = None,
    extra_parameters: dict | None = None,
) -> ScenariosRun:
    """Children, cost, lever cost and net saving of each scenario against the first."""
    names = [s.scenario for s in request.scenarios]
    with job_logged(
        "scenarios",
        scenarios="+".join(names),
        simulations=request.simulations,
        horizon_years=request.horizon_years,
        seed=request.seed,
    ):
        _cats, unit_costs = read_costing(None, request.costs)
        if episodes is None:
            assert request.source is not None, "a scenarios request needs a source or episodes"
            episodes = load_episodes(request.source, request.council, None, progress)
        total = len(request.scenarios) * episodes.get_column("council").n_unique()
        done = [0]

        def advance(_scenario: str, _council: str) -> None:
            done[0] += 1
            progress(
                0.05 + 0.85 * done[0] / total, f"Simulated {done[0]} of {total} scenario-councils"
            )

        progress(0.05, "Simulating the scenarios with the same seeds")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            comparison = simulate_scenarios(
                episodes,
                list(request.scenarios),
                start=request.start,
                horizon_years=request.horizon_years,
                n_sims=request.simulations,
                seed=request.seed,
                unit_costs=unit_costs,
                trend=request.trend,
                progress=advance,
            )
        progress(0.9, "Writing the comparison")
        parameters = {
            "scenarios": names,
            "start": comparison.start.isoformat(),
            "horizon_years": request.horizon_years,
            "simulations": request.simulations,
            "seed": request.seed,
            "trend": request.trend,
            "council": request.council,
            "costs": str(request.costs) if request.costs else "shipped defaults",
            **(extra_parameters or {}),
        }
        sources: list[str | Path] = [
            p for p in (request.source, *(inputs or []), request.costs) if p is not None
        ]
        return ScenariosRun(
            comparison, scenario_report(comparison, inputs=sources, parameters=parameters)
        )
