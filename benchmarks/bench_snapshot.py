"""Benchmark: a placement snapshot of an England-sized data set (target: under 10 seconds).

England had ~83,000 children looked after on 31 March 2024 across 153 councils. This script builds
cleaned episode and children tables of that size directly (vectorised NumPy; five years of history,
several episodes per child) plus a provider register of ~3,000 children's homes, then times
``take_snapshot`` for the whole of England as the region (the largest case: every council placing,
every table) and for London, and the report build. It does not need the synthetic generator.

Run: ``.venv/bin/python benchmarks/bench_snapshot.py [--children 200000] [--seed 7]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from carecast.outputs import write_report
from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform, councils
from carecast.snapshot import take_snapshot, to_report

DATE = dt.date(2024, 3, 31)
CATEGORIES = np.array(
    [
        "fostering_in_house",
        "fostering_ifa",
        "kinship",
        "residential_in_house",
        "residential_external",
        "supported",
        "secure",
        "placed_with_parents",
        "other",
    ]
)
CATEGORY_P = np.array([0.30, 0.26, 0.13, 0.01, 0.09, 0.08, 0.01, 0.07, 0.05])


def make_data(n_children: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    names = np.array([c.name for c in councils()])
    n_c = len(names)
    council = rng.integers(0, n_c, n_children)
    episodes_per_child = rng.integers(1, 7, n_children)
    n_eps = int(episodes_per_child.sum())
    child = np.repeat(np.arange(n_children), episodes_per_child)
    seq = np.arange(n_eps) - np.repeat(
        np.cumsum(episodes_per_child) - episodes_per_child, episodes_per_child
    )
    is_last = seq == np.repeat(episodes_per_child - 1, episodes_per_child)
    start0 = DATE - dt.timedelta(days=5 * 365)
    first = rng.integers(0, 5 * 365, n_children)
    length = rng.integers(20, 400, n_eps)
    before = np.cumsum(length) - length  # days of earlier episodes, over all children
    within = before - np.repeat(
        before[np.cumsum(episodes_per_child) - episodes_per_child], episodes_per_child
    )
    offsets = first[child] + within
    decom = np.datetime64(start0) + offsets.astype("timedelta64[D]")
    dec = decom + length.astype("timedelta64[D]")
    still_open = is_last & (rng.random(n_eps) < 0.25)
    ep_council = council[child]
    host = np.where(rng.random(n_eps) < 0.55, ep_council, rng.integers(0, n_c, n_eps))
    n_homes = 3000
    home_host = rng.integers(0, n_c, n_homes)
    urns = np.char.add("SC", (np.arange(n_homes) + 100000).astype(str))
    category = CATEGORIES[rng.choice(len(CATEGORIES), n_eps, p=CATEGORY_P)]
    resid = np.isin(category, ["residential_external", "residential_in_house"])
    home = rng.integers(0, n_homes, n_eps)
    host = np.where(resid, home_host[home], host)
    dob = np.datetime64(DATE) - (rng.uniform(0, 18, n_children) * 365.25).astype("timedelta64[D]")
    episodes = pl.DataFrame(
        {
            "council": names[ep_council],
            "child_id": np.char.add("C", child.astype(str)),
            "decom": decom,
            "dec": pl.Series(dec).set(pl.Series(still_open), None),
            "category": category,
            "urn": pl.Series(urns[home]).scatter(np.flatnonzero(~resid), None),
            "placement_la": names[host],
            "distance_miles": rng.lognormal(2.0, 1.2, n_eps),
            "sex": rng.integers(1, 3, n_eps).astype(np.int8),
            "dob": dob[child],
            "source_row": np.arange(n_eps),
            "is_short_break": rng.random(n_eps) < 0.01,
        }
    )
    children = pl.DataFrame(
        {
            "council": names[council],
            "child_id": np.char.add("C", np.arange(n_children).astype(str)),
            "sex": rng.integers(1, 3, n_children).astype(np.int8),
            "dob": dob,
            "ethnic": np.where(rng.random(n_children) < 0.6, "WBRI", "BAFR"),
        }
    )
    register = pl.DataFrame(
        {
            "urn": urns,
            "council": names[home_host],
            "places": rng.integers(1, 9, n_homes).astype(str),
            "type": "Children's home",
            "owner": np.where(rng.random(n_homes) < 0.85, "Private", "Local authority"),
            "ofsted_rating": rng.choice(
                ["Outstanding", "Good", "Requires improvement", "Inadequate"], n_homes
            ),
        }
    )
    return conform(episodes, EPISODE_COLUMNS), conform(children, CHILDREN_COLUMNS), register


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--children",
        type=int,
        default=160_000,
        help="children in five years of history (160,000 gives ~85,000 open on the date)",
    )
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    console = Console(width=130)
    t0 = time.perf_counter()
    episodes, children, register = make_data(args.children, args.seed)
    build_s = time.perf_counter() - t0
    regions = sorted({c.region for c in councils()})
    rows = []
    for label, region in (("England", "england"), ("London", "london")):
        t = time.perf_counter()
        snap = take_snapshot(episodes, children, date=DATE, region=region, providers=register)
        snap_s = time.perf_counter() - t
        t = time.perf_counter()
        report = to_report(snap)
        report_s = time.perf_counter() - t
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            for ext in ("xlsx", "html", "json"):
                write_report(report, Path(tmp) / f"snapshot.{ext}")
        write_s = time.perf_counter() - t
        rows.append((label, snap.total_placements, len(snap.coverage), snap_s, report_s, write_s))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(
        title=f"Snapshot benchmark: {episodes.height:,} episodes, {children.height:,} children, "
        f"{register.height:,} homes, {len(councils())} councils ({len(regions)} regions)"
    )
    for col in (
        "region",
        "placements open",
        "councils",
        "take_snapshot s",
        "to_report s",
        "write xlsx+html+json s",
        "snapshot target",
    ):
        table.add_column(col, justify="right" if col != "region" else "left")
    for label, n, k, s, r, w in rows:
        table.add_row(
            label,
            f"{n:,}",
            str(k),
            f"{s:.2f}",
            f"{r:.2f}",
            f"{w:.2f}",
            "ok (<10 s)" if s + r < 10 else "SLOW",
        )
    console.print(table)
    console.print(f"data build {build_s:.1f} s; peak memory (maxrss) {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
