"""``carecast snapshot``: the placement snapshot as a command (a thin layer over the Python API)."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from carecast.errors import InputError, Location
from carecast.outputs import write_report
from carecast.snapshot.placements import LOCATION_LABELS
from carecast.snapshot.report import to_report
from carecast.snapshot.snapshot import Snapshot, take_snapshot

console = Console(stderr=True)  # progress and notes
stdout = Console()  # the summary table


def _load(directory: Path, postcodes: Path | None):
    """Cleaned episodes and children from the council returns in ``directory`` (carecast.ingest)."""
    if not directory.exists():
        raise InputError(f"{directory} does not exist", where=Location(file=str(directory)),
                         fix="give the folder holding the councils' SSDA903 returns")
    try:
        ingest = importlib.import_module("carecast.ingest")
        load_returns = ingest.load_returns
    except (ImportError, AttributeError):
        raise InputError("this installation of carecast has no SSDA903 loader (carecast.ingest.load_returns)",
                         fix="install the full carecast package") from None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Reading returns", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Reading {label}")

        result = load_returns(directory, postcodes=postcodes, progress=progress)
    return result.episodes, result.children


def _beside(directory: Path, name: str) -> Path | None:
    """A reference file the synthetic generator writes next to the returns (DIR/name or its parent)."""
    for folder in (directory, directory.parent):
        if (folder / name).is_file():
            return folder / name
    return None


def _summary(snap: Snapshot) -> RichTable:
    n = len(snap.coverage)
    table = RichTable(title=f"{snap.region.name}, {snap.date:%d/%m/%Y}: {snap.total_placements:,} placements "
                            f"({n} council{'' if n == 1 else 's'})")
    table.add_column("Location")
    table.add_column("Children", justify="right")
    table.add_column("Share", justify="right")
    total = max(snap.total_placements, 1)
    for key, n in snap.location.items():
        shown = "c" if snap.suppress and 0 < n < snap.params.suppression_threshold else f"{n:,}"
        share = "c" if shown == "c" else f"{n / total:.0%}"
        table.add_row(LOCATION_LABELS[key], shown, share)
    return table


def snapshot(
    directory: Path = typer.Argument(..., help="Folder of SSDA903 returns (one sub-folder per council)."),
    date: str = typer.Option(..., "--date", help="Snapshot date, YYYY-MM-DD (e.g. 2024-03-31)."),
    region: str = typer.Option("london", "--region", help="A region name (london, 'South East', england), or councils separated by commas."),
    providers: Path | None = typer.Option(None, "--providers", help="Provider register CSV (urn, council, places, "
                                          "ofsted_rating, ...). Default: providers.csv beside the returns."),
    postcodes: Path | None = typer.Option(None, "--postcodes", help="ONS postcode directory extract for distances "
                                          "and host councils. Default: postcodes.csv beside the returns."),
    parameters: Path | None = typer.Option(None, "--parameters", help="YAML overriding snapshot thresholds."),
    suppress: bool | None = typer.Option(None, "--suppress/--no-suppress", help="Suppress counts 1-4. Default: on "
                                         "when more than one council's data is in the output."),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .html or .csv."),
) -> None:
    """Where a region's children looked after live on a date, and how the region's homes are used."""
    providers = providers or _beside(directory, "providers.csv")
    postcodes = postcodes or _beside(directory, "postcodes.csv")
    episodes, children = _load(directory, postcodes)
    with console.status("Taking the snapshot..."):
        snap = take_snapshot(episodes, children, date=date, region=region, providers=providers,
                             thresholds=parameters, suppress=suppress)
        inputs = [p for p in (directory, providers, postcodes, parameters) if p is not None]
        written = write_report(to_report(snap, inputs=inputs), out)
    stdout.print(_summary(snap))
    if snap.suppress:
        console.print("Small numbers (1-4) are suppressed in the output.")
    for path in written:
        console.print(f"Wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)
