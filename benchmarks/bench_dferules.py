"""Benchmark: every DfE validation rule on an England-sized set of SSDA903 returns.

Generates the same raw returns as ``bench_ingest.py`` (header.csv + episodes.csv per council per
collection year, 150 councils x 10 years by default), reads them into ingest's raw-table form and
times ``check_loaded_returns`` (what ``carecast validate`` runs): each collection year's returns
of all councils checked together against that year's DfE ruleset with the previous year given,
then split back into one result per return. Reports wall time, CPU time, rows per second and
peak memory (``ru_maxrss``); target: under 60 s and 4 GB on 2 cores.

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

from carecast.dferules.loaded import check_loaded_returns  # noqa: E402


def read_all(root: Path) -> dict[str, pl.DataFrame]:
    """Every return's tables in ingest's raw form (council, collection_year, source_row added)."""
    out: dict[str, list[pl.DataFrame]] = {}
    for folder in sorted(root.glob("*/*")):
        if not folder.is_dir():
            continue
        for name in ("header", "episodes"):
            frame = pl.read_csv(folder / f"{name}.csv", infer_schema=False)
            out.setdefault(name, []).append(
                frame.with_columns(
                    pl.lit(folder.parent.name).alias("council"),
                    pl.lit(int(folder.name), pl.Int32).alias("collection_year"),
                    (pl.int_range(pl.len()) + 2).alias("source_row"),
                )
            )
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
    raw = read_all(root)
    read_s = time.perf_counter() - started
    results = check_loaded_returns(raw)
    rows = sum(f.height for f in raw.values())
    checked = sum(r.checked for r in results)
    failed = sum(len(r.failures) for r in results)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"DfE rules on {args.councils} councils x {args.years} years: {rows:,} header and "
        f"episode rows, "
        f"{len(results)} returns, {checked:,} rule checks ({failed:,} found rows)"
    )
    print(
        f"wall {wall:.1f} s (reading CSVs {read_s:.1f} s), CPU {cpu:.1f} s, "
        f"{rows / wall:,.0f} rows/s, peak memory {peak:,.0f} MB"
    )
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
