"""Benchmark of scenarios for councils like England's on a local Dask cluster, 1 and 2 workers.

Data: ``--councils`` councils from ``carecast synth --like-england`` (real councils' published
sizes; 150 = England-sized), collection years 2015-2024, clean. Six scenarios (baseline,
ccn_optimised, and four lever files: fewer entries, step-downs, more exits, all three) run with
``run_scenarios`` through a ``distributed.LocalCluster`` of single-threaded worker processes
(``--workers 1,2``), each council fitted once where it runs and simulated in every scenario.

Prints, per cluster size: wall seconds, CPU seconds summed over the workers (each worker's
``time.process_time`` read before and after through ``Client.run``) and in the main process, the
speed-up over one worker, and whether the numbers equal the one-worker run's (they must).

    .venv/bin/python benchmarks/bench_dask.py [--councils 150] [--simulations 1000] [--years 5]
        [--workers 1,2]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

LEVERS = {
    "fewer_entries": "  - {lever: reduce_entries, start: 2025-04-01, percent: 10}\n",
    "step_down": "  - {lever: step_down, start: 2025-04-01, percent: 30, after_weeks: 26}\n",
    "more_exits": "  - {lever: raise_exits, start: 2025-04-01, percent: 20}\n",
}


def _worker_cpu(client) -> float:
    return sum(client.run(time.process_time).values())


def main() -> None:
    import numpy as np
    from distributed import Client, LocalCluster
    from rich.console import Console
    from rich.table import Table

    from carecast.forecast import SparseDataWarning
    from carecast.scenarios import load_scenario, parse_scenario, run_scenarios
    from carecast.synth.england import like_england
    from carecast.synth.generate import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--simulations", type=int, default=1000)
    ap.add_argument("--years", type=float, default=5)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SparseDataWarning)
    console = Console(width=150)
    published = Path(__file__).resolve().parents[2] / "shared/external/dfe-published"
    plan = like_england(published, args.councils, (2015, 2024), seed=1)
    with (
        tempfile.TemporaryDirectory() as tmp,
        console.status("Generating councils like England's..."),
    ):
        episodes = generate(
            tmp,
            councils=plan.councils,
            years=(2015, 2024),
            seed=1,
            defects=False,
            params=plan.overrides,
        ).episodes
    scenarios = [load_scenario("baseline"), load_scenario("ccn_optimised")]
    scenarios += [
        parse_scenario(f"scenario: {name}\nlevers:\n{lever}") for name, lever in LEVERS.items()
    ]
    scenarios.append(parse_scenario("scenario: all_three\nlevers:\n" + "".join(LEVERS.values())))
    rows, reference = [], None
    for n in (int(w) for w in args.workers.split(",")):
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                memory_limit=0,
            ) as cluster,
            Client(cluster) as client,
        ):
            k0, c0, t0 = _worker_cpu(client), time.process_time(), time.perf_counter()
            comparison = run_scenarios(
                episodes,
                scenarios,
                horizon_years=args.years,
                n_sims=args.simulations,
                seed=1,
                scheduler=cluster.scheduler_address,
            )
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            workers_cpu = _worker_cpu(client) - k0
        counts = [run.result.sim_counts_ for run in comparison.runs]
        same = reference is None or all(
            np.array_equal(a, b) for a, b in zip(reference, counts, strict=True)
        )
        reference = reference or counts
        rows.append((n, wall, cpu, workers_cpu, same))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = int(plan.imitated.get_column("stock").sum())
    table = Table(
        title=f"{episodes.get_column('council').n_unique()} councils like England's ({children:,} "
        f"children), {len(scenarios)} scenarios × {args.simulations} sims × {args.years:g} years; "
        f"main process peak {peak:,.0f} MB"
    )
    for col in (
        "Workers",
        "Wall s",
        "CPU s main",
        "CPU s workers",
        "Speed-up (wall)",
        "Same numbers",
    ):
        table.add_column(col, justify="right")
    for n, wall, cpu, workers_cpu, same in rows:
        table.add_row(
            str(n),
            f"{wall:.1f}",
            f"{cpu:.1f}",
            f"{workers_cpu:.1f}",
            f"{rows[0][1] / wall:.2f}×",
            "yes" if same else "NO",
        )
    console.print(table)
    console.print("Wall time depends on what else the machine runs; CPU seconds much less.")


if __name__ == "__main__":
    main()
