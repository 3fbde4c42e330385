"""``carecast published``: every council in England from the DfE and ONS published statistics."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()

FOLDER_HELP = "Folder holding the published CSV and ODS files (see the published README)."


def _write(report, out: list[Path] | None) -> None:
    from carecast.outputs import write_report

    for path in out or []:
        for written in write_report(report, path):
            console.print(f"Wrote {written}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Every council in England from the published statistics: validate, forecast, "
        "backtest, benchmark.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="published")
    register_backtest(group)
    register_benchmark(group)

    @group.command("validate")
    def validate(
        folder: Path = typer.Argument(..., help=FOLDER_HELP),
        out: list[Path] = typer.Option(
            None, "--out", help="Quality report: .html, .xlsx, .json or .csv."
        ),
    ) -> None:
        """Read the published tables and say what happened to every row."""
        from carecast.published.load import load
        from carecast.published.validate import build_report

        published = load(folder)
        report = build_report(published)
        table = Table(title="What happened to every row read")
        for col in ("File", "What happened", "Rows"):
            table.add_column(col, justify="right" if col == "Rows" else "left")
        for row in published.log.iter_rows(named=True):
            table.add_row(row["file"], row["outcome"], f"{row['rows']:,}")
        console.print(table)
        _write(report, out)

    @group.command("forecast")
    def forecast(
        folder: Path = typer.Argument(..., help=FOLDER_HELP),
        horizon_years: int = typer.Option(..., "--horizon-years", help="Years ahead (1-10)."),
        origin: int | None = typer.Option(
            None, "--origin", help="Last year (ending 31 March) to start from; default the latest."
        ),
        out: list[Path] = typer.Option(
            ..., "--out", help="Output: .json, .xlsx or .html (repeatable)."
        ),
        seed: int = typer.Option(20240331, "--seed", help="Random seed of the simulations."),
    ) -> None:
        """Forecast every council, region and England, with bands, from the published figures."""
        from carecast.published.forecast import ForecastRequest, run
        from carecast.published.forecast_report import build_report

        request = ForecastRequest(folder, horizon_years, origin, seed=seed)
        with console.status("Forecasting every council…"):
            result = run(request)
        table = Table(title=f"England, children looked after on 31 March (from {result.origin})")
        for col in ("Year", "5%", "25%", "Median", "75%", "95%"):
            table.add_column(col, justify="right")
        for row in result.england.iter_rows(named=True):
            table.add_row(
                str(row["year"]), *[f"{row[b]:,.0f}" for b in ("p5", "p25", "p50", "p75", "p95")]
            )
        console.print(table)
        _write(build_report(result), out)


def _score_table(title: str, frame) -> Table:
    table = Table(title=title)
    for col in (
        "Years ahead",
        "Method",
        "Forecasts",
        "MAPE",
        "Bias",
        "90% band covers",
        "50% band covers",
    ):
        table.add_column(col, justify="left" if col == "Method" else "right")
    for row in frame.iter_rows(named=True):
        cover = [
            f"{row[c]:.0%}" if row[c] is not None else ""
            for c in ("coverage_of_90pct_band", "coverage_of_50pct_band")
        ]
        table.add_row(
            str(row["horizon"]),
            row["method"],
            str(row["forecasts"]),
            f"{row['mape_pct']:.2%}",
            f"{row['bias_pct']:+.2%}",
            *cover,
        )
    return table


def register_backtest(group: typer.Typer) -> None:
    @group.command("backtest")
    def backtest(
        folder: Path = typer.Argument(..., help=FOLDER_HELP),
        out: list[Path] = typer.Option(None, "--out", help="Report: .html, .xlsx, .json or .csv."),
    ) -> None:
        """Score the forecast and three baselines on every council, one and two years ahead."""
        import time

        from carecast.published import backtest as bt
        from carecast.published import panel, series
        from carecast.published.load import load

        started = time.perf_counter()
        s = series.from_panel(panel.build(load(folder)))
        rows = bt.forecasts(s)
        seconds = time.perf_counter() - started
        tables = bt.summary_tables(rows)
        console.print(_score_table("All origins", tables["all_origins"]))
        console.print(_score_table("Held-out last year", tables["held_out_last_year"]))
        console.print(f"{bt.TUNED_ON}\nRan in {seconds:.1f} s.")
        _write(bt.build_report(rows, folder, seconds), out)


def register_benchmark(group: typer.Typer) -> None:
    @group.command("benchmark")
    def benchmark(
        folder: Path = typer.Argument(..., help=FOLDER_HELP),
        council: str = typer.Option(
            ..., "--council", help="Council: name, ONS code or DfE number."
        ),
        out: list[Path] = typer.Option(..., "--out", help="Report: .html, .xlsx, .json or .csv."),
    ) -> None:
        """Spend per child looked after and per child, regressions with R², four quadrants."""
        from carecast.published import benchmarking
        from carecast.published.load import load

        p = load(folder)
        result = benchmarking.analyse(p, council)
        table = Table(title=f"{result.council}: one-variable regressions across councils")
        for col in ("Regression", "n", "R²"):
            table.add_column(col)
        for row in result.regressions.iter_rows(named=True):
            table.add_row(row["regression"], str(row["n"]), f"{row['r_squared_share']:.0%}")
        console.print(table)
        _write(benchmarking.build_report(p, result), out)
