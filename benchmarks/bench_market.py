"""Benchmark of carecast.market: directory import, matching a referral, and the pooled-risk simulation.

Data: a seeded example directory (``carecast.market.examples``) of N homes (default 3,000, the
issue's target) written as the carecast directory CSV and imported back through the validating
loader; one complete referral (M25 bail condition, two needs, 2:1 staffing) matched against it
(the issue's bar: under 200 ms); and a risk pool for the 33 London councils over 10,000
simulated years. Reports best-of-N wall time per stage and peak memory
(resource.getrusage maxrss, whole process so far).

    .venv/bin/python benchmarks/bench_market.py [--homes 3000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from carecast.market.directory import load_directory
from carecast.market.examples import example_directory, example_referral
from carecast.market.matching import match
from carecast.market.reports import directory_report
from carecast.market.riskpool import PoolData, group_councils, simulate_pool
from carecast.outputs import write_report

TARGET_MATCH_SECONDS = 0.200


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(n: int, fn):
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--homes", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--simulations", type=int, default=10000)
    args = ap.parse_args()
    rows = []
    directory = example_directory(args.homes, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory.csv"
        write_report(directory_report(directory, command="bench", inputs=[]), path)
        t, loaded = best_of(args.repeat, lambda: load_directory(path))
        rows.append(("import + validate directory CSV", f"{loaded.rows_read:,} rows", t, peak_mb()))
    referral = example_referral()
    match(referral, loaded)  # warm-up (imports, caches)
    t, result = best_of(args.repeat, lambda: match(referral, loaded))
    rows.append(
        (
            "match one referral",
            f"{loaded.homes.height:,} homes -> {result.shortlist.height} shortlisted",
            t,
            peak_mb(),
        )
    )
    london = group_councils("London")
    rng = np.random.default_rng(0)
    owner = rng.integers(0, len(london), 600)
    data = PoolData(
        london,
        rng.uniform(0.5, 6, len(london)),
        rng.uniform(1e5, 2e6, len(london)),
        owner=owner,
        weekly=rng.uniform(5000, 15000, owner.size),
        weeks=rng.uniform(4, 52, owner.size),
    )
    t, _ = best_of(
        max(1, args.repeat // 2),
        lambda: simulate_pool(data, rule="use", simulations=args.simulations, seed=1),
    )
    rows.append(
        (
            "risk pool simulation",
            f"{len(london)} councils x {args.simulations:,} years",
            t,
            peak_mb(),
        )
    )

    table = Table(title="carecast.market benchmark (best of repeats)")
    for col in ("stage", "data size", "wall time (ms)", "peak memory (MB)"):
        table.add_column(col)
    for stage, size, secs, mem in rows:
        table.add_row(stage, size, f"{secs * 1000:,.1f}", f"{mem:,.0f}")
    console = Console()
    console.print(table)
    match_secs = rows[1][2]
    verdict = "meets" if match_secs < TARGET_MATCH_SECONDS else "MISSES"
    console.print(
        f"matching {verdict} the {TARGET_MATCH_SECONDS * 1000:.0f} ms target on {loaded.homes.height:,} homes"
    )


if __name__ == "__main__":
    main()
