"""Rolling backtests pooled over many synthetic regions, steady and moving: are the bands honest?

One region and four origins give a few points that move together, so one run's band coverage is
mostly that run's luck. This script generates ``--seeds`` synthetic regions of ``--councils``
councils (collection years 2015-2024, planted defects, loaded through ``load_returns`` as
``carecast backtest`` does) in each kind of world:

* **steady**: ``carecast synth``'s defaults, entries Poisson around one 2%-a-year trend;
* **moving**: a monthly entry shock shared by the region's councils and persisting for months
  (``--entry-shock-sd``, ``--entry-shock-persistence``), each council's own shock
  (``--council-shock-sd``), and council trends drawn from ``--trend-range``;

runs the same rolling backtest on each (``backtest(..., rolling=True, horizon_months=24)``, the
default four yearly origins, ``--simulations`` per origin, seed 1), and pools, 12 and 24 months
ahead, for the region total and every council's total:

* the share of actuals inside the 50% and 90% bands, with 95% Clopper-Pearson intervals
  (``scipy.stats.binomtest``);
* MAPE of the model's mean against the last value and a linear trend through annual counts;
* the persistence of entries each region origin fitted (shared and councils' own).

    .venv/bin/python benchmarks/backtest_pooled.py [--seeds 0-7] [--councils 4]
        [--simulations 500] [--worlds steady,moving] [--out pooled.json]

CPU seconds (``time.process_time``) are reported: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table
from scipy.stats import binomtest

from carecast.forecast import SparseDataWarning
from carecast.forecast.backtest import backtest
from carecast.ingest import load_returns
from carecast.synth import generate

HORIZONS = (12, 24)
POINTS = {"model": "mean", "last value": "naive_last_value", "linear trend": "naive_linear_trend"}


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi) + 1)) if hi else [int(s) for s in text.split(",")]


def _coverage(inside: np.ndarray) -> dict[str, float]:
    """Share inside a band (%) with its 95% Clopper-Pearson interval."""
    k, n = int(inside.sum()), int(inside.size)
    ci = binomtest(k, n).proportion_ci(0.95) if n else None
    return {
        "pct": 100 * k / n if n else float("nan"),
        "low": 100 * ci.low if ci else float("nan"),
        "high": 100 * ci.high if ci else float("nan"),
        "n": n,
    }


def scores(rows: pl.DataFrame) -> dict:
    """Coverage and MAPE of (series, origin) rows at one horizon."""
    a = rows["actual"].to_numpy()
    out = {
        "in_50": _coverage((a >= rows["p25"].to_numpy()) & (a <= rows["p75"].to_numpy())),
        "in_90": _coverage((a >= rows["p5"].to_numpy()) & (a <= rows["p95"].to_numpy())),
    }
    for name, col in POINTS.items():
        out[f"mape {name}"] = float(np.mean(np.abs(rows[col].to_numpy() - a) / a) * 100)
    return out


def world_params(world: str, args: argparse.Namespace) -> dict:
    if world == "steady":
        return {}
    low, high = (float(x) / 100 for x in args.trend_range.split(","))
    return {
        "entries.shock_sd": args.entry_shock_sd,
        "entries.shock_persistence": args.entry_shock_persistence,
        "entries.council_shock_sd": args.council_shock_sd,
        "entries.trend_range": [low, high],
    }


def run_world(world: str, args: argparse.Namespace, tmp: Path, console: Console) -> dict:
    region, councils, fitted = [], [], []
    for seed in _seeds(args.seeds):
        with console.status(
            f"{world} world, seed {seed}: synth {args.councils} councils, rolling backtest..."
        ):
            folder = tmp / f"{world}{seed}"
            generate(
                folder,
                councils=args.councils,
                years=(2015, 2024),
                seed=seed,
                params=world_params(world, args),
            )
            episodes = load_returns(folder).episodes
            bt = backtest(
                episodes,
                rolling=True,
                horizon_months=max(HORIZONS),
                n_sims=args.simulations,
                seed=1,
            )
        for o in bt.origins:
            tag = [pl.lit(seed).alias("seed"), pl.lit(o.origin.isoformat()).alias("origin")]
            region.append(
                o.table.filter(
                    (pl.col("breakdown") == "total") & pl.col("horizon_month").is_in(HORIZONS)
                ).with_columns(*tag)
            )
            for council, t in o.council_tables.items():
                councils.append(
                    t.filter(pl.col("horizon_month").is_in(HORIZONS)).with_columns(
                        *tag, pl.lit(council).alias("council")
                    )
                )
            shock = o.regional_entry_shock or {}
            fitted.append(
                {
                    "seed": seed,
                    "origin": o.origin.isoformat(),
                    "shared_persistence": (shock.get("persistent") or {}).get(
                        "persistence_per_month"
                    ),
                    "shared_cv": (shock.get("persistent") or {}).get("monthly_cv"),
                }
            )
        console.print(f"{world} world, seed {seed} done: {time.process_time():.0f} CPU s so far")
    out: dict = {"fitted_shared_persistence": fitted}
    for series, frames in (("region", region), ("council", councils)):
        rows = pl.concat(frames)
        out[series] = {h: scores(rows.filter(pl.col("horizon_month") == h)) for h in HORIZONS}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", default="0-7", help="synthetic seeds: a range 0-7 or a list 0,3,5")
    ap.add_argument("--councils", type=int, default=4)
    ap.add_argument("--simulations", type=int, default=500)
    ap.add_argument("--worlds", default="steady,moving")
    ap.add_argument("--entry-shock-sd", type=float, default=0.12)
    ap.add_argument("--entry-shock-persistence", type=float, default=0.9)
    ap.add_argument("--council-shock-sd", type=float, default=0.08)
    ap.add_argument("--trend-range", default="-3,5", help="councils' yearly entry trends, % a year")
    ap.add_argument("--out", type=Path, help="write the pooled scores as JSON")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SparseDataWarning)
    console = Console(width=max(Console().width, 120))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory(prefix="carecast-pooled-") as tmp:
        for world in args.worlds.split(","):
            results[world] = run_world(world, args, Path(tmp), console)
    t = Table(
        title=f"Rolling backtests pooled over {args.seeds} synthetic regions of {args.councils} councils × "
        f"4 origins, {args.simulations} simulations"
    )
    for col in (
        "world",
        "series",
        "months ahead",
        "in 50% band (95% CI)",
        "in 90% band (95% CI)",
        "points",
        "MAPE model %",
        "MAPE last value %",
        "MAPE linear trend %",
    ):
        t.add_column(col, justify="left" if col in ("world", "series") else "right")
    band = lambda c: f"{c['pct']:.0f}% ({c['low']:.0f}-{c['high']:.0f})"  # noqa: E731
    for world, res in results.items():
        for series in ("region", "council"):
            for h, sc in res[series].items():
                t.add_row(
                    world,
                    series,
                    str(h),
                    band(sc["in_50"]),
                    band(sc["in_90"]),
                    str(sc["in_90"]["n"]),
                    f"{sc['mape model']:.2f}",
                    f"{sc['mape last value']:.2f}",
                    f"{sc['mape linear trend']:.2f}",
                )
    console.print(t)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    console.print(f"{cpu:.0f} CPU s (this process), {wall:.0f} s wall")
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "arguments": vars(args) | {"out": str(args.out)},
                    "results": results,
                    "cpu_s": cpu,
                    "wall_s": wall,
                },
                indent=1,
                default=str,
            )
        )
        console.print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
