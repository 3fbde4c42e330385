"""Benchmark of `carecast benchmark`: load a panel, run every analysis, build and write the report.

Data: a synthetic panel of every council carecast knows over 10 financial years, about 30
measures each (~46,000 figures for 154 councils), written as XLSX and read back through the loader. Prints wall
time per stage and peak memory (resource.getrusage maxrss).

    .venv/bin/python benchmarks/bench_benchmarking.py [--years 10] [--repeat 3]
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
    timings: dict[str, tuple[float, float]] = {}

    def timed(stage: str, fn):
        """Best wall and CPU seconds over the repeats (CPU time is steadier on a shared machine)."""
        best, best_cpu = float("inf"), float("inf")
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            best, best_cpu = (
                min(best, time.perf_counter() - t0),
                min(best_cpu, time.process_time() - c0),
            )
        timings[stage] = (best, best_cpu)
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

    table = Table(
        title=f"carecast benchmark: {len(names)} councils x {args.years} years, "
        f"{panel.data.height:,} figures (best of {args.repeat})"
    )
    table.add_column("stage")
    table.add_column("wall s", justify="right")
    table.add_column("cpu s", justify="right")
    for stage, (wall, cpu) in timings.items():
        table.add_row(stage, f"{wall:.3f}", f"{cpu:.3f}")
    table.add_row(
        "total",
        f"{sum(w for w, _ in timings.values()):.3f}",
        f"{sum(c for _, c in timings.values()):.3f}",
    )
    console = Console()
    console.print(table)
    console.print(f"peak memory (maxrss): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
