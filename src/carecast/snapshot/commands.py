"""``carecast snapshot``: the placement snapshot as a command (a thin layer over the Python API)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table as RichTable

from carecast.outputs import write_report
from carecast.services.inputs import required_date
from carecast.services.snapshot import SnapshotRequest, run_snapshot
from carecast.snapshot.placements import LOCATION_LABELS
from carecast.snapshot.snapshot import Snapshot
from carecast.terminal import console, print_written, progress_bar, stdout


def _beside(directory: Path, name: str) -> Path | None:
    """A reference file the synthetic generator writes next to the returns (DIR/name or its parent)."""
    for folder in (directory, directory.parent):
        if (folder / name).is_file():
            return folder / name
    return None


def _summary(snap: Snapshot) -> RichTable:
    n = len(snap.coverage)
    table = RichTable(
        title=f"{snap.region.name}, {snap.date:%d/%m/%Y}: {snap.total_placements:,} placements "
        f"({n} council{'' if n == 1 else 's'})"
    )
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
    directory: Path = typer.Argument(
        ..., help="Folder of SSDA903 returns (one sub-folder per council)."
    ),
    date: str = typer.Option(..., "--date", help="Snapshot date, YYYY-MM-DD (e.g. 2024-03-31)."),
    region: str = typer.Option(
        "london",
        "--region",
        help="A region name (london, 'South East', england), or councils separated by commas.",
    ),
    providers: Path | None = typer.Option(
        None,
        "--providers",
        help="Provider register CSV (urn, council, places, "
        "ofsted_rating, ...). Default: providers.csv beside the returns.",
    ),
    postcodes: Path | None = typer.Option(
        None,
        "--postcodes",
        help="ONS postcode directory extract for distances "
        "and host councils. Default: postcodes.csv beside the returns.",
    ),
    parameters: Path | None = typer.Option(
        None, "--parameters", help="YAML overriding snapshot thresholds."
    ),
    suppress: bool | None = typer.Option(
        None,
        "--suppress/--no-suppress",
        help="Suppress counts 1-4. Default: on when more than one council's data is in the output.",
    ),
    out: Path = typer.Option(..., "--out", help="Output file: .xlsx, .json, .html or .csv."),
) -> None:
    """Where a region's children looked after live on a date, and how the region's homes are used."""
    request = SnapshotRequest.build(
        date=required_date(date, "date"),
        source=directory,
        region=region,
        providers=providers or _beside(directory, "providers.csv"),
        postcodes=postcodes or _beside(directory, "postcodes.csv"),
        parameters=parameters,
        suppress=suppress,
    )
    with progress_bar("Reading returns") as progress:
        run = run_snapshot(request, progress=progress)
    written = write_report(run.report, out)
    stdout.print(_summary(run.snapshot))
    if run.snapshot.suppress:
        console.print("Small numbers (1-4) are suppressed in the output.")
    print_written(written)


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)
