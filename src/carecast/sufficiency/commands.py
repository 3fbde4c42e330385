"""``carecast sufficiency``: forecast demand per placement category against capacity, for a council or a region."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from carecast.errors import Location, ParameterError
from carecast.outputs import write_report

console = Console(stderr=True)
stdout = Console()


def sufficiency(
    directory: Path = typer.Argument(..., help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv."),
    capacity: list[Path] = typer.Option(..., "--capacity", help="Capacity YAML (repeat for each council of a region)."),
    scenario: str | None = typer.Option(None, "--scenario", help="Scenario file or built-in name (default: baseline)."),
    council: str | None = typer.Option(None, "--council", help="The council, when the folder holds several."),
    region: str | None = typer.Option(None, "--region", help="A region (london), a London partnership (SLCP) or "
                                      "'A,B,C': demand summed across its councils."),
    providers: Path | None = typer.Option(None, "--providers", help="Provider register CSV for --region "
                                          "(default: providers.csv in the folder, if there)."),
    register_share: float | None = typer.Option(None, "--register-share", help="Share of the region's register "
                                                "places the group can use (default: equal shares per council)."),
    start: str | None = typer.Option(None, "--start", help="Projection start, YYYY-MM-DD (default: end of the data)."),
    horizon_years: float = typer.Option(5, "--horizon-years", help="Years ahead (up to 10)."),
    simulations: int = typer.Option(300, "--simulations", help="Monte Carlo simulations."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (same seed, same numbers)."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .html, .json or .csv."),
) -> None:
    """Demand per placement category by month (with bands) against capacity: gap per year at p50/p90, and the plan."""
    from carecast.forecast.model import SparseDataWarning
    from carecast.scenarios.model import load_combined
    from carecast.services.inputs import load_episodes, parse_date
    from carecast.sufficiency.assess import assess, assess_region
    from carecast.sufficiency.capacity import load_capacity
    from carecast.sufficiency.region import load_providers, region_councils
    from carecast.sufficiency.report import sufficiency_report

    if council and region:
        raise ParameterError("give --council or --region, not both", where=Location(field="region"),
                             fix="use --council for one council, --region for a group")
    caps = [load_capacity(p) for p in capacity]
    chosen = load_combined(scenario) if scenario else None
    start_date = parse_date(start, "start")
    options = {"start": start_date, "horizon_years": horizon_years, "n_sims": simulations, "seed": seed}
    if region:
        label, members = region_councils(region)
        register_path = providers or directory / "providers.csv"
        register = load_providers(register_path) if providers or register_path.is_file() else None
        episodes = load_episodes(directory, None, None)
        with console.status(f"Forecasting {label}..."), warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            run = assess_region(episodes, caps, label=label, members=members, providers=register,
                                register_share=register_share, scenario=chosen,
                                **options)
    else:
        if len(caps) > 1:
            raise ParameterError("several --capacity files need --region", where=Location(field="capacity"),
                                 fix="give one --capacity file for one council, or add --region")
        name = council or caps[0].council
        episodes = load_episodes(directory, name, None)
        if episodes.get_column("council").n_unique() > 1:
            raise ParameterError("the folder holds several councils", where=Location(field="council"),
                                 fix="give --council NAME (or 'council:' in the capacity file), or --region")
        with console.status("Forecasting demand..."), warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            run = assess(episodes, caps[0], scenario=chosen, **options)
    parameters = {"capacity": [str(p) for p in capacity], "scenario": scenario or "baseline", "council": council,
                  "region": region, "start": run.forecast.start.isoformat(), "horizon_years": horizon_years,
                  "simulations": simulations, "seed": seed, "register_share": register_share}
    inputs = [directory, *capacity, *([Path(scenario)] if scenario and Path(scenario).is_file() else []),
              *([providers] if providers else [])]
    written = write_report(sufficiency_report(run, inputs=inputs, parameters=parameters), out)
    stdout.print(_gap_table(run.result.by_year, run.name))
    for line in run.result.plan.filter(pl.col("quantile") == "p90").get_column("action").to_list():
        stdout.print(f"  • {line} (to cover p90 demand)")
    for path in written:
        console.print(f"Wrote {path}")


def _gap_table(by_year: pl.DataFrame, name: str) -> Table:
    table = Table(title=f"{name}: peak demand against places (gap > 0 = short)")
    table.add_column("Financial year")
    table.add_column("Category", no_wrap=True)
    for col in ("Demand p50", "Demand p90", "Places", "Gap p50", "Gap p90"):
        table.add_column(col, justify="right")
    for r in by_year.filter(pl.col("has_own_capacity")).iter_rows(named=True):
        table.add_row(r["financial_year"], r["category"], f"{r['p50']:.0f}", f"{r['p90']:.0f}", f"{r['places']:.0f}",
                      f"{r['gap_p50']:+.0f}", f"{r['gap_p90']:+.0f}")
    return table


def register(app: typer.Typer) -> None:
    app.command("sufficiency")(sufficiency)
