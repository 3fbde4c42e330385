"""``carecast scenario run|check|list``: thin commands over :mod:`carecast.scenarios`."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date
from carecast.scenarios.model import Scenario, load_combined, parse_scenario
from carecast.services.scenarios import ScenariosRequest
from carecast.terminal import console, print_written, progress_bar, stdout

scenario_app = typer.Typer(
    help="Scenarios: levers on the forecast, compared with the same seeds.", no_args_is_help=True
)

BUILT_IN_DIR = "data"
NOT_SCENARIOS = {"england_cla_counts"}


def builtin_names() -> list[str]:
    files = resources.files("carecast.scenarios").joinpath(BUILT_IN_DIR).iterdir()
    return sorted(
        f.name.removesuffix(".yaml")
        for f in files
        if f.name.endswith(".yaml") and f.name.removesuffix(".yaml") not in NOT_SCENARIOS
    )


def _gbp(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value) / 1e6:,.2f}m"


S = ScenariosRequest.model_fields  # the defaults live on the request, once


@scenario_app.command("run")
def run_command(
    directory: Path = typer.Argument(
        ..., help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv."
    ),
    scenarios: list[str] = typer.Argument(
        ...,
        help="Scenario files or built-in names, or several joined with '+'; "
        "the first is the baseline (if only one is given, the built-in "
        "'baseline' is added before it).",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Projection start, YYYY-MM-DD (default: end of the data)."
    ),
    horizon_years: float = typer.Option(
        S["horizon_years"].default, "--horizon-years", help="Years ahead (up to 10)."
    ),
    simulations: int = typer.Option(
        S["simulations"].default, "--simulations", help="Monte Carlo simulations per scenario."
    ),
    seed: int = typer.Option(
        S["seed"].default, "--seed", help="Random seed (same seed, same numbers)."
    ),
    costs: Path | None = typer.Option(
        None, "--costs", help="Unit costs YAML (default: the shipped cited costs)."
    ),
    council: str | None = typer.Option(
        None, "--council", help="Run one council of a regional folder."
    ),
    trend: str = typer.Option(S["trend"].default, "--trend", help="Entrant trend: flat or fitted."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .html, .json or .csv."),
) -> None:
    """Run scenarios side by side with the same seeds: children, cost, lever cost and net saving."""
    from carecast.services.scenarios import run_scenarios, scenarios_from

    loaded = scenarios_from(scenarios)  # validate every file before any work
    if len(loaded) > len(scenarios):
        console.print("Only one scenario given: comparing it with the built-in 'baseline'.")
    request = ScenariosRequest.build(
        scenarios=loaded,
        source=directory,
        council=council,
        costs=costs,
        start=parse_date(start, "start"),
        horizon_years=horizon_years,
        simulations=simulations,
        seed=seed,
        trend=trend,
    )
    with progress_bar("Simulating scenarios") as progress:
        run = run_scenarios(
            request, progress=progress, inputs=[Path(s) for s in scenarios if Path(s).is_file()]
        )
    written = write_report(run.report, out)
    stdout.print(_saving_table(run.comparison))
    print_written(written)


def _saving_table(comparison) -> Table:
    table = Table(
        title=f"Cost and net saving against '{comparison.baseline.scenario.scenario}' "
        "(mean; 90% band of the per-simulation difference)"
    )
    table.add_column("Scenario", no_wrap=True)
    for col in ("Financial year", "Total cost", "Lever cost", "Net saving", "90% band"):
        table.add_column(col, justify="right", no_wrap=True)
    cost = comparison.cost_by_financial_year()
    net = comparison.net_saving()
    base = comparison.baseline.scenario.scenario
    for run in comparison.runs:
        name = run.scenario.scenario
        mine = cost.filter(pl.col("scenario") == name)
        saving = net.filter(pl.col("scenario") == name) if net.height else net
        for c in mine.iter_rows(named=True):
            row = [
                name,
                c["financial_year"],
                _gbp(c["total_cost_mean"]),
                _gbp(c["lever_cost_mean"]),
            ]
            if name != base:
                n = saving.filter(pl.col("financial_year") == c["financial_year"]).row(
                    0, named=True
                )
                row += [
                    _gbp(n["net_saving_mean"]),
                    f"{_gbp(n['net_saving_p5'])} to {_gbp(n['net_saving_p95'])}",
                ]
            table.add_row(*row)
        if name != base:
            n = saving.filter(pl.col("financial_year") == "whole horizon").row(0, named=True)
            table.add_row(
                name,
                "whole horizon",
                _gbp(run.sim_total_cost_.sum(axis=1).mean()),
                _gbp(run.sim_lever_cost_.sum(axis=(1, 2)).mean()),
                _gbp(n["net_saving_mean"]),
                f"{_gbp(n['net_saving_p5'])} to {_gbp(n['net_saving_p95'])}",
                style="bold",
            )
    return table


@scenario_app.command("check")
def check_command(
    file: str = typer.Argument(
        ..., help="Scenario file (YAML) or a built-in name, or several joined with '+'."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Projection start to check lever dates against (default: today)."
    ),
    horizon_years: float = typer.Option(
        5, "--horizon-years", help="Projection length to check against."
    ),
) -> None:
    """Validate a scenario file and print its levers (exit code 2, with the line and a fix, if it is wrong)."""
    scenario = load_combined(file)
    begin = parse_date(start, "start") or dt.date.today()
    end = begin + dt.timedelta(days=round(horizon_years * 365.25))
    scenario.check_against(start=begin, end=end, source=file)
    stdout.print(_levers_table(scenario))
    stdout.print(
        f"{file}: OK ({len(scenario.levers)} lever(s), checked against {begin:%d/%m/%Y}-{end:%d/%m/%Y})"
    )


def _levers_table(scenario: Scenario) -> Table:
    table = Table(
        title=f"{scenario.scenario} (version {scenario.version}): {scenario.description.strip()}"
    )
    for col in ("Lever", "Type", "Start", "Ramp (months)", "Parameters", "Reference"):
        table.add_column(col)
    for lv in scenario.levers:
        params = lv.model_dump(
            exclude={"lever", "name", "start", "ramp_months", "reference"}, exclude_none=True
        )
        table.add_row(
            lv.label,
            lv.lever,
            lv.start.isoformat(),
            str(lv.ramp_months),
            ", ".join(f"{k}={v}" for k, v in params.items()),
            lv.reference or "",
        )
    return table


@scenario_app.command("list")
def list_command() -> None:
    """List the built-in scenarios (usable by name in place of a file)."""
    table = Table(title="Built-in scenarios")
    for col in ("Name", "Levers", "Description", "Reference"):
        table.add_column(col)
    for name in builtin_names():
        text = (
            resources.files("carecast.scenarios")
            .joinpath(f"{BUILT_IN_DIR}/{name}.yaml")
            .read_text("utf-8")
        )
        s = parse_scenario(text, f"built-in {name}")
        table.add_row(name, str(len(s.levers)), s.description.strip(), s.reference or "")
    stdout.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
