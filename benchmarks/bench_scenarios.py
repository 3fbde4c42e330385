"""Benchmark of scenarios and sufficiency: baseline + CCN optimised with common random numbers.

Data: clean synthetic episodes from ``carecast.synth.generate`` (``--councils`` councils, collection
years 2018-2024, the truth tables, so loading is not timed). Cases:

* ``run_scenarios`` with baseline and ccn_optimised, ``--simulations`` × 5 years, all councils;
* the same with the baseline alone (the cost of a plain forecast through the scenario path);
* ``assess_region`` for the councils as a group, with the provider register.

Prints wall and CPU seconds, peak memory (resource.getrusage maxrss) and the headline net saving.

    .venv/bin/python benchmarks/bench_scenarios.py [--councils 2] [--simulations 500]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from carecast.forecast import SparseDataWarning
from carecast.scenarios import load_scenario, run_scenarios
from carecast.sufficiency import assess_region, parse_capacity
from carecast.sufficiency.region import load_providers
from carecast.synth.generate import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=2)
    ap.add_argument("--simulations", type=int, default=500)
    args = ap.parse_args()
    warnings.simplefilter("ignore", SparseDataWarning)
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        with console.status("Generating synthetic returns..."):
            res = generate(tmp, councils=args.councils, years=(2018, 2024), seed=1, defects=False)
        providers = load_providers(Path(tmp) / "providers.csv")
    episodes = res.episodes
    councils = sorted(episodes.get_column("council").unique().to_list())
    children = episodes.filter(pl.col("dec").is_null()).get_column("child_id").n_unique()
    rows = []

    def run(case: str, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        rows.append((case, time.perf_counter() - t0, time.process_time() - c0))
        return out

    sims = args.simulations
    both = run(
        f"baseline + ccn_optimised, {sims} sims × 5 y",
        lambda: run_scenarios(
            episodes,
            [load_scenario("baseline"), load_scenario("ccn_optimised")],
            horizon_years=5,
            n_sims=sims,
            seed=1,
        ),
    )
    run(
        f"baseline only, {sims} sims × 5 y",
        lambda: run_scenarios(
            episodes, [load_scenario("baseline")], horizon_years=5, n_sims=sims, seed=1
        ),
    )
    caps = [
        parse_capacity(
            {
                "council": c,
                "as_at": str(both.start),
                "foster_households": {"current_households": 100},
            },
            c,
        )
        for c in councils
    ]
    region = run(
        f"regional sufficiency, {sims} sims × 5 y",
        lambda: assess_region(
            episodes,
            caps,
            label="group",
            members=councils,
            providers=providers,
            horizon_years=5,
            n_sims=sims,
            seed=1,
        ),
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(
        title=f"{len(councils)} council(s), {children:,} children with open episodes in the data, "
        f"peak memory {peak:,.0f} MB"
    )
    for col in ("Case", "Wall s", "CPU s"):
        table.add_column(col, justify="right")
    for case, wall, cpu in rows:
        table.add_row(case, f"{wall:.1f}", f"{cpu:.1f}")
    console.print(table)
    net = both.net_saving().filter(pl.col("financial_year") == "whole horizon").row(0, named=True)
    console.print(
        f"ccn_optimised net saving over 5 years: £{net['net_saving_mean'] / 1e6:,.1f}m "
        f"(90% band £{net['net_saving_p5'] / 1e6:,.1f}m to £{net['net_saving_p95'] / 1e6:,.1f}m); "
        f"adolescent residential gap rows: {region.adolescents.by_year.height}"
    )


if __name__ == "__main__":
    main()
