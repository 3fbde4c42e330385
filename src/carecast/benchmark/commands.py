"""``carecast benchmark``: compare a council's spend and demand with other councils'."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    @app.command("benchmark")
    def benchmark(
        panel: list[Path] = typer.Argument(
            ...,
            help="Panel file(s), CSV or XLSX, long (council, year, measure, value) "
            "or wide (one column per measure; see benchmark/data/measures.yaml).",
        ),
        council: str = typer.Option(
            ..., "--council", help="The council to benchmark (name, ONS code or DfE number)."
        ),
        out: list[Path] = typer.Option(
            ..., "--out", help="Output file: .html, .xlsx, .json or .csv (repeatable)."
        ),
        neighbours: Path | None = typer.Option(
            None,
            "--neighbours",
            help="CSV of statistical neighbours (council, "
            "neighbour) or (council, neighbour_1 … neighbour_10).",
        ),
        first_year: str | None = typer.Option(
            None, "--first-year", help="First financial year, e.g. 2014-15."
        ),
        last_year: str | None = typer.Option(
            None, "--last-year", help="Last financial year, e.g. 2017-18."
        ),
        strict: bool = typer.Option(
            False,
            "--strict",
            help="Stop (exit 2) on any input problem (set-aside figures, totals that do not match their lines).",
        ),
    ) -> None:
        """In-year deficits, forward risk, spend per head, regressions, quadrants, contributions and neighbours."""
        from carecast.outputs import write_report
        from carecast.services.benchmark import BenchmarkRequest, run_benchmark

        request = BenchmarkRequest.build(
            panel=tuple(panel),
            council=council,
            neighbours=neighbours,
            first_year=first_year,
            last_year=last_year,
            strict=strict,
        )
        with console.status("Benchmarking…"):
            run = run_benchmark(request)
        _print_summary(run.result)
        for path in out:
            for written in write_report(run.report, path):
                console.print(f"Wrote {written}")


def _print_summary(result) -> None:
    import polars as pl

    table = Table(title=f"Benchmarking {result.council}: {len(result.panel.councils)} councils")
    for col in ("Figure", "Year", "n", "Value"):
        table.add_column(col)
    for row in result.deficit_summary.filter(
        pl.col("basis").str.starts_with("all") & (pl.col("year") == max(result.years))
    ).iter_rows(named=True):
        table.add_row(
            f"{row['service_label']} deficit % (pooled)",
            row["year_label"],
            str(row["n"]),
            f"{row['deficit_pct']:.1%}" if row["deficit_pct"] is not None else "n/a",
        )
    if result.regressions is not None:
        for row in result.regressions.iter_rows(named=True):
            table.add_row(
                f"R²: {row['regression']}",
                "",
                str(row["n"]),
                f"{row['r_squared']:.0%}" if row["r_squared"] is not None else "n/a",
            )
    console.print(table)
    if result.issues.height:
        console.print(
            f"[yellow]{result.issues.height} input problem(s) set aside or flagged; see 'input_issues' "
            "in the output.[/]"
        )
