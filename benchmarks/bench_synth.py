"""Benchmark: generate an England-sized synthetic SSDA903 set (the ingest benchmark's input).

Default size: 150 councils × 10 collection years (2015-2024) — every English council's returns,
several million episode rows across the returns. States the data size, wall time and peak
memory (``resource.getrusage`` maxrss) and prints a small table.

    .venv/bin/python benchmarks/bench_synth.py                       # England-sized
    .venv/bin/python benchmarks/bench_synth.py --councils 6 --years 2017-2024   # demo size
    .venv/bin/python benchmarks/bench_synth.py --keep DIR            # keep the files (for ingest)

Measured (23 Nov 2026, the shared 2-core build machine, other jobs running, seed 0):

    150 councils × 10 years: 745k children, 2.35M clean episodes, 3.51M episode rows written
    across the returns (+2.06M header and UASC rows), 11.6k planted defects, 320 MB of CSV;
    93 s wall, peak memory 1.43 GB (councils are simulated 12 at a time).
    6 London councils × 8 years (the demo size): about 3 s, 250 MB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from carecast.synth import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--years", default="2015-2024")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = ap.parse_args(argv)

    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_synth_")) / "out"
    stages: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            stages[stage] = time.perf_counter() - t0

    result = generate(
        out, councils=args.councils, years=args.years, seed=args.seed, progress=progress
    )
    wall = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(result.rows_written.values())

    table = Table(title="carecast synth benchmark")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in [
        (
            "councils × collection years",
            f"{len(result.councils)} × {result.years[1] - result.years[0] + 1}",
        ),
        ("children (truth)", f"{result.children.height:,}"),
        ("episodes (truth)", f"{result.episodes.height:,}"),
        ("episode rows written (all returns)", f"{result.rows_written['episodes']:,}"),
        (
            "header + uasc rows written",
            f"{result.rows_written['header'] + result.rows_written['uasc']:,}",
        ),
        ("planted defects", f"{len(result.defects):,}"),
        ("files on disk", f"{size_mb:,.0f} MB"),
        *[(f"… {stage} done at (s)", f"{t:.1f}") for stage, t in stages.items()],
        ("wall time (s)", f"{wall:.1f}"),
        ("rows written per second", f"{rows / wall:,.0f}"),
        ("peak memory (maxrss)", f"{peak_mb:,.0f} MB"),
    ]:
        table.add_row(name, value)
    Console().print(table)
    if args.keep is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
