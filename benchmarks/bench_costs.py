"""Benchmark carecast.costs: projected cost bands, historic cost, and monthly budget monitoring.

Run: ``python benchmarks/bench_costs.py``. States data size, wall time and peak memory
(resource.getrusage maxrss, whole process so far) for each step, and prints a small table.
"""

from __future__ import annotations

import datetime as dt
import resource
import time

import numpy as np
import polars as pl

from carecast.costs import actual_costs, default_unit_costs, project_costs
from carecast.costs.budget.inputs import parse_plan
from carecast.costs.budget.outturn import monitor
from carecast.schema import load_categories


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, size: str, fn, rows: list) -> None:
    t0 = time.perf_counter()
    fn()
    rows.append((label, size, time.perf_counter() - t0, peak_mb()))


def main() -> None:
    rng = np.random.default_rng(42)
    cats = load_categories().category_ids
    uc = default_unit_costs()
    rows: list = []
    start = dt.date(2024, 4, 1)
    for sims, years, label in (
        (1000, 5, "one council"),
        (1000, 10, "10-year horizon"),
        (5000, 5, "5,000 simulations"),
    ):
        steps = 52 * years
        counts = rng.poisson(60, size=(sims, steps, len(cats))).astype(np.float32)
        dates = [start + dt.timedelta(weeks=k) for k in range(steps)]
        timed(
            f"project_costs ({label})",
            f"{sims} sims x {steps} weeks x {len(cats)} categories",
            lambda d=dates, c=counts: project_costs(d, cats, c, uc),
            rows,
        )
    n = 1_000_000
    decom = np.datetime64("2010-04-01") + rng.integers(0, 365 * 14, n).astype("timedelta64[D]")
    length = rng.integers(1, 900, n).astype("timedelta64[D]")
    dec = decom + length
    groups = np.array(list(load_categories().cost_groups))
    eps = pl.DataFrame(
        {
            "council": rng.integers(0, 33, n).astype(str),
            "child_id": rng.integers(0, 200_000, n).astype(str),
            "decom": decom,
            "dec": dec,
            "cost_group": groups[rng.integers(0, len(groups), n)],
            "data_end": np.full(n, np.datetime64("2024-03-31")),
            "is_short_break": rng.random(n) < 0.02,
        }
    ).with_columns(
        pl.col("decom").cast(pl.Date), pl.col("dec").cast(pl.Date), pl.col("data_end").cast(pl.Date)
    )
    eps = eps.with_columns(
        pl.when(pl.col("dec") > pl.col("data_end")).then(None).otherwise(pl.col("dec")).alias("dec")
    )
    timed(
        "actual_costs (England-sized history)",
        f"{n:,} episodes, 14 years",
        lambda: actual_costs(eps, uc),
        rows,
    )
    m = 20_000
    reg = pl.DataFrame(
        {
            "placement_id": [f"p{i}" for i in range(m)],
            "child_id": [f"c{i}" for i in range(m)],
            "cost_group": groups[rng.integers(0, len(groups), m)],
            "provider": ["P"] * m,
            "weekly_cost": np.where(rng.random(m) < 0.5, rng.uniform(400, 6000, m), np.nan),
            "start": (
                np.datetime64("2020-01-01") + rng.integers(0, 1600, m).astype("timedelta64[D]")
            ),
            "end": [None] * m,
            "share_social_care": [1.0] * m,
            "share_health": [0.0] * m,
            "share_education": [0.0] * m,
            "source_row": np.arange(2, m + 2),
        }
    ).with_columns(
        pl.col("start").cast(pl.Date),
        pl.col("end").cast(pl.Date),
        pl.col("weekly_cost").fill_nan(None),
    )
    plan = parse_plan(
        {
            "council": "Bench",
            "financial_year": 2024,
            "lines": {"placements": {"budget": 1e9, "cost_groups": list(groups)}},
        },
        "bench",
    )
    timed(
        "monitor (budget outturn)",
        f"{m:,} placements",
        lambda: monitor(plan, reg, uc, as_of=dt.date(2024, 9, 30)),
        rows,
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'data':<40}  {'wall s':>7}  {'peak MB':>8}")
    for label, size, secs, mb in rows:
        print(f"{label:<{width}}  {size:<40}  {secs:7.2f}  {mb:8.0f}")


if __name__ == "__main__":
    main()
