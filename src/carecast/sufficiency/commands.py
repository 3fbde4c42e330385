"""``carecast sufficiency``: forecast demand per placement category against capacity, for a council or a region."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date
from carecast.services.sufficiency import SufficiencyRequest
from carecast.terminal import console, print_written, stdout

D = SufficiencyRequest.model_fields  # the defaults live on the request, once


def sufficiency(
    directory: Path = typer.Argument(
        ..., help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv."
    ),
    capacity: list[Path] = typer.Option(
        ..., "--capacity", help="Capacity YAML (repeat for each council of a region)."
    ),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Scenario file or built-in name (default: baseline)."
    ),
    council: str | None = typer.Option(
        None, "--council", help="The council, when the folder holds several."
    ),
    region: str | None = typer.Option(
        None,
        "--region",
        help="A region (london), a London partnership (SLCP) or "
        "'A,B,C': demand summed across its councils.",
    ),
    providers: Path | None = typer.Option(
        None,
        "--providers",
        help="Provider register CSV for --region (default: providers.csv in the folder, if there).",
    ),
    register_share: float | None = typer.Option(
        None,
        "--register-share",
        help="Share of the region's register "
        "places the group can use (default: equal shares per council).",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Projection start, YYYY-MM-DD (default: end of the data)."
    ),
    horizon_years: float = typer.Option(
        D["horizon_years"].default, "--horizon-years", help="Years ahead (up to 10)."
    ),
    simulations: int = typer.Option(
        D["simulations"].default, "--simulations", help="Monte Carlo simulations."
    ),
    seed: int = typer.Option(
        D["seed"].default, "--seed", help="Random seed (same seed, same numbers)."
    ),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .html, .json or .csv."),
) -> None:
    """Demand per placement category by month (with bands) against capacity: gap per year at p50/p90, and the plan."""
    from carecast.scenarios.model import load_combined
    from carecast.services.sufficiency import run_sufficiency
    from carecast.sufficiency.capacity import load_capacity
    from carecast.sufficiency.region import load_providers, region_councils

    caps = tuple(load_capacity(p) for p in capacity)
    chosen = load_combined(scenario) if scenario else None
    group, members, register = None, None, None
    if region:
        group, names = region_councils(region)
        members = tuple(names)
        register_path = providers or directory / "providers.csv"
        register = load_providers(register_path) if providers or register_path.is_file() else None
    request = SufficiencyRequest.build(
        capacities=caps,
        scenario=chosen,
        source=directory,
        council=council,
        group=group,
        members=members,
        providers=register,
        register_share=register_share,
        start=parse_date(start, "start"),
        horizon_years=horizon_years,
        simulations=simulations,
        seed=seed,
    )
    extra = [
        *([Path(scenario)] if scenario and Path(scenario).is_file() else []),
        *([providers] if providers else []),
    ]
    with console.status("Forecasting demand..."):
        outcome = run_sufficiency(
            request,
            recorded={"capacity": [str(p) for p in capacity], "council": council},
            inputs=[*capacity, *extra],
        )
    run = outcome.run
    written = write_report(outcome.report, out)
    stdout.print(_gap_table(run.result.by_year, run.name))
    for line in run.result.plan.filter(pl.col("quantile") == "p90").get_column("action").to_list():
        stdout.print(f"  • {line} (to cover p90 demand)")
    print_written(written)


def _gap_table(by_year: pl.DataFrame, name: str) -> Table:
    table = Table(title=f"{name}: peak demand against places (gap > 0 = short)")
    table.add_column("Financial year")
    table.add_column("Category", no_wrap=True)
    for col in ("Demand p50", "Demand p90", "Places", "Gap p50", "Gap p90"):
        table.add_column(col, justify="right")
    for r in by_year.filter(pl.col("has_own_capacity")).iter_rows(named=True):
        table.add_row(
            r["financial_year"],
            r["category"],
            f"{r['p50']:.0f}",
            f"{r['p90']:.0f}",
            f"{r['places']:.0f}",
            f"{r['gap_p50']:+.0f}",
            f"{r['gap_p90']:+.0f}",
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("sufficiency")(sufficiency)
