"""Benchmark of high-needs (SEND) planning for one council and for several.

Data: ``carecast.send.synthetic`` (census years 2015-2024), written to CSV and read back through
the loader, so loading and validation are timed. Steps: synthetic generation, load + validate,
fit (3-year window), simulate (``--simulations`` × 5 years, plans by month × age 0-25 × setting),
the grant position (costing every simulated day), and a 3-origin backtest at 12 months.

Prints wall seconds per step, data size and peak memory (resource.getrusage maxrss).

    .venv/bin/python benchmarks/bench_send.py [--councils 1] [--simulations 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import warnings
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from carecast.send import SendModel, load_ehcp, load_grant, send_backtest, synthetic
from carecast.send.grant import high_needs_position
from carecast.send.params import default_annual_costs

GRANT = Path(__file__).resolve().parents[1] / "src/carecast/send/data/examples/grant.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=1)
    ap.add_argument("--simulations", type=int, default=1000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows: list[tuple[str, float, str]] = []

    def timed(label: str, fn, detail=lambda _r: ""):
        t = time.perf_counter()
        out = fn()
        rows.append((label, time.perf_counter() - t, detail(out)))
        return out

    syn = timed(
        "synthetic records",
        lambda: synthetic(args.councils, (2015, 2024), seed=1),
        lambda s: (
            f"{s.records.height:,} rows, {s.records.select('council', 'child_id').n_unique():,} children"
        ),
    )
    with tempfile.TemporaryDirectory() as d:
        syn.write(d)
        data = timed(
            "load + validate CSV",
            lambda: load_ehcp(Path(d) / "ehcp_records.csv", data_end=syn.data_end),
            lambda r: f"{r.quality.totals()['kept']:,} rows kept",
        )
    grant = load_grant(GRANT)
    costs = default_annual_costs()
    for council in data.records.get_column("council").unique().sort().to_list():
        recs = data.records.filter(pl.col("council") == council)
        model = timed(
            f"fit {council}",
            lambda recs=recs: SendModel().fit(recs, data_start=syn.data_start),
            lambda m: f"{m.engine.exposure_.sum() / 365.25:,.0f} plan-years in window",
        )
        fc = timed(
            f"simulate {args.simulations} × 5 years",
            lambda model=model: model.simulate(horizon_years=5, n_sims=args.simulations, seed=1),
            lambda f: f"{f.states_.size:,} cells",
        )
        timed(
            "cost against the grant",
            lambda fc=fc: high_needs_position(
                fc.month_dates, fc.columns, fc.states_.sum(axis=2), grant, costs
            ),
            lambda p: f"{len(p.years)} years",
        )
    recs = data.records.filter(pl.col("council") == data.records.get_column("council").min())
    timed(
        "backtest, 3 origins × 12 months",
        lambda: send_backtest(
            recs,
            [dt.date(2021, 3, 31), dt.date(2022, 3, 31), dt.date(2023, 3, 31)],
            n_sims=200,
            data_start=syn.data_start,
        ),
        lambda b: "model APE@12m {:.2f}% vs linear {:.2f}%".format(
            *[
                b.filter(pl.col("method") == m)["ape_at_horizon_pct"].mean()
                for m in ("model", "naive_linear_trend")
            ]
        ),
    )
    table = Table(
        title=f"carecast send benchmark: {args.councils} council(s), {args.simulations} simulations"
    )
    for c in ("step", "seconds", "detail"):
        table.add_column(c)
    for label, secs, detail in rows:
        table.add_row(label, f"{secs:.2f}", detail)
    Console().print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Console().print(f"total {sum(r[1] for r in rows):.1f} s; peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
