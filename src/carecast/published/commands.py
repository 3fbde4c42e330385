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

    @group.command("validate")
    def validate(
        folder: Path = typer.Argument(..., help=FOLDER_HELP),
        out: list[Path] = typer.Option(None, "--out", help="Quality report: .html, .xlsx, .json or .csv."),
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
