"""Benchmark of the demand forecast: fit + Monte Carlo for one council, 33 councils, England-sized.

Data: clean synthetic episodes from ``carecast.synth.generate`` (collection years 2015-2024, the
truth tables, so loading is not timed). Cases:

* one council (the one closest to 500 children in care at the start), 1,000 simulations × 5 years,
  on the NumPy engine and on the compiled kernel (the first includes loading numba);
* the 33 London councils, 1,000 simulations × 5 years, fitted per council on ``--workers`` processes
  (the compiled kernel, a region's default; target: under 8 s wall on 2 cores, i.e. 16 CPU-s);
* ``--england``: ``--england-councils`` (default 150) councils from ``carecast synth --like-england``:
  real councils' published sizes, from Rutland's to Birmingham's (not the London 33 replicated).

Prints wall and CPU seconds, children simulated, and peak memory (resource.getrusage maxrss, this
process and its worker processes).

    .venv/bin/python benchmarks/bench_forecast.py [--simulations 1000] [--workers 2] [--england]
        [--england-only] [--england-councils 150]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings

# Spawned worker processes import this module again (as __mp_main__): only light imports up here.


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> None:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from carecast.forecast import DemandModel, SparseDataWarning, forecast_councils
    from carecast.synth.generate import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--simulations", type=int, default=1000)
    ap.add_argument("--years", type=float, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--england", action="store_true")
    ap.add_argument("--england-councils", type=int, default=150)
    ap.add_argument(
        "--england-only", action="store_true", help="skip the one-council and 33-council cases"
    )
    args = ap.parse_args()
    warnings.simplefilter("ignore", SparseDataWarning)
    console = Console(width=150)
    with (
        tempfile.TemporaryDirectory() as tmp,
        console.status("Generating 33 London councils (synthetic)..."),
    ):
        res = generate(tmp, councils=33, years=(2015, 2024), seed=1, defects=False)
    episodes = res.episodes
    start = episodes.get_column("data_end").max()
    in_care = (
        episodes.filter(
            (pl.col("decom") <= start)
            & (pl.col("dec").is_null() | (pl.col("dec") > start))
            & ~pl.col("is_short_break")
        )
        .group_by("council")
        .agg(pl.col("child_id").n_unique().alias("children"))
    )
    rows = []

    def run(case: str, fn, n_councils: int, children: int) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        k0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        cpu_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - k0
        own, kids = _peak_mb()
        rows.append(
            (case, n_councils, children, args.simulations, wall, cpu, cpu_workers, own, kids)
        )

    one = (
        in_care.with_columns((pl.col("children") - 500).abs().alias("d"))
        .sort("d")
        .row(0, named=True)
    )
    one_eps = episodes.filter(pl.col("council") == one["council"])
    if not args.england_only:
        run(
            f"one council ({one['council']}), NumPy engine",
            lambda: (
                DemandModel()
                .fit(one_eps)
                .simulate(horizon_years=args.years, n_sims=args.simulations, seed=1)
            ),
            1,
            one["children"],
        )
        run(
            f"one council ({one['council']}), compiled kernel (numba loaded)",
            lambda: (
                DemandModel(compiled=True)
                .fit(one_eps)
                .simulate(horizon_years=args.years, n_sims=args.simulations, seed=1)
            ),
            1,
            one["children"],
        )
        total = int(in_care.get_column("children").sum())
        run(
            f"33 councils, {args.workers} workers",
            lambda: forecast_councils(
                episodes,
                horizon_years=args.years,
                n_sims=args.simulations,
                seed=1,
                workers=args.workers,
                keep_councils=False,
            ),
            33,
            total,
        )
    if args.england or args.england_only:
        from pathlib import Path

        from carecast.synth.england import like_england

        published = Path(__file__).resolve().parents[2] / "shared/external/dfe-published"
        plan = like_england(published, args.england_councils, (2015, 2024), seed=1)
        with (
            tempfile.TemporaryDirectory() as tmp,
            console.status("Generating councils like England's..."),
        ):
            england = generate(
                tmp,
                councils=plan.councils,
                years=(2015, 2024),
                seed=1,
                defects=False,
                params=plan.overrides,
            ).episodes
        n = england.get_column("council").n_unique()
        children = int(plan.imitated.get_column("stock").sum())
        run(
            f"England-sized ({n} councils like England's)",
            lambda: forecast_councils(
                england,
                horizon_years=args.years,
                n_sims=args.simulations,
                seed=1,
                workers=args.workers,
                keep_councils=False,
            ),
            n,
            children,
        )
    table = Table(
        title=f"carecast forecast: fit + {args.simulations} simulations × {args.years:g} years (weekly steps)"
    )
    for col in (
        "Case",
        "Councils",
        "Children at start",
        "Sims",
        "Wall s",
        "CPU s main",
        "CPU s workers",
        "Peak MB",
        "Workers peak MB",
    ):
        table.add_column(col, justify="right")
    for case, n, children, sims, wall, cpu, cpu_w, own, kids in rows:
        table.add_row(
            case,
            str(n),
            f"{children:,}",
            str(sims),
            f"{wall:.1f}",
            f"{cpu:.1f}",
            f"{cpu_w:.1f}",
            f"{own:,.0f}",
            f"{kids:,.0f}",
        )
    console.print(table)
    console.print(
        "Wall time depends on what else the machine runs; CPU seconds (main + workers) do much less."
    )


if __name__ == "__main__":
    main()
