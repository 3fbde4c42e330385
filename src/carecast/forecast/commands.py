"""``carecast forecast`` and ``carecast backtest``: thin commands over :mod:`carecast.services`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from carecast.forecast.backtest import BacktestResult
from carecast.outputs import write_report
from carecast.plumbing.dates import parse_date
from carecast.services.backtest import BacktestRequest, run_backtest
from carecast.services.forecast import ForecastRequest, run_forecast
from carecast.terminal import console, print_notes, print_written, progress_bar, stdout

D = ForecastRequest.model_fields  # the defaults live on the request, once

# Options the forecast and the backtest share, defined once (defaults come from the requests).
Source = Annotated[
    Path, typer.Argument(help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv.")
]
Trend = Annotated[
    str,
    typer.Option(
        "--trend",
        help="Entrant trend: auto (chosen by its out-of-sample record in the window), flat, "
        "damped, fitted or population.",
    ),
]
Population = Annotated[
    Path | None,
    typer.Option(
        "--population",
        help="Child population projection CSV (year,population[,council]) for --trend population.",
    ),
]
WindowYears = Annotated[
    float | None, typer.Option("--window-years", help="Reference window (default 3 years).")
]
Uasc = Annotated[
    str, typer.Option("--uasc", help="UASC: include (default) or exclude from demand.")
]
Council = Annotated[str | None, typer.Option("--council", help="One council of a regional folder.")]
Categories = Annotated[Path | None, typer.Option("--categories", help="Placement categories YAML.")]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Processes to use across councils (default: one per CPU core; results do not depend on it).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler tcp://HOST:PORT to run the councils on "
        "(default: CARECAST_SCHEDULER, else this machine).",
    ),
]


def forecast(
    directory: Source,
    start: str | None = typer.Option(
        None, "--start", help="Forecast start, YYYY-MM-DD (default: end of the data)."
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
    trend: Trend = D["trend"].default,
    population: Population = None,
    costs: Path | None = typer.Option(
        None, "--costs", help="Unit costs YAML (default: the shipped cited costs)."
    ),
    window_years: WindowYears = None,
    step: str = typer.Option(D["step"].default, "--step", help="Projection step: weekly or daily."),
    uasc: Uasc = D["uasc"].default,
    council: Council = None,
    categories: Categories = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .csv or .html."),
) -> None:
    """Forecast children in care (and placement cost) with bands, per council and in total."""
    request = ForecastRequest.build(
        source=directory,
        start=parse_date(start, "start"),
        horizon_years=horizon_years,
        simulations=simulations,
        seed=seed,
        trend=trend,
        population=population,
        costs=costs,
        window_years=window_years,
        step=step,
        uasc=uasc,
        council=council,
        categories=categories,
        workers=workers,
        scheduler=scheduler,
    )
    with progress_bar("Forecasting") as progress:
        run = run_forecast(request, progress=progress)
    print_notes(run.notes)
    written = write_report(run.report, out)
    stdout.print(_forecast_table(run.report.sections[0].tables))
    print_written(written)


def _forecast_table(tables: dict[str, pl.DataFrame]) -> Table:
    table = Table(title="Children in care near each financial year end (mean and 90% band)")
    for col in ("Financial year", "Mean", "p5", "p95"):
        table.add_column(col, justify="right")
    cost = tables.get("cost_by_financial_year")
    if cost is not None:
        table.add_column("Cost (mean)", justify="right")
    costs = (
        {r[0]: r[1] for r in cost.select(cost.columns[0], "cost_mean").rows()}
        if cost is not None
        else {}
    )
    for fy, _d, mean, p5, *_rest, p95 in tables["children_by_financial_year"].rows():
        row = [fy, f"{mean:,.0f}", f"{p5:,.0f}", f"{p95:,.0f}"]
        if cost is not None:
            value = costs.get(fy)
            row.append(f"£{value:,.0f}" if value is not None else "")
        table.add_row(*row)
    return table


B = BacktestRequest.model_fields


def backtest_command(
    directory: Source,
    at: str | None = typer.Option(
        None, "--at", help="Origin date YYYY-MM-DD: forecast as if it were this day."
    ),
    horizon_months: int = typer.Option(
        B["horizon_months"].default, "--horizon-months", help="Months ahead to score."
    ),
    rolling: bool = typer.Option(
        False, "--rolling", help="Score several yearly-spaced past origins."
    ),
    origins: int | None = typer.Option(
        None, "--origins", help="How many rolling origins (default 4)."
    ),
    simulations: int = typer.Option(
        B["simulations"].default, "--simulations", help="Monte Carlo simulations per origin."
    ),
    seed: int = typer.Option(B["seed"].default, "--seed", help="Random seed."),
    trend: Trend = B["trend"].default,
    population: Population = None,
    window_years: WindowYears = None,
    uasc: Uasc = B["uasc"].default,
    council: Council = None,
    categories: Categories = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out: Path = typer.Option(..., "--out", help="Output file: .json, .xlsx, .html or .csv."),
) -> None:
    """Rewind the data to a past date, forecast, and compare with what happened (and with naive baselines)."""
    request = BacktestRequest.build(
        source=directory,
        at=parse_date(at, "at"),
        horizon_months=horizon_months,
        rolling=rolling,
        origins=origins,
        simulations=simulations,
        seed=seed,
        trend=trend,
        population=population,
        window_years=window_years,
        uasc=uasc,
        council=council,
        categories=categories,
        workers=workers,
        scheduler=scheduler,
    )
    with console.status("Backtesting..."):
        run = run_backtest(request)
    written = write_report(run.report, out)
    stdout.print(_backtest_table(run.backtest))
    print_written(written)


def _backtest_table(bt: BacktestResult) -> Table:
    table = Table(
        title=f"Backtest, total children in care, {bt.horizon_months} months ahead, "
        f"{len(bt.origins)} origin(s)"
    )
    for col in ("Method", "MAPE %", "Bias %", "APE at horizon %", "In 50% band %", "In 90% band %"):
        table.add_column(col, justify="right")
    for row in bt.headline().iter_rows(named=True):
        fmt = lambda v: "" if v is None else f"{v * 100:.1f}"  # noqa: E731  fractions, shown as %
        table.add_row(
            row["method"],
            fmt(row["mape_pct"]),
            fmt(row["bias_pct"]),
            fmt(row["ape_at_horizon_pct"]),
            fmt(row["in_50_band_pct"]),
            fmt(row["in_90_band_pct"]),
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)
    app.command("backtest")(backtest_command)
