"""``run_benchmark``: a council's spend and demand against other councils' (``carecast benchmark``
and the demo)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carecast.benchmark import analyse, build_report, load_panel
from carecast.errors import InputError, Location
from carecast.logs import job_logged
from carecast.outputs import Report
from carecast.services.base import Progress, Request, quiet
from carecast.services.inputs import existing_file


class BenchmarkRequest(Request):
    """Panel files (long or wide), the council to benchmark, and optional neighbours and years."""

    panel: tuple[Path, ...]
    council: str
    neighbours: Path | None = None
    first_year: str | None = None
    last_year: str | None = None
    strict: bool = False  # stop on any input problem instead of setting it aside


@dataclass(frozen=True)
class BenchmarkRun:
    result: object  # carecast.benchmark's analysis (deficits, regressions, quadrants, neighbours)
    report: Report


def run_benchmark(request: BenchmarkRequest, *, progress: Progress = quiet) -> BenchmarkRun:
    """In-year deficits, forward risk, spend per head, regressions, quadrants, contributions, neighbours."""
    with job_logged("benchmark", panels=len(request.panel), strict=request.strict):
        existing_file(
            request.neighbours,
            "statistical neighbours",
            "check the path, or leave out --neighbours",
        )
        progress(0.1, "Reading the panel")
        loaded = load_panel(list(request.panel))
        if request.strict and loaded.issues.height:
            first = loaded.issues.row(0, named=True)
            raise InputError(
                f"{loaded.issues.height} input problem(s), the first: {first['problem']}",
                fix=f"{first['fix']} (or run without --strict to set them aside and carry on)",
                where=Location(file=first["file"], row=first["row"], column=first["column"]),
            )
        progress(0.4, "Benchmarking")
        result = analyse(
            loaded,
            request.council,
            neighbours_file=request.neighbours,
            first_year=request.first_year,
            last_year=request.last_year,
        )
        inputs = [
            *map(str, request.panel),
            *([str(request.neighbours)] if request.neighbours else []),
        ]
        return BenchmarkRun(result, build_report(result, inputs=inputs))
