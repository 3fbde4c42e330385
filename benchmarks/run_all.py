"""Run every benchmark at its stated default size, one after another (``make bench``).

Runs each ``benchmarks/bench_*.py`` and then ``compare_cs_demand_model.py`` in its own process with
this interpreter, so one benchmark's memory never counts against the next and they never compete
for the 2 cores. Each script prints its own summary (data size, wall time, peak memory) as it
goes; at the end a table lists every script's exit code, wall time and the machine load when it
started, and the exit code is non-zero if any failed.

    python benchmarks/run_all.py                      # everything (tens of minutes on 2 cores)
    python benchmarks/run_all.py --only forecast compare_cs_demand_model
    python benchmarks/run_all.py --skip ingest synth --timeout 600
    python benchmarks/run_all.py --list
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

HERE = Path(__file__).resolve().parent
COMPARISON = "compare_cs_demand_model.py"


def scripts() -> list[Path]:
    """Every bench_*.py in name order, then the head-to-head comparison."""
    return [*sorted(HERE.glob("bench_*.py")), HERE / COMPARISON]


def short(path: Path) -> str:
    return path.stem.removeprefix("bench_")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these (e.g. forecast ingest)"
    )
    ap.add_argument("--skip", nargs="+", metavar="NAME", default=[], help="leave these out")
    ap.add_argument(
        "--timeout", type=float, default=1800, help="seconds allowed per script (default 1800)"
    )
    ap.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args = ap.parse_args()
    console = Console()
    chosen = [
        p
        for p in scripts()
        if (not args.only or short(p) in args.only or p.name in args.only)
        and short(p) not in args.skip
        and p.name not in args.skip
    ]
    known = {short(p) for p in scripts()} | {p.name for p in scripts()}
    unknown = [n for n in (args.only or []) + args.skip if n not in known]
    if unknown:
        console.print(
            f"[red]No benchmark called {', '.join(unknown)}[/red]; there are: "
            f"{', '.join(short(p) for p in scripts())}"
        )
        return 2
    if args.list:
        for p in chosen:
            console.print(f"{short(p):28} {p.relative_to(HERE.parent)}")
        return 0

    rows = []
    for p in chosen:
        load = os.getloadavg()[0]
        console.print(Rule(f"{p.name}  (machine load {load:.1f} on {os.cpu_count()} cores)"))
        t0 = time.perf_counter()
        try:
            code = subprocess.run(
                [sys.executable, str(p)], cwd=HERE.parent, timeout=args.timeout
            ).returncode
            status = "ok" if code == 0 else f"failed (exit {code})"
        except subprocess.TimeoutExpired:
            code, status = 1, f"stopped after {args.timeout:.0f} s"
        rows.append((p.name, status, time.perf_counter() - t0, load, code))

    table = Table(title="All benchmarks")
    for c in ("script", "status", "wall s", "load at start"):
        table.add_column(c, justify="right" if c in ("wall s", "load at start") else "left")
    for name, status, wall, load, code in rows:
        table.add_row(
            name, status if code == 0 else f"[red]{status}[/red]", f"{wall:.1f}", f"{load:.1f}"
        )
    console.print(table)
    return 0 if all(r[4] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
