"""``run_snapshot``: where a region's children looked after live on a date, and how its homes are
used (``carecast snapshot``, the web Snapshot page and the demo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.services.base import Progress, Request, quiet
from carecast.services.inputs import existing_file
from carecast.snapshot.report import to_report
from carecast.snapshot.snapshot import Snapshot, take_snapshot


class SnapshotRequest(Request):
    """A snapshot on ``date`` of ``region`` (a name, or councils), from returns in ``source`` (or
    tables handed to :func:`run_snapshot`)."""

    date: dt.date
    source: Path | None = None
    region: str | tuple[str, ...] = "london"
    providers: Path | None = None
    postcodes: Path | None = None
    parameters: Path | None = None  # snapshot thresholds YAML
    suppress: bool | None = None  # None: on when more than one council's data is in the output


@dataclass(frozen=True)
class SnapshotRun:
    snapshot: Snapshot
    report: Report


def _read_returns(
    directory: Path, postcodes: Path | None, progress: Progress
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not directory.exists():
        raise InputError(
            f"{directory} does not exist",
            where=Location(file=str(directory)),
            fix="give the folder holding the councils' SSDA903 returns",
        )
    from carecast.ingest import load_returns

    loaded = load_returns(
        directory,
        postcodes=postcodes,
        progress=lambda done, total, label: progress(
            0.8 * done / max(total, 1), f"Reading {label}"
        ),
    )
    return loaded.episodes, loaded.children


def run_snapshot(
    request: SnapshotRequest,
    *,
    tables: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    progress: Progress = quiet,
) -> SnapshotRun:
    """The snapshot and its report; ``tables`` are (episodes, children) already cleaned."""
    with job_logged("snapshot", date=request.date.isoformat(), suppress=request.suppress):
        for path, what in (
            (request.providers, "provider register"),
            (request.postcodes, "postcode lookup"),
            (request.parameters, "snapshot parameters"),
        ):
            existing_file(path, what, "check the path, or leave the option out")
        if tables is None:
            assert request.source is not None, "a snapshot request needs a source or tables"
            tables = _read_returns(request.source, request.postcodes, progress)
        progress(0.85, "Taking the snapshot")
        region = list(request.region) if isinstance(request.region, tuple) else request.region
        snap = take_snapshot(
            *tables,
            date=request.date,
            region=region,
            providers=request.providers,
            thresholds=request.parameters,
            suppress=request.suppress,
        )
        sources: list[str | Path] = [
            p
            for p in (request.source, request.providers, request.postcodes, request.parameters)
            if p
        ]
        return SnapshotRun(snap, to_report(snap, inputs=sources))
