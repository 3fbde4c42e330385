"""Benchmark: load + validate + clean an England-sized set of SSDA903 returns.

Generates raw return files (header.csv + episodes.csv per council per collection year, in the real
903 CSV layout with dd/mm/yyyy dates) for N councils x Y years with a fast vectorised generator
of its own (children enter at random, have 1+Poisson(2) contiguous episodes of exponential length,
the last may be open; each year's return repeats every episode open during that year, so
duplicates across returns are the norm as in real data), then times ``load_returns`` in a fresh
child process and reports wall time, episodes per second and the child's peak memory
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``).

    python benchmarks/bench_ingest.py                  # 150 councils x 10 years (~3.5M rows read)
    python benchmarks/bench_ingest.py --councils 10 --years 5 --children 2000   # quick
    python benchmarks/bench_ingest.py --keep DIR       # keep (or reuse) the generated files
    python benchmarks/bench_ingest.py --synth --councils 20   # carecast.synth's realistic returns
    python benchmarks/bench_ingest.py --synth --like-england --councils 20   # ... sized like real councils
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from carecast.schema.councils import councils
from carecast.schema.years import collection_year_bounds

PLACES = np.array(["U4", "U6", "U1", "U3", "K2", "H5", "P1", "R1", "S1", "Z1"])
PLACE_P = np.array([0.35, 0.2, 0.1, 0.07, 0.1, 0.08, 0.05, 0.02, 0.02, 0.01])
PROVIDERS = np.array(["PR1", "PR4", "PR5", "PR2"])
LS = np.array(["C2", "C1", "V2", "E1", "V3", "J1"])
LS_P = np.array([0.5, 0.15, 0.25, 0.05, 0.04, 0.01])


def _fmt(days: np.ndarray) -> pl.Series:
    """Days since 1970-01-01 (NaN = blank) as dd/mm/yyyy strings."""
    s = pl.Series(days).cast(pl.Int32, strict=False).cast(pl.Date)
    return s.dt.strftime("%d/%m/%Y")


def generate(out: Path, n_councils: int, years: list[int], children: int, seed: int) -> int:
    """Write the raw files; return the number of episode rows written."""
    rng = np.random.default_rng(seed)
    start = (
        np.datetime64(collection_year_bounds(years[0])[0]) - np.datetime64("1970-01-01")
    ).astype(int)
    end = (
        np.datetime64(collection_year_bounds(years[-1])[1]) - np.datetime64("1970-01-01")
    ).astype(int)
    names = [c.name for c in councils() if c.end_year is None][:n_councils]
    total = 0
    for name in names:
        n = children
        entry = rng.integers(start - 700, end, n)
        dob = entry - rng.integers(0, int(17.5 * 365), n)
        k = 1 + rng.poisson(2.0, n)
        child = np.repeat(np.arange(1, n + 1), k)
        lengths = np.maximum(1, rng.exponential(220, k.sum())).astype(int)
        offsets = np.cumsum(lengths) - lengths
        first = np.repeat(np.cumsum(k) - k, k)
        decom = np.repeat(entry, k) + offsets - offsets[first]
        dec = decom + lengths
        last = np.r_[first[1:] != first[:-1], True]
        age18 = np.repeat(dob, k) + int(18 * 365.25) - 1
        dec = np.minimum(dec, age18)
        keep = decom < np.minimum(dec, end)
        still_open = dec > end
        m = len(child)
        frame = pl.DataFrame(
            {
                "CHILD": child.astype(str),
                "_decom": decom,
                "_dec": np.where(still_open, -1, dec),
                "RNE": np.where(
                    np.r_[True, first[1:] != first[:-1]], "S", rng.choice(["P", "L", "T"], m)
                ),
                "LS": rng.choice(LS, m, p=LS_P),
                "CIN": rng.choice([f"N{i}" for i in range(1, 9)], m),
                "PLACE": rng.choice(PLACES, m, p=PLACE_P),
                "PLACE_PROVIDER": rng.choice(PROVIDERS, m),
                "REC": np.where(last, rng.choice(["E4A", "E13", "E11", "E45", "E8"], m), "X1"),
                "REASON_PLACE_CHANGE": "",
                "HOME_POST": "SE6 4RU",
                "PL_POST": "ME1 1AA",
                "URN": "",
            }
        ).filter(pl.Series(keep))
        header = pl.DataFrame(
            {
                "CHILD": np.arange(1, n + 1).astype(str),
                "SEX": rng.choice(["1", "2"], n),
                "DOB": _fmt(dob),
                "ETHNIC": "WBRI",
                "UPN": "",
                "MOTHER": "",
                "MC_DOB": "",
            }
        )
        for year in years:
            y0, y1 = (
                np.datetime64(d) - np.datetime64("1970-01-01") for d in collection_year_bounds(year)
            )
            y0, y1 = int(y0.astype(int)), int(y1.astype(int))
            rows = frame.filter(
                (pl.col("_decom") <= y1) & ((pl.col("_dec") < 0) | (pl.col("_dec") >= y0))
            )
            open_then = (pl.col("_dec") < 0) | (pl.col("_dec") > y1)
            rows = rows.with_columns(
                pl.col("_decom").cast(pl.Date).dt.strftime("%d/%m/%Y").alias("DECOM"),
                pl.when(open_then)
                .then(None)
                .otherwise(pl.col("_dec"))
                .cast(pl.Date)
                .dt.strftime("%d/%m/%Y")
                .alias("DEC"),
                pl.when(open_then).then(None).otherwise(pl.col("REC")).alias("REC"),
            ).select(
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            )
            folder = out / name / str(year)
            folder.mkdir(parents=True, exist_ok=True)
            rows.write_csv(folder / "episodes.csv")
            header.filter(pl.col("CHILD").is_in(rows["CHILD"].unique().implode())).write_csv(
                folder / "header.csv"
            )
            total += rows.height
    return total


_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from carecast.ingest import load_returns
t1 = time.perf_counter()
res = load_returns(sys.argv[1])
t2 = time.perf_counter()
tot = res.quality.totals()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "episodes": res.episodes.height,
                  "children": res.children.height, **tot,
                  "maxrss_mb": ru.ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--children", type=int, default=4000, help="children ever in care per council")
    ap.add_argument("--seed", type=int, default=903)
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    ap.add_argument(
        "--synth",
        action="store_true",
        help="generate with carecast.synth (realistic, with planted defects; slower) instead",
    )
    ap.add_argument(
        "--like-england",
        action="store_true",
        help="with --synth: councils imitating real ones (published sizes, ../shared)",
    )
    args = ap.parse_args()
    years = list(range(2024 - args.years + 1, 2025))
    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_ingest_")
        root = Path(tmp.name)
    else:
        root = args.keep
    marker = root / "bench.json"
    if marker.exists():
        written = json.loads(marker.read_text())["episode_rows"]
        gen_s = 0.0
    else:
        t = time.perf_counter()
        if args.synth:
            from carecast.synth import generate as synth_generate

            councils, params = args.councils, None
            if args.like_england:
                from carecast.synth.england import like_england

                published = Path(__file__).resolve().parents[2] / "shared/external/dfe-published"
                plan = like_england(published, args.councils, (years[0], years[-1]), args.seed)
                councils, params = plan.councils, plan.overrides
            written = synth_generate(
                root, councils=councils, years=(years[0], years[-1]), seed=args.seed, params=params
            ).rows_written["episodes"]
        else:
            written = generate(root, args.councils, years, args.children, args.seed)
        gen_s = time.perf_counter() - t
        marker.write_text(json.dumps({"episode_rows": written}))
    csvs = [
        p for p in root.rglob("*.csv") if p.parent != root
    ]  # the returns, not lookups beside them
    size_mb = sum(p.stat().st_size for p in csvs) / 1e6
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"load failed:\n{proc.stderr}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rate = r["read"] / r["load_s"]
    print(f"carecast ingest benchmark  ({dt.datetime.now():%Y-%m-%d %H:%M})")
    print(
        f"{'data':<34}{args.councils} councils x {args.years} years ({years[0]}-{years[-1]}), "
        f"{size_mb:,.0f} MB of CSV in {len(csvs):,} files"
    )
    for label, value in [
        ("generation (not timed below)", f"{gen_s:,.1f} s" if gen_s else "reused"),
        ("episode rows read", f"{r['read']:,}"),
        ("kept / merged / dropped", f"{r['kept']:,} / {r['merged']:,} / {r['dropped']:,}"),
        ("children", f"{r['children']:,}"),
        ("load+validate+clean wall time", f"{r['load_s']:,.1f} s (+{r['import_s']:.1f} s import)"),
        (
            "CPU time (user+system)",
            f"{r['cpu_s']:,.1f} s, incl. import: the work, whatever the machine's load",
        ),
        ("throughput", f"{rate:,.0f} episode rows read per second (wall)"),
        ("machine load average (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"),
        ("peak memory (child process)", f"{max(r['maxrss_mb'], peak_children):,.0f} MB"),
        ("target", "England (150 x 10) in < 60 s and < 4 GB on 2 cores"),
    ]:
        print(f"{label:<34}{value}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
