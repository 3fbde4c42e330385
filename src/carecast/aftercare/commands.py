"""``carecast allowances`` and ``carecast leavers``: thin commands over :mod:`carecast.aftercare.run`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from carecast.aftercare.run import (
    DEFAULT_HORIZON_YEARS,
    DEFAULT_SEED,
    DEFAULT_SIMULATIONS,
    AllowancesRequest,
    LeaversRequest,
    run_allowances,
    run_leavers,
)
from carecast.errors import InputError, Location, ParameterError
from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date

console = Console(stderr=True)
stdout = Console()
TEMPLATE = "template"


def write_template(name: str, out: Path | None, what: str) -> None:
    """Copy the shipped, cited ``aftercare/data/<name>`` to ``out`` for the council to edit."""
    if out is None:
        raise ParameterError(f"no file to write the {what} to", where=Location(field="out"),
                             fix=f"give --out {name}")
    out.write_text(resources.files("carecast.aftercare").joinpath(f"data/{name}").read_text("utf-8"), "utf-8")
    console.print(f"Wrote the {what} to {out}: edit the values, keep each one's reference up to date")


def load_returns_folder(path: Path, council: str | None):
    """Episodes and the other 903 tables (OC3 for care leavers) of a folder of returns."""
    from carecast.ingest import load_returns

    if not path.is_dir():
        raise InputError("the returns are not a folder", where=Location(file=str(path)),
                         fix="give the folder holding the SSDA903 returns (DIR/<council>/<year>/...)")
    with console.status("Loading returns..."):
        return load_returns(path, council=council)


def money_table(title: str, frame: pl.DataFrame, columns: list[str]) -> Table:
    table = Table(title=title)
    for c in columns:
        table.add_column(c.replace("_", " ").capitalize(), justify="left" if frame[c].dtype == pl.Utf8 else "right")
    for row in frame.select(columns).iter_rows():
        table.add_row(*[v if isinstance(v, str) else (f"£{v:,.0f}" if "cost" in c else f"{v:,.1f}")
                        for c, v in zip(columns, row, strict=True)])
    return table


def allowances(
    returns: str = typer.Argument(..., help="Folder of SSDA903 returns, or 'template' to write the policy file."),
    policy: Path | None = typer.Option(None, "--policy", help="Allowance policy YAML (default: the shipped cited one)."),
    cohort: Path | None = typer.Option(None, "--cohort", help="Today's paid cohort CSV/XLSX: allowance, dob, start "
                                       "[, weekly_amount, in_education] (default: past exits in the returns)."),
    council: str | None = typer.Option(None, "--council", help="One council of a regional folder."),
    start: str | None = typer.Option(None, "--start", help="Projection start, YYYY-MM-DD (default: end of the data)."),
    horizon_years: float = typer.Option(DEFAULT_HORIZON_YEARS, "--horizon-years", help="Years ahead (up to 10)."),
    simulations: int = typer.Option(DEFAULT_SIMULATIONS, "--simulations", help="Monte Carlo simulations."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Random seed (same seed, same numbers)."),
    out: Path | None = typer.Option(None, "--out", help="Output file: .xlsx, .html, .json or .csv."),
) -> None:
    """Special guardianship, adoption and child arrangements allowances: cohort and cost by financial year."""
    if returns == TEMPLATE:
        write_template("allowances.yaml", out, "allowance policy")
        return
    if out is None:
        raise ParameterError("no output file", where=Location(field="out"), fix="give --out allowances.xlsx")
    path = Path(returns)
    request = AllowancesRequest(start=parse_date(start, "start"), horizon_years=horizon_years,
                                simulations=simulations, seed=seed, policy=policy, cohort=cohort,
                                inputs=tuple(str(p) for p in (path, policy, cohort) if p is not None))
    loaded = load_returns_folder(path, council)
    with console.status(f"Forecasting exits and allowances ({simulations} simulations)..."):
        result = run_allowances(request, loaded.episodes)
    for written in write_report(result.report, out):
        console.print(f"Wrote {written}")
    table = result.report.sections[0].tables["by_financial_year"].filter(pl.col("group") == "All allowances")
    stdout.print(money_table("Allowances by financial year", table,
                             ["financial_year", "children_at_year_end", "joiners", "leavers", "cost_gbp",
                              "cost_p5_gbp", "cost_p95_gbp"]))


def leavers(
    returns: str = typer.Argument(..., help="Folder of SSDA903 returns, or 'template' to write the policy file."),
    policy: Path | None = typer.Option(None, "--policy", help="Care leavers YAML (default: the shipped cited one)."),
    council: str | None = typer.Option(None, "--council", help="One council of a regional folder."),
    start: str | None = typer.Option(None, "--start", help="Projection start, YYYY-MM-DD (default: end of the data)."),
    horizon_years: float = typer.Option(DEFAULT_HORIZON_YEARS, "--horizon-years", help="Years ahead (up to 10)."),
    simulations: int = typer.Option(DEFAULT_SIMULATIONS, "--simulations", help="Monte Carlo simulations."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Random seed (same seed, same numbers)."),
    out: Path | None = typer.Option(None, "--out", help="Output file: .xlsx, .html, .json or .csv."),
) -> None:
    """Care leavers 18-25: numbers, personal advisers, staying put and supported accommodation, with bands."""
    if returns == TEMPLATE:
        write_template("leavers.yaml", out, "care leavers policy")
        return
    if out is None:
        raise ParameterError("no output file", where=Location(field="out"), fix="give --out leavers.xlsx")
    path = Path(returns)
    request = LeaversRequest(start=parse_date(start, "start"), horizon_years=horizon_years, simulations=simulations,
                             seed=seed, policy=policy, inputs=tuple(str(p) for p in (path, policy) if p is not None))
    loaded = load_returns_folder(path, council)
    with console.status(f"Forecasting care leavers ({simulations} simulations)..."):
        result = run_leavers(request, loaded.episodes, loaded.tables.get("oc3"))
    for written in write_report(result.report, out):
        console.print(f"Wrote {written}")
    table = result.report.sections[0].tables["by_financial_year"].filter(pl.col("group") == "All leaving care")
    stdout.print(money_table("Leaving care by financial year", table,
                             ["financial_year", "young_people_at_year_end", "joiners", "leavers", "cost_gbp",
                              "cost_p5_gbp", "cost_p95_gbp"]))


def register(app: typer.Typer) -> None:
    app.command("allowances")(allowances)
    app.command("leavers")(leavers)
