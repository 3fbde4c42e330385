"""``carecast send ...``: synthetic data, validation, forecast with the grant, backtest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from carecast.errors import InputError, Location, ParameterError
from carecast.outputs import run_metadata, write_report
from carecast.plumbing.dates import parse_date
from carecast.plumbing.tables import read_table
from carecast.send.grant import load_grant
from carecast.send.levers import load_send_scenario
from carecast.send.params import load_annual_costs
from carecast.send.records import SendData, load_ehcp
from carecast.services.inputs import existing_file
from carecast.services.send import SendBacktestRequest, SendCountsRequest, SendRequest

console = Console(stderr=True)
stdout = Console()
AS_AT_HELP = "Last day the records speak for, YYYY-MM-DD (default: the latest date in them)."
F, C = (
    SendRequest.model_fields,
    SendCountsRequest.model_fields,
)  # the defaults live on the requests, once
send_app = typer.Typer(
    help="High needs (SEND): EHC plans, their cost against the high-needs block, levers.",
    no_args_is_help=True,
)


def _one_council(data: SendData, council: str | None) -> pl.DataFrame:
    records = data.records
    councils = sorted(records.get_column("council").unique().to_list())
    if council is not None:
        records = records.filter(pl.col("council").str.to_lowercase() == council.lower())
    elif len(councils) > 1:
        raise ParameterError(
            f"the records hold {len(councils)} councils ({', '.join(councils[:5])}...)",
            where=Location(field="council"),
            fix="pick one with --council NAME",
        )
    if records.height == 0:
        raise InputError(f"no EHCP records for {council}", fix=f"use one of {', '.join(councils)}")
    return records


def _population(path: Path, council: str, on: dt.date) -> pl.DataFrame:
    """The 0-25 population by age for ``council`` in the latest year on or before ``on`` (else the first)."""
    if not path.is_file():
        raise InputError(
            f"{path} does not exist",
            where=Location(file=str(path)),
            fix="give a CSV with columns council, year, age, population",
        )
    frame = read_table(path, what="population", text=False).frame.rename(
        lambda c: c.strip().lower()
    )
    missing = [c for c in ("year", "age", "population") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name} has no column(s) {missing}",
            where=Location(file=str(path)),
            fix="give columns council, year, age, population",
        )
    if "council" in frame.columns:
        frame = frame.filter(pl.col("council").str.to_lowercase() == council.lower())
    if frame.height == 0:
        raise InputError(
            f"{path.name} has no population for {council}",
            where=Location(file=str(path)),
            fix="add rows for the council (or leave out the council column)",
        )
    years = frame.get_column("year").unique().sort()
    usable = years.filter(years <= on.year)
    year = usable.max() if usable.len() else years.min()
    return frame.filter(pl.col("year") == year).select("age", "population")


@send_app.command("defaults")
def defaults(
    out: Path = typer.Option(..., "--out", help="Where to write the cited defaults (YAML)."),
) -> None:
    """Write the shipped SEND defaults (annual costs per setting, thresholds) to edit and pass with --costs."""
    from carecast.send.params import defaults_text

    out.write_text(defaults_text(), encoding="utf-8")
    stdout.print(f"Defaults written to {out}; edit annual_costs and pass the file with --costs")


@send_app.command("overlap")
def overlap_cmd(
    path: Path = typer.Argument(..., help="EHCP records CSV or folder of them."),
    returns: Path = typer.Argument(
        ..., help="Folder of SSDA903 returns, or cleaned episodes .parquet/.csv."
    ),
    on: str = typer.Option(..., "--on", help="Day to link on, YYYY-MM-DD (e.g. a census day)."),
    council: str | None = typer.Option(None, "--council"),
    out: Path | None = typer.Option(None, "--out"),
) -> None:
    """Children both looked after and on an EHC plan, and their combined annual cost."""
    from carecast.outputs import Report, Section
    from carecast.send.overlap import overlap
    from carecast.services.inputs import load_episodes

    day = parse_date(on, "on")
    data = load_ehcp(path, council=council)
    episodes = load_episodes(returns, council, None)
    res = overlap(data.records, episodes, day)
    for row in res.summary.iter_rows(named=True):
        stdout.print(
            f"{row['council']}: {row['looked_after_with_plan']:,} of {row['looked_after']:,} looked-after "
            f"children have a plan ({row['pct_looked_after_with_plan'] or 0:.0f}%); combined cost "
            f"£{row['combined_cost_of_both']:,.0f} a year"
        )
    if out is not None:
        report = Report(
            title="Children looked after and on an EHC plan",
            metadata=run_metadata(
                command="send overlap", inputs=[path, returns], parameters={"on": str(day)}
            ),
            sections=[
                Section(
                    "Overlap",
                    tables={"overlap": res.summary, "children": res.children},
                    notes=[
                        "Linked on council and child id: both files must use the same ids "
                        "(or the same pseudonymisation key)."
                    ],
                )
            ],
            primary_table="overlap",
        )
        write_report(report, out)
        stdout.print(f"Report written to {out}")


@send_app.command("synth")
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic files to."),
    councils: int = typer.Option(1, "--councils"),
    years: str = typer.Option("2015-2024", "--years"),
    seed: int = typer.Option(0, "--seed"),
    defects: bool = typer.Option(False, "--defects", help="Plant bad rows for the loader."),
    with_returns: Path | None = typer.Option(
        None,
        "--with-returns",
        help="SSDA903 returns (or cleaned episodes): give a quarter of their children plans too.",
    ),
) -> None:
    """Write synthetic EHCP records, census counts and the 0-25 population."""
    from types import SimpleNamespace

    from carecast.send.synthetic import synthetic
    from carecast.synth import parse_years

    names: int | list[str] = councils
    csc = None
    if with_returns is not None:
        from carecast.services.inputs import load_episodes

        episodes = load_episodes(with_returns, None, None)
        csc = SimpleNamespace(
            children=episodes.select("council", "child_id", "dob").unique(["council", "child_id"])
        )
        names = sorted(csc.children.get_column("council").unique().to_list())
    with console.status("Simulating EHC plans..."):
        res = synthetic(names, parse_years(years), seed=seed, csc=csc)
        paths = res.write(out_dir, defects=defects)
    stdout.print(
        f"{res.records.height:,} setting rows for {res.records.select('council', 'child_id').n_unique():,} "
        f"children written to {paths['records']}"
    )


@send_app.command("validate")
def validate(
    path: Path = typer.Argument(..., help="EHCP records CSV or folder of them."),
    council: str | None = typer.Option(
        None, "--council", help="Council for files without a council column."
    ),
    as_at: str | None = typer.Option(None, "--as-at", help=AS_AT_HELP),
    out: Path | None = typer.Option(
        None, "--out", help="Data-quality report: .xlsx, .json, .csv or .html."
    ),
) -> None:
    """Check EHCP records: what was kept, repaired, dropped or merged, by rule, with file and row."""
    data = load_ehcp(path, council=council, data_end=parse_date(as_at, "as_at"))
    s = data.quality.summary()
    table = Table(title="EHCP rows")
    for c in s.columns:
        table.add_column(c)
    for row in s.iter_rows():
        table.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    stdout.print(table)
    for row in data.quality.counts().iter_rows(named=True):
        stdout.print(f"  {row['rule_id']} ({row['action']}): {row['count']} - {row['examples']}")
    if out is not None:
        write_report(
            data.quality.to_report(run_metadata(command="send validate", inputs=[path])), out
        )
        stdout.print(f"Report written to {out}")


@send_app.command("forecast")
def forecast(
    path: Path = typer.Argument(..., help="EHCP records CSV or folder of them."),
    council: str | None = typer.Option(None, "--council"),
    start: str | None = typer.Option(
        None, "--start", help="Forecast start (default: end of the data)."
    ),
    data_start: str | None = typer.Option(
        None,
        "--data-start",
        help="First day the records are complete from (default: the earliest end of a plan or setting in them).",
    ),
    horizon_years: float = typer.Option(F["horizon_years"].default, "--horizon-years"),
    simulations: int = typer.Option(F["simulations"].default, "--simulations"),
    seed: int = typer.Option(F["seed"].default, "--seed"),
    trend: str = typer.Option(
        F["trend"].default, "--trend", help="New plans: fitted (default), flat."
    ),
    window_years: float = typer.Option(F["window_years"].default, "--window-years"),
    grant: Path | None = typer.Option(
        None, "--grant", help="High-needs block YAML (allocation, transfers)."
    ),
    costs: Path | None = typer.Option(None, "--costs", help="Annual costs per setting YAML."),
    scenario: Path | None = typer.Option(None, "--scenario", help="SEND scenario YAML (levers)."),
    population: Path | None = typer.Option(
        None,
        "--population",
        help="0-25 population CSV (council, year, "
        "age, population) for new plans per 10,000 children.",
    ),
    as_at: str | None = typer.Option(None, "--as-at", help=AS_AT_HELP),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .csv or .html."),
) -> None:
    """Forecast EHC plans by age and setting with bands, their cost, and the high-needs deficit."""
    from carecast.services.send import run_send

    request = SendRequest.build(
        horizon_years=horizon_years,
        simulations=simulations,
        seed=seed,
        trend=trend,
        window_years=window_years,
        start=parse_date(start, "start"),
        data_start=parse_date(data_start, "data_start"),
        grant=load_grant(grant) if grant is not None else None,
        costs=load_annual_costs(costs),
        scenario=load_send_scenario(scenario) if scenario is not None else None,
    )
    existing_file(
        population, "population", "give a CSV with columns council, year, age, population"
    )
    data = load_ehcp(path, council=council, data_end=parse_date(as_at, "as_at"))
    records = _one_council(data, council)
    with console.status("Fitting and simulating..."):
        run = run_send(
            records,
            request,
            population=(lambda name, on: _population(population, name, on))
            if population is not None
            else None,
            inputs=[p for p in (path, grant, costs, scenario, population) if p],
        )
    write_report(run.report, out)
    stdout.print(run.headline)
    if run.deficit is not None:
        stdout.print(run.deficit)
    stdout.print(f"Report written to {out}")


@send_app.command("project-counts")
def project_counts_cmd(
    path: Path = typer.Argument(
        ..., help="Published counts CSV: year, age, setting, plans[, council]."
    ),
    council: str | None = typer.Option(None, "--council"),
    years_ahead: int = typer.Option(C["years_ahead"].default, "--years-ahead"),
    simulations: int = typer.Option(C["simulations"].default, "--simulations"),
    seed: int = typer.Option(C["seed"].default, "--seed"),
    grant: Path | None = typer.Option(None, "--grant"),
    costs: Path | None = typer.Option(None, "--costs"),
    out: Path = typer.Option(..., "--out"),
) -> None:
    """Project published counts (no child-level records): cohort ratios by age, setting shares with drift."""
    from carecast.send.aggregate import load_aggregate
    from carecast.services.send import run_send_counts

    request = SendCountsRequest.build(
        years_ahead=years_ahead,
        simulations=simulations,
        seed=seed,
        grant=load_grant(grant) if grant is not None else None,
        costs=load_annual_costs(costs),
    )
    counts = load_aggregate(path, council)
    if council is not None:
        counts = counts.filter(pl.col("council").str.to_lowercase() == council.lower())
    if counts.get_column("council").n_unique() != 1:
        raise ParameterError(
            "the counts hold several councils",
            where=Location(field="council"),
            fix="pick one with --council NAME",
        )
    run = run_send_counts(counts, request, inputs=[p for p in (path, grant, costs) if p])
    write_report(run.report, out)
    stdout.print(f"{run.headline}; report written to {out}")


B = SendBacktestRequest.model_fields


@send_app.command("backtest")
def backtest(
    path: Path = typer.Argument(..., help="EHCP records CSV or folder of them."),
    council: str | None = typer.Option(None, "--council"),
    origins: int = typer.Option(
        B["origins"].default,
        "--origins",
        help="Yearly origins counting back from the last possible.",
    ),
    horizon_months: int = typer.Option(B["horizon_months"].default, "--horizon-months"),
    data_start: str | None = typer.Option(None, "--data-start"),
    simulations: int = typer.Option(B["simulations"].default, "--simulations"),
    seed: int = typer.Option(B["seed"].default, "--seed"),
    as_at: str | None = typer.Option(None, "--as-at", help=AS_AT_HELP),
    out: Path = typer.Option(..., "--out"),
) -> None:
    """Forecast from past dates with what was known then; score against what happened and a linear trend."""
    from carecast.services.send import run_send_backtest

    request = SendBacktestRequest.build(
        origins=origins,
        horizon_months=horizon_months,
        simulations=simulations,
        seed=seed,
        data_start=parse_date(data_start, "data_start"),
    )
    data = load_ehcp(path, council=council, data_end=parse_date(as_at, "as_at"))
    records = _one_council(data, council)
    with console.status("Backtesting..."):
        run = run_send_backtest(records, request, inputs=[path])
    write_report(run.report, out)
    scores = (
        run.table.group_by("method")
        .agg(pl.col("mape_pct", "ape_at_horizon_pct").mean())
        .sort("mape_pct")
    )
    for row in scores.iter_rows(named=True):
        stdout.print(
            f"{row['method']}: MAPE {row['mape_pct']:.2%}, error at {horizon_months} months "
            f"{row['ape_at_horizon_pct']:.2%}"
        )
    stdout.print(f"Report written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(send_app, name="send")
