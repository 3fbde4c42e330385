"""``carecast allowances`` and ``carecast leavers``: thin commands over :mod:`carecast.aftercare.run`."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

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
from carecast.errors import Location, ParameterError
from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date
from carecast.services.inputs import load_returns_folder

console = Console(stderr=True)
stdout = Console()
TEMPLATE = "template"


def write_template(name: str, out: Path | None, what: str) -> None:
    """Copy the shipped, cited ``aftercare/data/<name>`` to ``out`` for the council to edit."""
    if out is None:
        raise ParameterError(
            f"no file to write the {what} to", where=Location(field="out"), fix=f"give --out {name}"
        )
    out.write_text(
        resources.files("carecast.aftercare").joinpath(f"data/{name}").read_text("utf-8"), "utf-8"
    )
    console.print(
        f"Wrote the {what} to {out}: edit the values, keep each one's reference up to date"
    )


def money_table(title: str, frame: pl.DataFrame, columns: list[str]) -> Table:
    table = Table(title=title)
    for c in columns:
        table.add_column(
            c.replace("_", " ").capitalize(),
            justify="left" if frame[c].dtype == pl.Utf8 else "right",
        )
    for row in frame.select(columns).iter_rows():
        table.add_row(
            *[
                v if isinstance(v, str) else (f"£{v:,.0f}" if "cost" in c else f"{v:,.1f}")
                for c, v in zip(columns, row, strict=True)
            ]
        )
    return table


# Options both commands take, declared once (the full-stack template's Annotated aliases).
Returns = Annotated[
    str, typer.Argument(help="Folder of SSDA903 returns, or 'template' to write the policy file.")
]
Council = Annotated[str | None, typer.Option("--council", help="One council of a regional folder.")]
Start = Annotated[
    str | None,
    typer.Option("--start", help="Projection start, YYYY-MM-DD (default: end of the data)."),
]
Horizon = Annotated[float, typer.Option("--horizon-years", help="Years ahead (up to 10).")]
Simulations = Annotated[int, typer.Option("--simulations", help="Monte Carlo simulations.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same numbers).")]
Out = Annotated[
    Path | None, typer.Option("--out", help="Output file: .xlsx, .html, .json or .csv.")
]


def _project(
    returns: str,
    out: Path | None,
    template: str,
    what: str,
    council: str | None,
    run: Callable[[Path, Any], Any],
    title: str,
    total: str,
    people: str,
) -> None:
    """Write the template, or load the returns, run, write the report and print its yearly totals."""
    if returns == TEMPLATE:
        write_template(template, out, what)
        return
    if out is None:
        raise ParameterError(
            "no output file",
            where=Location(field="out"),
            fix=f"give --out {Path(template).stem}.xlsx",
        )
    with console.status("Loading returns..."):
        loaded = load_returns_folder(Path(returns), council)
    with console.status(f"Forecasting {title.split(' by ')[0].lower()}..."):
        result = run(Path(returns), loaded)
    for written in write_report(result.report, out):
        console.print(f"Wrote {written}")
    table = result.report.sections[0].tables["by_financial_year"].filter(pl.col("group") == total)
    stdout.print(
        money_table(
            title,
            table,
            [
                "financial_year",
                people,
                "joiners",
                "leavers",
                "cost_gbp",
                "cost_p5_gbp",
                "cost_p95_gbp",
            ],
        )
    )


def allowances(
    returns: Returns,
    policy: Path | None = typer.Option(
        None, "--policy", help="Allowance policy YAML (default: the shipped cited one)."
    ),
    cohort: Path | None = typer.Option(
        None,
        "--cohort",
        help="Today's paid cohort CSV/XLSX: allowance, dob, start "
        "[, weekly_amount, in_education] (default: past exits in the returns).",
    ),
    council: Council = None,
    start: Start = None,
    horizon_years: Horizon = DEFAULT_HORIZON_YEARS,
    simulations: Simulations = DEFAULT_SIMULATIONS,
    seed: Seed = DEFAULT_SEED,
    out: Out = None,
) -> None:
    """Special guardianship, adoption and child arrangements allowances: cohort and cost by financial year."""

    def run(path: Path, loaded: Any) -> Any:
        request = AllowancesRequest(
            start=parse_date(start, "start"),
            horizon_years=horizon_years,
            simulations=simulations,
            seed=seed,
            policy=policy,
            cohort=cohort,
            inputs=tuple(str(p) for p in (path, policy, cohort) if p is not None),
        )
        return run_allowances(request, loaded.episodes)

    _project(
        returns,
        out,
        "allowances.yaml",
        "allowance policy",
        council,
        run,
        "Allowances by financial year",
        "All allowances",
        "children_at_year_end",
    )


def leavers(
    returns: Returns,
    policy: Path | None = typer.Option(
        None, "--policy", help="Care leavers YAML (default: the shipped cited one)."
    ),
    council: Council = None,
    start: Start = None,
    horizon_years: Horizon = DEFAULT_HORIZON_YEARS,
    simulations: Simulations = DEFAULT_SIMULATIONS,
    seed: Seed = DEFAULT_SEED,
    out: Out = None,
) -> None:
    """Care leavers 18-25: numbers, personal advisers, staying put and supported accommodation, with bands."""

    def run(path: Path, loaded: Any) -> Any:
        request = LeaversRequest(
            start=parse_date(start, "start"),
            horizon_years=horizon_years,
            simulations=simulations,
            seed=seed,
            policy=policy,
            inputs=tuple(str(p) for p in (path, policy) if p is not None),
        )
        return run_leavers(request, loaded.episodes, loaded.tables.get("oc3"))

    _project(
        returns,
        out,
        "leavers.yaml",
        "care leavers policy",
        council,
        run,
        "Leaving care by financial year",
        "All leaving care",
        "young_people_at_year_end",
    )


def register(app: typer.Typer) -> None:
    app.command("allowances")(allowances)
    app.command("leavers")(leavers)
