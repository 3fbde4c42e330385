"""Rolling backtests pooled over several synthetic regions: is the forecast calibrated, not just lucky?

One region and four origins give 48 monthly points that move together, so one run's band coverage
is mostly that run's luck (a 6-council region at seed 1 held 79% in its 90% band, at seed 2 98%).
This script generates ``--seeds`` synthetic regions (``carecast synth``'s defaults: ``--councils``
councils, collection years 2015-2024, planted defects, loaded through ``load_returns`` as
``carecast backtest`` does), runs the same rolling 12-month backtest on each (``backtest(...,
rolling=True)``, the default four yearly origins, ``--simulations`` per origin, seed 1), and pools:

* the region total: MAPE, bias, error at month 12 and the share of actual months inside the 50%
  and 90% bands, over every (seed, origin, month), for the model and both naive baselines;
* every council's own total: the same, averaged over (seed, council) series;
* the regional entry shock each region origin estimated (σc², the variance of the monthly entry
  multiplier the councils share; synthetic councils are independent, so it should be near 0).

    .venv/bin/python benchmarks/backtest_pooled.py [--seeds 0-7] [--councils 6]
        [--simulations 500] [--out pooled.json]

About 25 s per seed for 6 councils at 500 simulations on the shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from carecast.forecast import SparseDataWarning
from carecast.forecast.backtest import METHODS, backtest
from carecast.ingest import load_returns
from carecast.synth import generate

LABELS = {"model": "model", "naive_last_value": "last value", "naive_linear_trend": "linear trend (annual counts)"}


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi) + 1)) if hi else [int(s) for s in text.split(",")]


def _scores(rows: pl.DataFrame, method: str) -> dict[str, float | None]:
    """Pooled scores of one method over (series, origin, month) rows of the total."""
    point = "mean" if method == "model" else method
    err = ((rows[point] - rows["actual"]) / rows["actual"] * 100).to_numpy()
    last = (rows["horizon_month"] == rows["horizon_month"].max()).to_numpy()
    out: dict[str, float | None] = {"mape_pct": float(np.abs(err).mean()), "bias_pct": float(err.mean()),
                                    "ape_at_horizon_pct": float(np.abs(err[last]).mean()),
                                    "in_50_band_pct": None, "in_90_band_pct": None}
    if method == "model":
        a = rows["actual"]
        out["in_50_band_pct"] = float(((a >= rows["p25"]) & (a <= rows["p75"])).mean() * 100)
        out["in_90_band_pct"] = float(((a >= rows["p5"]) & (a <= rows["p95"])).mean() * 100)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0-7", help="synthetic seeds: a range 0-7 or a list 0,3,5")
    ap.add_argument("--councils", type=int, default=6)
    ap.add_argument("--simulations", type=int, default=500)
    ap.add_argument("--out", type=Path, help="write the pooled scores as JSON")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SparseDataWarning)
    console = Console(width=max(Console().width, 110))
    seeds = _seeds(args.seeds)
    region, councils, shocks = [], [], []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="carecast-pooled-") as tmp:
        for seed in seeds:
            with console.status(f"seed {seed}: synth {args.councils} councils, rolling backtest..."):
                folder = Path(tmp) / f"S{seed}"
                generate(folder, councils=args.councils, years=(2015, 2024), seed=seed)
                episodes = load_returns(folder).episodes
                bt = backtest(episodes, rolling=True, n_sims=args.simulations, seed=1)
            for o in bt.origins:
                if o.regional_entry_shock:
                    shocks.append(o.regional_entry_shock["variance"])
                tag = [pl.lit(seed).alias("seed"), pl.lit(o.origin.isoformat()).alias("origin")]
                region.append(o.table.filter((pl.col("breakdown") == "total") & (pl.col("horizon_month") > 0))
                              .with_columns(*tag))
                if o.by_council is not None:
                    councils.append(o.by_council.with_columns(*tag))
    wall = time.perf_counter() - t0
    rows = pl.concat(region)
    pooled = {m: _scores(rows, m) for m in METHODS}
    per_council = {}
    if councils:
        c = pl.concat(councils)
        for m in METHODS:
            sub = c.filter(pl.col("method") == m)
            per_council[m] = {k: (None if sub[k].null_count() else float(sub[k].mean()))
                              for k in ("mape_pct", "bias_pct", "ape_at_horizon_pct", "in_50_band_pct",
                                        "in_90_band_pct")}
    n_origins = rows.select("seed", "origin").unique().height
    t = Table(title=f"Total children in care, 12 months ahead: {len(seeds)} synthetic regions of {args.councils} "
                    f"councils × rolling origins = {n_origins} region origins, {rows.height} monthly points")
    for col in ("series", "method", "MAPE %", "bias %", "APE month 12 %", "in 50% band", "in 90% band"):
        t.add_column(col, justify="left" if col in ("series", "method") else "right")
    fmt = lambda v, band=False: "" if v is None else (f"{v:.1f}%" if band else f"{v:.2f}")  # noqa: E731
    for series, table in (("region", pooled), ("mean over councils", per_council)):
        for m, sc in table.items():
            t.add_row(series if m == "model" else "", LABELS[m], fmt(sc["mape_pct"]), fmt(sc["bias_pct"]),
                      fmt(sc["ape_at_horizon_pct"]), fmt(sc["in_50_band_pct"], True), fmt(sc["in_90_band_pct"], True))
    console.print(t)
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    if shocks:
        console.print(f"regional entry shock σc² over {len(shocks)} region origins: mean {np.mean(shocks):.4f}, "
                      f"max {np.max(shocks):.4f}, 0 at {sum(v == 0 for v in shocks)}")
    console.print(f"seeds {seeds}; {args.simulations} simulations per origin; {wall:.0f} s wall; "
                  f"peak memory {peak / 1024:.0f} MB")
    if args.out:
        args.out.write_text(json.dumps({"seeds": seeds, "councils": args.councils, "simulations": args.simulations,
                                        "region_origins": n_origins, "monthly_points": rows.height,
                                        "region": pooled, "mean_over_councils": per_council,
                                        "regional_entry_shock_variance": shocks,
                                        "wall_s": wall}, indent=1))
        console.print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
