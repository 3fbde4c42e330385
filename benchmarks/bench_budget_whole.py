"""Benchmark of the whole-budget forecast: placements, staffing, allowances and leaving care.

For one council and for 33 (a London-sized region), on synthetic returns (collection years
2020-2024, generated once, not timed): the demand forecast from the monitoring date to 31 March
with exits by reason, the allowance and care-leaver projections on its simulations, the staffing
line from the example establishment, and the monitoring of every line of the example whole
budget. Prints wall and CPU seconds per stage and peak memory.

    .venv/bin/python benchmarks/bench_budget_whole.py [--simulations 100] [--councils 1 33]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

from carecast.costs.budget import load_plan, monitor, placements_from_episodes, read_ledger
from carecast.costs.budget.whole import WholeBudgetInputs, forecast_lines
from carecast.costs.unit_costs import load_unit_costs
from carecast.forecast.region import forecast_councils
from carecast.ingest import load_returns
from carecast.synth import generate

AS_OF = dt.date(2023, 9, 30)


def _example(name: str, package: str = "carecast.costs", folder: str = "data/examples") -> Path:
    return Path(str(resources.files(package).joinpath(f"{folder}/{name}")))


def run(councils: int, simulations: int, root: Path) -> dict[str, tuple[float, float]]:
    data = root / f"returns_{councils}"
    generate(data, councils=councils, years="2020-2024", seed=7)
    episodes = load_returns(data).episodes
    plan = load_plan(_example("budget_whole.yaml"))
    ledger = read_ledger(_example("ledger_whole.csv"), plan)
    inputs = WholeBudgetInputs(
        establishment=_example("example_establishment.csv", "carecast.workforce", "data")
    )
    stages: dict[str, tuple[float, float]] = {}

    def timed(stage: str, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        stages[stage] = (time.perf_counter() - t0, time.process_time() - c0)
        return out

    fy_end = plan.bounds[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        region = timed(
            "demand forecast (exits by reason)",
            lambda: forecast_councils(
                episodes,
                start=AS_OF,
                horizon_years=((fy_end - AS_OF).days + 14) / 365.25,
                n_sims=simulations,
                seed=7,
            ),
        )
    lines = timed(
        "staffing, allowances, leaving care",
        lambda: forecast_lines(
            plan, inputs, as_of=AS_OF, episodes=episodes, forecast=region.combined, seed=7
        ),
    )
    placements = placements_from_episodes(episodes, start=plan.bounds[0], end=fy_end, as_of=AS_OF)
    timed(
        "monitor every line",
        lambda: monitor(
            plan,
            placements,
            load_unit_costs(None),
            as_of=AS_OF,
            ledger=ledger,
            line_forecasts=lines,
        ),
    )
    stages["whole-budget forecast"] = tuple(sum(v[i] for v in stages.values()) for i in (0, 1))  # type: ignore[assignment]
    return stages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--simulations", type=int, default=100)
    ap.add_argument("--councils", type=int, nargs="+", default=[1, 33])
    args = ap.parse_args()
    table = Table(
        title=f"Whole-budget forecast, {args.simulations} simulations, monitoring date {AS_OF:%d/%m/%Y}"
    )
    for col in ("Councils", "Stage", "Wall s", "CPU s"):
        table.add_column(col, justify="right" if col != "Stage" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.councils:
            for stage, (wall, cpu) in run(n, args.simulations, Path(tmp)).items():
                table.add_row(str(n), stage, f"{wall:.2f}", f"{cpu:.2f}")
    Console().print(table)
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
