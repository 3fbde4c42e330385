"""``carecast forecast`` and ``carecast backtest``: thin commands over :mod:`carecast.forecast`."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from carecast.errors import InputError, Location, ParameterError
from carecast.execution import scheduler_address
from carecast.forecast.backtest import BacktestResult, backtest
from carecast.forecast.entrants import TRENDS
from carecast.forecast.model import SparseDataWarning
from carecast.forecast.prepare import UASC_OPTIONS
from carecast.forecast.region import RegionForecast, forecast_councils
from carecast.forecast.report import backtest_report, forecast_report
from carecast.outputs import write_report
from carecast.schema import EPISODE_COLUMNS, conform, load_categories

console = Console(stderr=True)
stdout = Console()


def parse_date(text: str | None, field: str) -> dt.date | None:
    """A date given as YYYY-MM-DD or dd/mm/YYYY (None stays None)."""
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ParameterError(f"'{text}' is not a date", where=Location(field=field), fix="write dates as YYYY-MM-DD")


def load_episodes(path: Path, council: str | None, categories: Path | None) -> pl.DataFrame:
    """Cleaned episodes from a folder of returns (carecast.ingest) or a cleaned episodes Parquet/CSV file."""
    if not path.exists():
        raise InputError(f"{path} does not exist", where=Location(file=str(path)),
                         fix="give the folder holding the councils' SSDA903 returns")
    if path.is_file() and path.suffix.lower() in (".parquet", ".csv"):
        frame = pl.read_parquet(path) if path.suffix.lower() == ".parquet" else pl.read_csv(
            path, try_parse_dates=True)
        episodes = conform(frame, EPISODE_COLUMNS)
    else:
        from carecast.ingest import load_returns

        with console.status("Loading returns..."):
            episodes = load_returns(path, council=council, categories=categories).episodes
    if council is not None:
        from carecast.schema import find_council

        name = find_council(council).name
        episodes = episodes.filter(pl.col("council") == name)
        if episodes.height == 0:
            raise InputError(f"the data has no episodes for {name}", where=Location(file=str(path)),
                             fix="check --council, or leave it out to forecast every council in the data")
    return episodes


def _options(window_years: float | None, step: str, uasc: str, trend: str, population: Path | None,
             categories: Path | None) -> dict:
    if step not in ("weekly", "daily"):
        raise ParameterError(f"--step must be weekly or daily, not '{step}'", fix="use --step weekly (default)")
    if uasc not in UASC_OPTIONS:
        raise ParameterError(f"--uasc must be include or exclude, not '{uasc}'", fix="use --uasc include (default)")
    if trend not in TRENDS:
        raise ParameterError(f"--trend must be one of {', '.join(TRENDS)}, not '{trend}'",
                             fix="use --trend flat (default), fitted, or population with --population FILE")
    if trend == "population" and population is None:
        raise ParameterError("--trend population needs --population FILE",
                             fix="give a CSV with columns year,population (and council for several councils)")
    out = {"step_days": 7 if step == "weekly" else 1, "uasc": uasc, "trend": trend,
           "categories": load_categories(categories), "population": population}
    if window_years is not None:
        out["window_years"] = window_years
    return out


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


def _run_forecast(episodes: pl.DataFrame, options: dict, **sim) -> RegionForecast:
    n = episodes.get_column("council").n_unique()
    with _progress() as bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SparseDataWarning)
        task = bar.add_task("Fitting and simulating councils", total=n)
        region = forecast_councils(episodes, progress=lambda _c: bar.advance(task), **sim, **options)
    for w in caught:
        console.print(f"[yellow]Note:[/] {w.message}")
    return region


def _workers(requested: int | None) -> int:
    """Processes for a regional run: the user's number, else every core this process may use.
    Councils are independent and seeded one by one, so the number never changes the results."""
    if requested is not None and requested < 1:
        raise ParameterError(f"--workers must be 1 or more, not {requested}", where=Location(field="workers"),
                             fix="leave it out to use every core, or give e.g. --workers 2")
    if requested:
        return requested
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process is allowed on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def forecast(
    directory: Path = typer.Argument(..., help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv."),
    start: str | None = typer.Option(None, "--start", help="Forecast start, YYYY-MM-DD (default: end of the data)."),
    horizon_years: float = typer.Option(5, "--horizon-years", help="Years ahead (up to 10)."),
    simulations: int = typer.Option(1000, "--simulations", help="Monte Carlo simulations."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (same seed, same numbers)."),
    trend: str = typer.Option("flat", "--trend", help="Entrant trend: flat, fitted or population."),
    population: Path | None = typer.Option(None, "--population", help="Child population projection CSV "
                                           "(year,population[,council]) for --trend population."),
    costs: Path | None = typer.Option(None, "--costs", help="Unit costs YAML (default: the shipped cited costs)."),
    window_years: float | None = typer.Option(None, "--window-years", help="Reference window (default 3 years)."),
    step: str = typer.Option("weekly", "--step", help="Projection step: weekly or daily."),
    uasc: str = typer.Option("include", "--uasc", help="UASC: include (default) or exclude from demand."),
    council: str | None = typer.Option(None, "--council", help="Forecast one council of a regional folder."),
    categories: Path | None = typer.Option(None, "--categories", help="Placement categories YAML."),
    workers: int | None = typer.Option(None, "--workers", help="Processes to use across councils "
                                       "(default: one per CPU core; results do not depend on it)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler tcp://HOST:PORT to run the "
                                         "councils on (default: CARECAST_SCHEDULER, else this machine)."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .csv or .html."),
) -> None:
    """Forecast children in care (and placement cost) with bands, per council and in total."""
    options = _options(window_years, step, uasc, trend, population, categories)
    n_workers = _workers(workers)
    scheduler = scheduler_address(scheduler)
    start_date = parse_date(start, "start")
    episodes = load_episodes(directory, council, categories)
    region = _run_forecast(episodes, options, start=start_date, horizon_years=horizon_years, n_sims=simulations,
                           seed=seed, workers=n_workers, scheduler=scheduler)
    result = region.combined
    projection, cost_assumptions = cost_projection(result, episodes, costs)
    parameters = {"start": result.start.isoformat(), "horizon_years": horizon_years, "simulations": simulations,
                  "seed": seed, "trend": trend, "population": str(population) if population else None,
                  "window_years": options.get("window_years", "default"), "step": step, "uasc": uasc,
                  "costs": str(costs) if costs else "shipped defaults", "council": council}
    inputs = [p for p in (directory, population, costs, categories) if p is not None]
    report = forecast_report(result, inputs=inputs, parameters=parameters, costs=projection,
                             cost_assumptions=cost_assumptions, per_council=region.results)
    written = write_report(report, out)
    stdout.print(_forecast_table(report.sections[0].tables))
    for path in written:
        console.print(f"Wrote {path}")


def cost_projection(result, episodes: pl.DataFrame, costs: Path | None):
    """Cost the forecast with :mod:`carecast.costs` (the costs capability owns prices and bands)."""
    from carecast.costs import derive_cost_mix, load_unit_costs, project_costs

    unit_costs = load_unit_costs(costs)
    mix = derive_cost_mix(episodes.filter(pl.col("cost_group").is_not_null()), end=result.start)
    projection = project_costs(result.dates_, list(result.categories), result.sim_counts_, unit_costs,
                               category_cost_mix=mix)
    return projection, {"source": str(costs) if costs else "shipped defaults (carecast/costs/data)",
                        "cost_mix": "share of each category's child-days in each cost group, last 3 years",
                        **projection.assumptions}


def _forecast_table(tables: dict[str, pl.DataFrame]) -> Table:
    table = Table(title="Children in care near each financial year end (mean and 90% band)")
    for col in ("Financial year", "Mean", "p5", "p95"):
        table.add_column(col, justify="right")
    cost = tables.get("cost_by_financial_year")
    if cost is not None:
        table.add_column("Cost (mean)", justify="right")
    costs = {r[0]: r[1] for r in cost.select(cost.columns[0], "cost_mean").rows()} if cost is not None else {}
    for fy, _d, mean, p5, *_rest, p95 in tables["children_by_financial_year"].rows():
        row = [fy, f"{mean:,.0f}", f"{p5:,.0f}", f"{p95:,.0f}"]
        if cost is not None:
            value = costs.get(fy)
            row.append(f"£{value:,.0f}" if value is not None else "")
        table.add_row(*row)
    return table


def backtest_command(
    directory: Path = typer.Argument(..., help="Folder of SSDA903 returns, or a cleaned episodes .parquet/.csv."),
    at: str | None = typer.Option(None, "--at", help="Origin date YYYY-MM-DD: forecast as if it were this day."),
    horizon_months: int = typer.Option(12, "--horizon-months", help="Months ahead to score."),
    rolling: bool = typer.Option(False, "--rolling", help="Score several yearly-spaced past origins."),
    origins: int | None = typer.Option(None, "--origins", help="How many rolling origins (default 4)."),
    simulations: int = typer.Option(1000, "--simulations", help="Monte Carlo simulations per origin."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed."),
    trend: str = typer.Option("flat", "--trend", help="Entrant trend: flat, fitted or population."),
    population: Path | None = typer.Option(None, "--population", help="Population projection CSV."),
    window_years: float | None = typer.Option(None, "--window-years", help="Reference window (default 3 years)."),
    uasc: str = typer.Option("include", "--uasc", help="UASC: include (default) or exclude."),
    council: str | None = typer.Option(None, "--council", help="Backtest one council of a regional folder."),
    categories: Path | None = typer.Option(None, "--categories", help="Placement categories YAML."),
    workers: int | None = typer.Option(None, "--workers", help="Processes to use across councils "
                                       "(default: one per CPU core; results do not depend on it)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler tcp://HOST:PORT to run the "
                                         "councils on (default: CARECAST_SCHEDULER, else this machine)."),
    out: Path = typer.Option(..., "--out", help="Output file: .json, .xlsx, .html or .csv."),
) -> None:
    """Rewind the data to a past date, forecast, and compare with what happened (and with naive baselines)."""
    if not rolling and at is None:
        raise ParameterError("give --at DATE or --rolling", where=Location(field="at"),
                             fix="e.g. --at 2023-03-31 --horizon-months 12, or --rolling")
    options = _options(window_years, "weekly", uasc, trend, population, categories)
    n_workers = _workers(workers)
    scheduler = scheduler_address(scheduler)
    episodes = load_episodes(directory, council, categories)
    with console.status("Backtesting..."), warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        bt = backtest(episodes, at=parse_date(at, "at"), horizon_months=horizon_months, rolling=rolling,
                      n_origins=origins, n_sims=simulations, seed=seed, workers=n_workers, scheduler=scheduler,
                      **options)
    parameters = {"at": at, "rolling": rolling, "horizon_months": horizon_months, "simulations": simulations,
                  "seed": seed, "trend": trend, "window_years": options.get("window_years", "default"), "uasc": uasc}
    inputs = [p for p in (directory, population, categories) if p is not None]
    written = write_report(backtest_report(bt, inputs=inputs, parameters=parameters), out)
    stdout.print(_backtest_table(bt))
    for path in written:
        console.print(f"Wrote {path}")


def _backtest_table(bt: BacktestResult) -> Table:
    table = Table(title=f"Backtest, total children in care, {bt.horizon_months} months ahead, "
                        f"{len(bt.origins)} origin(s)")
    for col in ("Method", "MAPE %", "Bias %", "APE at horizon %", "In 50% band %", "In 90% band %"):
        table.add_column(col, justify="right")
    for row in bt.headline().iter_rows(named=True):
        fmt = lambda v: "" if v is None else f"{v:.1f}"  # noqa: E731
        table.add_row(row["method"], fmt(row["mape_pct"]), fmt(row["bias_pct"]), fmt(row["ape_at_horizon_pct"]),
                      fmt(row["in_50_band_pct"]), fmt(row["in_90_band_pct"]))
    return table


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)
    app.command("backtest")(backtest_command)
