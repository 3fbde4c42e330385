"""Benchmark of `carecast benchmark`: load a panel, run every analysis, build and write the report.

Data: a synthetic panel of every council carecast knows over 10 financial years, about 30
measures each (~46,000 figures for 154 councils), written as XLSX and read back through the loader. Prints wall
time per stage and peak memory (resource.getrusage maxrss).

    /work/venv/bin/python benchmarks/bench_benchmarking.py [--years 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from carecast.benchmark import analyse, build_report, load_panel, synthetic_panel, write_panel
from carecast.outputs import write_report
from carecast.schema import councils


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    names = [c.name for c in councils()]
    years = range(2024 - args.years, 2024)
    timings: dict[str, float] = {}

    def timed(stage: str, fn):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        timings[stage] = best
        return out

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        frame = timed("synthetic_panel", lambda: synthetic_panel(names, years, seed=1))
        path = timed("write_panel (xlsx)", lambda: write_panel(frame, tmpdir / "panel.xlsx"))
        panel = timed("load_panel (xlsx)", lambda: load_panel(path))
        result = timed("analyse", lambda: analyse(panel, "Lewisham"))
        report = timed("build_report", lambda: build_report(result))
        timed("write xlsx", lambda: write_report(report, tmpdir / "r.xlsx"))
        timed("write html", lambda: write_report(report, tmpdir / "r.html"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    table = Table(title=f"carecast benchmark: {len(names)} councils x {args.years} years, "
                        f"{panel.data.height:,} figures (best of {args.repeat})")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in timings.items():
        table.add_row(stage, f"{seconds:.3f}")
    table.add_row("total", f"{sum(timings.values()):.3f}")
    console = Console()
    console.print(table)
    console.print(f"peak memory (maxrss): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
