"""Benchmark: every DfE validation rule on an England-sized set of SSDA903 returns.

Generates the same raw returns as ``bench_ingest.py`` (header.csv + episodes.csv per council per
collection year, 150 councils x 10 years by default) and checks each collection year's returns of
all councils together against that year's DfE ruleset, with the previous year's returns given
(so the rules comparing with last year run too). Child ids are prefixed by council so children of
different councils never meet. Reports wall time, CPU time, rows checked per second and peak
memory (``ru_maxrss``); target: under 60 s and 4 GB on 2 cores.

    python benchmarks/bench_dferules.py                    # 150 councils x 10 years
    python benchmarks/bench_dferules.py --councils 20 --years 3
    python benchmarks/bench_dferules.py --keep DIR         # generate into (or reuse) DIR
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench_ingest import generate  # noqa: E402

from carecast.dferules import run_rules  # noqa: E402


def read_year(root: Path, year: int) -> dict[str, pl.DataFrame]:
    """All councils' tables for one collection year, child ids prefixed by council."""
    out: dict[str, list[pl.DataFrame]] = {}
    for folder in sorted(root.glob(f"*/{year}")):
        council = folder.parent.name
        for name in ("header", "episodes"):
            frame = pl.read_csv(folder / f"{name}.csv", infer_schema=False)
            prefixed = pl.lit(council + "|") + pl.col("CHILD")
            out.setdefault(name, []).append(frame.with_columns(prefixed.alias("CHILD")))
    return {name: pl.concat(frames) for name, frames in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--children", type=int, default=4000, help="children ever in care per council")
    ap.add_argument("--seed", type=int, default=903)
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = ap.parse_args()
    years = list(range(2024 - args.years + 1, 2025))
    tmp = tempfile.TemporaryDirectory(prefix="bench_dferules_") if args.keep is None else None
    root = Path(tmp.name) if tmp else args.keep
    marker = root / "bench.json"
    if not marker.exists():
        root.mkdir(parents=True, exist_ok=True)
        written = generate(root, args.councils, years, args.children, args.seed)
        marker.write_text(json.dumps({"episode_rows": written}))

    started, cpu0 = time.perf_counter(), time.process_time()
    read_s, rows, checked, failed = 0.0, 0, 0, 0
    previous = None
    for year in years:
        t = time.perf_counter()
        tables = read_year(root, year)
        read_s += time.perf_counter() - t
        result = run_rules(tables, year, previous=previous)
        rows += sum(f.height for f in tables.values())
        checked += result.checked
        failed += len(result.failures)
        previous = tables
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"DfE rules on {args.councils} councils x {args.years} years: {rows:,} header and "
        f"episode rows, "
        f"{checked} rule runs checked ({failed} with failures)"
    )
    print(
        f"wall {wall:.1f} s (reading CSVs {read_s:.1f} s), CPU {cpu:.1f} s, "
        f"{rows / wall:,.0f} rows/s, peak memory {peak:,.0f} MB"
    )
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
