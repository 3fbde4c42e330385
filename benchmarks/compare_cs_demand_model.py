"""Head-to-head: carecast against cs-demand-model, the open tool councils use today (DOMAIN.md §6).

Both tools get the SAME SSDA903 returns of a synthetic council (``carecast.synth.generate``),
exactly as the council held them on each forecast origin (the returns up to the collection year
ending on the origin, 31 March), forecast 12 months ahead from that day, and are scored against
what really happened (the synthetic truth tables, which neither tool sees). By default there are
three origins (31 March of the three collection years before the last one), pooled.

* cs-demand-model (PyPI, version pinned below) is installed into its own virtualenv
  ``.bench-venvs/cs-demand-model`` (created on first run; keep ``.bench-venvs/`` out of git) and
  driven through its public API (``Config``, ``fs_datastore``, ``DemandModellingDataContainer``,
  ``PopulationStats``, ``ModelPredictor.from_model(...).predict(days)``: what its ``demand-model
  predict`` command does), in a subprocess. It is run twice: with carecast's reference window
  (3 years) and with its own command's default (the 6 months before the origin).
* carecast runs through its documented API (``load_returns`` then ``forecast_councils``, what
  ``carecast forecast`` does) in a subprocess of this script, with 1,000 simulations.
* Categories: cs-demand-model has four (fostering, residential, supported, other), read here from
  its installed config ``fixtures/config/standard-v1.yaml``. carecast is given a categories file
  with the same four and the same PLACE codes (its ``--categories`` option), so both forecast the
  same quantities and the actuals are counted with the same rule.
* Actual children looked after exclude short breaks (LS V3/V4), as the DfE count does; carecast
  drops them on load, cs-demand-model counts them (its total error against the count including
  short breaks is reported too).

Scores over months 1..12 of every origin: MAPE and bias of the point forecast (carecast: the mean of the
simulations; cs-demand-model: its deterministic path), the error at month 12, and the share of
actuals inside carecast's 50% (p25-p75) and 90% (p5-p95) bands. cs-demand-model gives no bands.
Time: wall, CPU (user+system) and peak memory (maxrss) of each tool's own process, from os.wait4.

One council and seed is one *case*; ``--cases 8`` (or ``--cases Lewisham:7,Leeds:17``) runs several
and adds a per-case table and a **paired comparison**: per case, carecast's MAPE (and error at month
12, and |bias|) minus the other tool's, averaged over cases with a 95% bootstrap interval (cases
resampled) and a sign count with its sign-test p-value, so the verdict comes with its uncertainty.
cs-demand-model's forecasts do not change when carecast does: ``--cache DIR`` keeps them (keyed by
case, origin, window and its version) so a re-run only re-runs carecast.

    .venv/bin/python benchmarks/compare_cs_demand_model.py [--council Lewisham] [--seed 7]
        [--cases 8 | --cases Council:seed,...] [--windows 3,0.5] [--cache DIR]
        [--years 2015-2024] [--origins 3] [--simulations 1000] [--defects]
        [--out results.json] [--keep DIR]

``--defects`` plants the synthetic data flaws (malformed dates, duplicates, ...) in the files;
carecast's loader repairs or drops and counts them, and the script reports whatever the other
tool does with them (at 0.5.1 it stops on the first malformed date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPETITOR = "cs-demand-model"
COMPETITOR_VERSION = "0.5.1"
VENV = ROOT / ".bench-venvs" / COMPETITOR
GROUPS = ("total", "fostering", "residential", "supported", "other")
BANDS = ("p5", "p25", "p50", "p75", "p95")

# Runs inside the competitor's virtualenv: its public API, as its `demand-model predict` command
# uses it. argv: source folder, reference start, reference end (= origin), days ahead, output CSV.
COMPETITOR_DRIVER = """
import json
import sys
import time
from datetime import datetime
from cs_demand_model import (Config, DemandModellingDataContainer, ModelPredictor,
                             PopulationStats, fs_datastore)
source, start, end, days, out = sys.argv[1:6]
start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
t0 = time.perf_counter()
config = Config()
dc = DemandModellingDataContainer(fs_datastore(source), config)
stats = PopulationStats(dc.enriched_view, config)
t1 = time.perf_counter()
predictor = ModelPredictor.from_model(stats, start, end)
pop = predictor.predict(int(days))
t2 = time.perf_counter()
# columns are (age bracket, placement category) states: sum the age brackets
frame = pop.copy()
frame.columns = [c[1] for c in pop.columns]
frame = frame.T.groupby(level=0).sum().T
frame.index.name = "date"
frame.to_csv(out)
print(json.dumps({"load_s": t1 - t0, "forecast_s": t2 - t1,
                  "stock_at_origin": float(stats.stock_at(end).sum())}))
"""


# ---------------------------------------------------------------------------------------------
# Subprocess timing


@dataclass
class Run:
    """One tool run: exit code, wall and CPU seconds, peak memory, and its stderr tail."""

    name: str
    ok: bool
    wall_s: float
    cpu_s: float
    peak_mb: float
    error: str = ""
    traceback: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # load_s, forecast_s inside the process
    forecast: dict[str, Any] = field(default_factory=dict)  # group -> {"mean": [...], bands...}
    note: str = ""


def timed(name: str, cmd: list[str], log_dir: Path) -> tuple[Run, str]:
    """Run ``cmd`` and measure that process alone (os.wait4 gives its own rusage)."""
    out, err = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out.open("w") as fo, err.open("w") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=log_dir)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = err.read_text(errors="replace").strip().splitlines()
    why = f"exit {proc.returncode}: {lines[-1] if lines else 'no message'}"
    return Run(
        name,
        proc.returncode == 0,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        error="" if proc.returncode == 0 else why,
        traceback="\n".join(lines[-12:]) if proc.returncode else "",
    ), out.read_text()


# ---------------------------------------------------------------------------------------------
# The competitor


def competitor_python() -> Path:
    """The competitor's interpreter, installing it into its own virtualenv on first use."""
    py = VENV / "bin" / "python"
    probe = [str(py), "-c", "import cs_demand_model"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", f"{COMPETITOR}=={COMPETITOR_VERSION}"], check=True
    )
    return py


def competitor_categories(py: Path) -> dict[str, list[str]]:
    """Its placement categories and their PLACE codes, from its own installed config file."""
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import cs_demand_model, os; print(os.path.dirname(cs_demand_model.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    config = Path(where.stdout.strip()) / "fixtures" / "config" / "standard-v1.yaml"
    cats = yaml.safe_load(config.read_text())["config"]["PlacementCategories"]
    return {
        name.lower(): [str(c) for c in spec.get("placement_types", [])]
        for name, spec in cats.items()
    }


def carecast_categories_file(mapping: dict[str, list[str]], path: Path) -> Path:
    """carecast's shipped categories file with the competitor's four categories and codes."""
    from carecast.schema import categories as schema_categories

    shipped = Path(schema_categories.__file__).parent / "data" / "categories.yaml"
    doc = yaml.safe_load(shipped.read_text("utf-8"))
    cost_group = {
        "fostering": "in_house_fostering",
        "residential": "external_residential",
        "supported": "semi_independent",
        "other": "other",
    }
    doc["categories"] = {c: {"label": c.capitalize()} for c in (*mapping, "other")}
    doc["rules"] = [
        {"place": codes, "provider": "*", "category": c, "cost_group": cost_group[c]}
        for c, codes in mapping.items()
    ]
    doc["rules"].append({"place": "*", "provider": "*", "category": "other", "cost_group": "other"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False), "utf-8")
    return path


def read_competitor(csv: Path, dates: list[dt.date]) -> dict[str, Any]:
    """Its daily path on our month dates: four categories and the total."""
    import polars as pl

    frame = pl.read_csv(csv, try_parse_dates=True).with_columns(pl.col("date").cast(pl.Date))
    frame = frame.filter(pl.col("date").is_in(dates)).sort("date")
    got = frame.get_column("date").to_list()
    if got != dates:
        missing = sorted(set(dates) - set(got))
        raise RuntimeError(
            f"its output lacks {len(missing)} of the month dates, e.g. {missing[:2]}"
        )
    # Its own forecast chart shows these four; its NOT_IN_CARE column is children who left care.
    cats = ["FOSTERING", "RESIDENTIAL", "SUPPORTED", "OTHER"]
    out = {
        c.lower(): {
            "mean": frame.get_column(c).to_list() if c in frame.columns else [0.0] * len(dates)
        }
        for c in cats
    }
    out["total"] = {
        "mean": frame.select(pl.sum_horizontal([c for c in cats if c in frame.columns]))
        .to_series()
        .to_list()
    }
    if "NOT_IN_CARE" in frame.columns:
        out["not_in_care_state"] = {"mean": frame.get_column("NOT_IN_CARE").to_list()}
    return out


# ---------------------------------------------------------------------------------------------
# carecast (this script re-run as a worker, so it is timed the same way)


def carecast_worker(args: argparse.Namespace) -> None:
    import warnings

    from carecast.forecast import SparseDataWarning, forecast_councils
    from carecast.forecast.calendar import add_months
    from carecast.ingest import load_returns
    from carecast.schema import load_categories

    warnings.simplefilter("ignore", SparseDataWarning)
    origin = dt.date.fromisoformat(args.origin)
    end = add_months(origin, args.horizon_months)
    t0 = time.perf_counter()
    loaded = load_returns(args.source, council=args.council, categories=args.categories)
    t1 = time.perf_counter()
    region = forecast_councils(
        loaded.episodes,
        start=origin,
        horizon_years=(end - origin).days / 365.25,
        n_sims=args.simulations,
        seed=args.seed,
        categories=load_categories(args.categories),
    )
    t2 = time.perf_counter()
    res = region.combined
    dates = [add_months(origin, k) for k in range(1, args.horizon_months + 1)]
    idx = [res.month_dates_.index(d) for d in dates]
    sims = res.sim_month_states_[:, idx].sum(axis=2)  # (sims, months, categories)
    groups = {c: sims[:, :, j] for j, c in enumerate(res.categories)} | {"total": sims.sum(axis=2)}
    q = np.quantile
    out = {
        g: {
            "mean": s.mean(axis=0).tolist(),
            **{
                b: q(s, p, axis=0).tolist()
                for b, p in zip(BANDS, (0.05, 0.25, 0.5, 0.75, 0.95), strict=True)
            },
        }
        for g, s in groups.items()
    }
    quality = loaded.quality.summary()
    dropped = int(quality.get_column("dropped").sum()) if "dropped" in quality.columns else None
    Path(args.result).write_text(
        json.dumps(
            {
                "forecast": out,
                "episodes_kept": loaded.episodes.height,
                "rows_dropped": dropped,
                "load_s": t1 - t0,
                "forecast_s": t2 - t1,
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# Truth and scores


def actuals(
    episodes, dates: list[dt.date], mapping: dict[str, list[str]], short_breaks: bool
) -> dict[str, list[float]]:
    """Children in care on each date (decom <= d < dec), by the competitor's categories and total."""
    import polars as pl

    eps = episodes if short_breaks else episodes.filter(~pl.col("is_short_break"))
    code_to_cat = {code: c for c, codes in mapping.items() for code in codes}
    eps = eps.with_columns(
        pl.col("place").replace_strict(code_to_cat, default="other").alias("grp")
    )
    out: dict[str, list[float]] = {g: [] for g in GROUPS}
    for d in dates:
        on = eps.filter((pl.col("decom") <= d) & (pl.col("dec").is_null() | (pl.col("dec") > d)))
        # one placement per child per day: the latest-starting episode open that day
        on = on.sort("decom").group_by("child_id").last()
        counts = dict(on.group_by("grp").len().iter_rows())
        for g in GROUPS[1:]:
            out[g].append(float(counts.get(g, 0)))
        out["total"].append(float(on.height))
    return out


def scores(
    pairs: list[tuple[dict[str, Any], dict[str, list[float]]]],
) -> dict[str, dict[str, float | None]]:
    """MAPE, bias and band coverage pooled over every (origin, month); error at month 12 averaged
    over origins. ``pairs``: (forecast, actuals) per origin."""
    rows = {}
    for g in GROUPS:
        have = [(f[g], np.asarray(t[g])) for f, t in pairs if g in f and g in t]
        if not have:
            continue
        m = np.concatenate([np.asarray(f["mean"]) for f, _ in have])
        a = np.concatenate([t for _, t in have])
        ok = a > 0
        err = (m[ok] - a[ok]) / a[ok]
        last = [abs(f["mean"][-1] - t[-1]) / t[-1] for f, t in have if t[-1] > 0]
        row: dict[str, float | None] = {
            "points": int(ok.sum()),
            "mape_pct": float(np.abs(err).mean() * 100) if ok.any() else None,
            "bias_pct": float(err.mean() * 100) if ok.any() else None,
            "ape_at_horizon_pct": float(np.mean(last) * 100) if last else None,
            "in_50_band_pct": None,
            "in_90_band_pct": None,
        }
        if all("p5" in f for f, _ in have):
            lo50, hi50, lo90, hi90 = (
                np.concatenate([np.asarray(f[b]) for f, _ in have])
                for b in ("p25", "p75", "p5", "p95")
            )
            row["in_50_band_pct"] = float(((a >= lo50) & (a <= hi50)).mean() * 100)
            row["in_90_band_pct"] = float(((a >= lo90) & (a <= hi90)).mean() * 100)
        rows[g] = row
    return rows


def paired(diffs: np.ndarray, n_boot: int, seed: int = 0) -> dict[str, float | int]:
    """Mean per-case difference with a bootstrap 95% interval over cases, and the sign count.

    ``diffs``: carecast's error minus the other tool's, one per case (negative = carecast better).
    Cases are resampled with replacement (percentile interval); the sign count is the number of
    cases carecast wins, with the two-sided sign-test p-value (exact binomial, ties dropped).
    """
    from scipy.stats import binomtest

    d = np.asarray(diffs, float)
    rng = np.random.default_rng(seed)
    boot = d[rng.integers(0, d.size, size=(n_boot, d.size))].mean(axis=1) if d.size > 1 else d
    wins, losses = int((d < 0).sum()), int((d > 0).sum())
    p = binomtest(wins, wins + losses, 0.5).pvalue if wins + losses else 1.0
    return {
        "cases": int(d.size),
        "mean_diff": float(d.mean()),
        "ci_lo": float(np.quantile(boot, 0.025)),
        "ci_hi": float(np.quantile(boot, 0.975)),
        "carecast_better": wins,
        "carecast_worse": losses,
        "sign_test_p": float(p),
    }


# ---------------------------------------------------------------------------------------------

# Councils of different sizes inside and outside London, each with its own synthetic seed.
DEFAULT_CASES = (
    ("Lewisham", 7),
    ("Birmingham", 3),
    ("Croydon", 11),
    ("Leeds", 17),
    ("Southwark", 13),
    ("Bristol", 19),
    ("Norfolk", 23),
    ("Kent", 5),
    ("Lambeth", 29),
    ("Sutton", 31),
    ("Derby", 37),
    ("Cornwall", 41),
)


def parse_cases(text: str | None, council: str, seed: int) -> list[tuple[str, int]]:
    """``--cases``: a number N (the first N of DEFAULT_CASES) or ``Council:seed,Council:seed``."""
    if not text:
        return [(council, seed)]
    if text.strip().isdigit():
        n = int(text)
        if not 1 <= n <= len(DEFAULT_CASES):
            raise SystemExit(
                f"--cases {n}: give 1 to {len(DEFAULT_CASES)}, or a list Council:seed,..."
            )
        return list(DEFAULT_CASES[:n])
    cases = []
    for part in text.split(","):
        name, _, s = part.strip().rpartition(":")
        if not name or not s.isdigit():
            raise SystemExit(f"--cases: '{part}' is not Council:seed (e.g. Lewisham:7)")
        cases.append((name, int(s)))
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--council", default="Lewisham")
    ap.add_argument(
        "--years",
        default="2015-2024",
        help="collection years generated (the last is only ever used as truth)",
    )
    ap.add_argument(
        "--origins",
        type=int,
        default=3,
        help="forecast origins: 31 March of each of the last N "
        "collection years before the final one",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--cases",
        help="several cases in one run: a number N (the first N of a fixed list of "
        "councils and seeds) or 'Council:seed,Council:seed'; overrides --council/--seed",
    )
    ap.add_argument(
        "--windows",
        default="3,0.5",
        help="cs-demand-model reference windows in years "
        "(default: carecast's 3 years and its own 6-month default)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        help="keep cs-demand-model's forecasts here and reuse them (keyed by "
        "case, origin, window and its version: they do not change when carecast does)",
    )
    ap.add_argument("--bootstrap", type=int, default=5000, help="bootstrap resamples of the cases")
    ap.add_argument("--simulations", type=int, default=1000)
    ap.add_argument(
        "--defects", action="store_true", help="plant the synthetic data flaws in the returns"
    )
    ap.add_argument("--out", type=Path, help="write the results as JSON")
    ap.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (default: a temporary one)"
    )
    ap.add_argument("--worker", choices=["carecast"], help=argparse.SUPPRESS)
    for a in ("--source", "--origin", "--categories", "--result"):
        ap.add_argument(a, help=argparse.SUPPRESS)
    ap.add_argument("--horizon-months", type=int, default=12, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "carecast":
        carecast_worker(args)
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        compare(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="carecast-vs-csdm-") as tmp:
            compare(args, Path(tmp))


@dataclass
class Setup:
    """What every origin of one case shares."""

    work: Path
    synth_dir: Path
    council: str
    seed: int
    first_year: int
    competitor_py: Path
    driver: Path
    categories_file: Path
    mapping: dict[str, list[str]]
    windows: tuple[float, ...]


def competitor_label(years_back: float, window_years: float) -> str:
    if years_back == 0.5:
        return f"{COMPETITOR}, 6-month window (its default)"
    return f"{COMPETITOR}, {years_back:g}-year window" + (
        " (carecast's)" if years_back == window_years else ""
    )


def run_competitor(
    args: argparse.Namespace,
    s: Setup,
    known: Path,
    logs: Path,
    origin: dt.date,
    dates: list[dt.date],
    years_back: float,
    label: str,
) -> Run:
    """cs-demand-model on the returns held on ``origin``, or its cached result for the same question."""
    from carecast.forecast.calendar import add_months

    key = (
        f"{s.council}-{s.seed}-{args.years}-{'defects' if args.defects else 'clean'}-{origin:%Y%m%d}-"
        f"{years_back:g}y-{COMPETITOR_VERSION}".replace(" ", "_")
    )
    cached = args.cache / f"{key}.json" if args.cache else None
    if cached is not None and cached.exists():
        doc = json.loads(cached.read_text())
        return Run(
            label,
            doc["ok"],
            doc["wall_s"],
            doc["cpu_s"],
            doc["peak_mb"],
            doc["error"],
            doc["traceback"],
            doc["phases"],
            doc["forecast"],
            doc["note"] + " (cached run)",
        )
    start = add_months(origin, -round(12 * years_back))
    out_csv = logs / f"csdm_{years_back:g}y.csv"
    run, stdout = timed(
        f"csdm_{years_back:g}y",
        [
            str(s.competitor_py),
            str(s.driver),
            str(known),
            start.isoformat(),
            origin.isoformat(),
            str((dates[-1] - origin).days),
            str(out_csv),
        ],
        logs,
    )
    run.name = label
    if run.ok:
        try:
            info = json.loads(stdout.strip().splitlines()[-1])
            run.phases = {"load_s": info["load_s"], "forecast_s": info["forecast_s"]}
            run.forecast = read_competitor(out_csv, dates)
            left = run.forecast.get("not_in_care_state", {}).get("mean", [0.0])[-1]
            run.note = (
                f"point forecast only; its stock on the origin {info['stock_at_origin']:.0f}; its "
                f"NOT_IN_CARE state holds {left:.0f} leavers at month 12 (left out of its total, "
                "as its own chart does)"
            )
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            run.ok, run.error = False, f"ran but its output could not be read: {exc}"
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(
            json.dumps(
                {
                    k: getattr(run, k)
                    for k in (
                        "ok",
                        "wall_s",
                        "cpu_s",
                        "peak_mb",
                        "error",
                        "traceback",
                        "phases",
                        "forecast",
                        "note",
                    )
                }
            )
        )
    return run


def run_origin(
    args: argparse.Namespace, s: Setup, origin: dt.date, dates: list[dt.date], window_years: float
) -> list[Run]:
    """Both tools on the returns as held on ``origin`` (collection years up to the origin's)."""
    known = s.work / f"known-{origin.year}" / s.council
    if known.exists():
        shutil.rmtree(known)
    for y in range(s.first_year, origin.year + 1):
        shutil.copytree(s.synth_dir / s.council / str(y), known / str(y))
    logs = s.work / f"logs-{origin.year}"
    logs.mkdir(exist_ok=True)
    result_file = logs / "carecast.json"
    cc, _ = timed(
        "carecast",
        [
            sys.executable,
            __file__,
            "--worker",
            "carecast",
            "--source",
            str(known),
            "--council",
            s.council,
            "--origin",
            origin.isoformat(),
            "--categories",
            str(s.categories_file),
            "--result",
            str(result_file),
            "--simulations",
            str(args.simulations),
            "--seed",
            str(args.seed),
        ],
        logs,
    )
    if cc.ok:
        got = json.loads(result_file.read_text())
        cc.forecast = got["forecast"]
        cc.phases = {"load_s": got["load_s"], "forecast_s": got["forecast_s"]}
        cc.note = f"{args.simulations} simulations; rows dropped on load: {got['rows_dropped']}"
    return [
        cc,
        *(
            run_competitor(
                args, s, known, logs, origin, dates, w, competitor_label(w, window_years)
            )
            for w in s.windows
        ),
    ]


def run_case(
    args: argparse.Namespace,
    work: Path,
    council: str,
    seed: int,
    py: Path,
    mapping: dict[str, list[str]],
    console: Any,
) -> list[dict[str, Any]]:
    """One synthetic council and seed: every origin, both tools, and the truth."""
    from carecast.forecast.calendar import add_months
    from carecast.forecast.params import defaults
    from carecast.synth import generate, parse_years

    first, last = parse_years(args.years)
    window = defaults().window_years
    origins = [dt.date(last - k, 3, 31) for k in range(args.origins, 0, -1)]
    work.mkdir(parents=True, exist_ok=True)
    with console.status(
        f"Generating {council} (seed {seed}), collection years {first}-{last} (synthetic)..."
    ):
        synth_dir = work / "synth"
        if synth_dir.exists():
            shutil.rmtree(synth_dir)
        res = generate(
            synth_dir, councils=[council], years=(first, last), seed=seed, defects=args.defects
        )
    driver = work / "csdm_driver.py"
    driver.write_text(COMPETITOR_DRIVER)
    windows = tuple(float(w) for w in args.windows.split(","))
    setup = Setup(
        work,
        synth_dir,
        res.councils[0],
        seed,
        first,
        py,
        driver,
        carecast_categories_file(mapping, work / "four_categories.yaml"),
        mapping,
        windows,
    )
    per_origin = []
    for origin in origins:
        dates = [add_months(origin, k) for k in range(1, 13)]
        with console.status(
            f"{council} (seed {seed}), origin {origin:%d/%m/%Y}: carecast, then {COMPETITOR}..."
        ):
            runs = run_origin(args, setup, origin, dates, window)
        truth = actuals(res.episodes, [origin, *dates], mapping, short_breaks=False)
        files = sorted((work / f"known-{origin.year}").rglob("*.csv"))
        per_origin.append(
            {
                "case": f"{setup.council}:{seed}",
                "origin": origin,
                "dates": dates,
                "runs": runs,
                "in_care_at_origin": int(truth["total"][0]),
                "truth": {g: v[1:] for g, v in truth.items()},
                "truth_with_short_breaks": actuals(res.episodes, dates, mapping, short_breaks=True),
                "files": len(files),
                "megabytes": sum(f.stat().st_size for f in files) / 1e6,
                "episode_rows": sum(
                    max(0, len(f.read_text().splitlines()) - 1)
                    for f in files
                    if f.name == "episodes.csv"
                ),
            }
        )
    return per_origin


def compare(args: argparse.Namespace, work: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    import carecast
    from carecast.forecast.params import defaults
    from carecast.synth import parse_years

    console = Console(width=max(Console().width, 130))
    first, last = parse_years(args.years)
    window = defaults().window_years
    if args.origins < 1 or last - args.origins - first < window:
        raise SystemExit(
            f"--years {args.years} is too short for {args.origins} origins with a {window:g}-year "
            "window before the first; give more years or fewer origins"
        )
    cases = parse_cases(args.cases, args.council, args.seed)
    with console.status(
        f"Installing/checking {COMPETITOR} {COMPETITOR_VERSION} in {VENV.relative_to(ROOT)}..."
    ):
        py = competitor_python()
        mapping = competitor_categories(py)
    t_start = time.perf_counter()
    per_origin = []
    for i, (council, seed) in enumerate(cases):
        per_origin += run_case(args, work / f"case{i}", council, seed, py, mapping, console)
    elapsed = time.perf_counter() - t_start
    tools = [r.name for r in per_origin[0]["runs"]]
    case_names = list(dict.fromkeys(o["case"] for o in per_origin))

    def runs_of(tool: str, case: str | None = None) -> list[tuple[dict, Run]]:
        return [
            (o, r)
            for o in per_origin
            for r in o["runs"]
            if r.name == tool and (case is None or o["case"] == case)
        ]

    latest = per_origin[-1]
    origins = sorted({o["origin"] for o in per_origin})
    console.print(
        f"[bold]carecast {carecast.__version__} vs {COMPETITOR} {COMPETITOR_VERSION}[/bold]: {len(cases)} case(s) "
        f"({', '.join(case_names)}; synthetic{', with planted defects' if args.defects else ', clean files'}); "
        f"{len(origins)} origins each ({', '.join(f'{o:%d/%m/%Y}' for o in origins)}), each forecast 12 months "
        f"ahead from the returns held then (last case, latest origin: {latest['files']} files, "
        f"{latest['megabytes']:.2f} MB, {latest['episode_rows']} episode rows, {latest['in_care_at_origin']} "
        f"children in care); {elapsed:.0f} s; machine load {os.getloadavg()[0]:.1f} (1-min) on "
        f"{os.cpu_count()} cores"
    )

    t = Table(
        title="Time and memory per forecast (each tool's own process; mean over cases and origins)"
    )
    for c in (
        "tool",
        "ran",
        "wall s",
        "CPU s",
        "read+prepare s",
        "fit+forecast s",
        "peak MB",
        "carecast faster",
    ):
        t.add_column(c, justify="left" if c in ("tool", "ran") else "right")
    timing = {}
    for tool in tools:
        ok = [r for _, r in runs_of(tool) if r.ok]
        mean = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
        timing[tool] = {
            "runs_ok": len(ok),
            "runs": len(per_origin),
            "wall_s": mean([r.wall_s for r in ok]),
            "cpu_s": mean([r.cpu_s for r in ok]),
            "load_s": mean([r.phases.get("load_s", np.nan) for r in ok]),
            "forecast_s": mean([r.phases.get("forecast_s", np.nan) for r in ok]),
            "peak_mb": max([r.peak_mb for r in ok], default=float("nan")),
        }
    base = timing[tools[0]]
    for tool in tools:
        tm = timing[tool]
        # CPU first: on a shared machine wall time measures the other jobs as much as the tool
        ratio = (
            ""
            if tool == tools[0] or not tm["runs_ok"]
            else f"{tm['cpu_s'] / base['cpu_s']:.1f}x CPU, "
            f"{tm['wall_s'] / base['wall_s']:.1f}x wall, {tm['forecast_s'] / base['forecast_s']:.1f}x fit"
        )
        if not tm["runs_ok"]:
            t.add_row(tool, f"[red]0/{tm['runs']}[/red]", *["failed"] * 5, "")
            continue
        t.add_row(
            tool,
            f"{tm['runs_ok']}/{tm['runs']}",
            f"{tm['wall_s']:.2f}",
            f"{tm['cpu_s']:.2f}",
            f"{tm['load_s']:.2f}",
            f"{tm['forecast_s']:.2f}",
            f"{tm['peak_mb']:.0f}",
            ratio,
        )
    console.print(t)
    for r in latest["runs"]:
        if r.ok:
            console.print(
                f"  {r.name} ({latest['case']}, origin {latest['origin']:%d/%m/%Y}): {r.note}"
            )
    for o in per_origin:
        for r in o["runs"]:
            if not r.ok:
                console.print(
                    f"[red]{r.name} FAILED ({o['case']}, origin {o['origin']:%d/%m/%Y})[/red]: {r.error}"
                )

    fmt = lambda v, p=1: "" if v is None else f"{v:.{p}f}"  # noqa: E731
    acc = {
        tool: scores([(r.forecast, o["truth"]) for o, r in runs_of(tool) if r.ok]) for tool in tools
    }
    a = Table(
        title=f"Accuracy over months 1-12 after each origin ({len(per_origin)} case-origins pooled), against "
        "the held-back truth (children looked after, short breaks excluded)"
    )
    for c in ("tool", "group", "MAPE %", "bias %", "APE month 12 %", "in 50% band", "in 90% band"):
        a.add_column(c, justify="left" if c in ("tool", "group") else "right")
    for tool in tools:
        if not acc[tool]:
            a.add_row(tool, "[red]no forecast[/red]", "", "", "", "", "")
        for g, sc in acc[tool].items():
            bands = (
                (f"{sc['in_50_band_pct']:.0f}%", f"{sc['in_90_band_pct']:.0f}%")
                if sc["in_50_band_pct"] is not None
                else ("none", "none")
            )
            a.add_row(
                tool if g == "total" else "",
                g,
                fmt(sc["mape_pct"]),
                fmt(sc["bias_pct"]),
                fmt(sc["ape_at_horizon_pct"]),
                *bands,
            )
    console.print(a)

    # per case: the total's scores for every tool (a case counts only when every tool ran at every origin)
    groups_by_case: dict[str, dict[str, dict[str, dict[str, float | None]]]] = {}
    for case in case_names:
        runs = {tool: runs_of(tool, case) for tool in tools}
        if all(r.ok for rs in runs.values() for _, r in rs):
            groups_by_case[case] = {
                tool: scores([(r.forecast, o["truth"]) for o, r in rs]) for tool, rs in runs.items()
            }
    by_case = {
        case: {tool: sc["total"] for tool, sc in tools_sc.items()}
        for case, tools_sc in groups_by_case.items()
    }
    c = Table(title="Total children in care, per case (months 1-12 of every origin)")
    c.add_column("case")
    c.add_column("in care", justify="right")
    for tool in tools:
        c.add_column(f"{tool}: MAPE / bias %", justify="right")
    c.add_column("carecast in 50% / 90%", justify="right")
    for case, sc in by_case.items():
        n0 = next(o["in_care_at_origin"] for o in per_origin if o["case"] == case)
        cc = sc[tools[0]]
        c.add_row(
            case,
            str(n0),
            *[f"{sc[t]['mape_pct']:.1f} / {sc[t]['bias_pct']:+.1f}" for t in tools],
            f"{cc['in_50_band_pct']:.0f}% / {cc['in_90_band_pct']:.0f}%",
        )
    if len(by_case) > 1:
        mean_of = lambda t, k: float(np.mean([sc[t][k] for sc in by_case.values()]))  # noqa: E731
        c.add_row(
            "[bold]mean over cases[/bold]",
            "",
            *[f"{mean_of(t, 'mape_pct'):.2f} / {mean_of(t, 'bias_pct'):+.2f}" for t in tools],
            f"{mean_of(tools[0], 'in_50_band_pct'):.0f}% / {mean_of(tools[0], 'in_90_band_pct'):.0f}%",
        )
    console.print(c)

    verdicts = {}
    if len(by_case) > 1:
        v = Table(
            title=f"Paired comparison over {len(by_case)} cases: carecast minus the other tool, per case "
            "(negative = carecast more accurate); 95% bootstrap interval over cases; sign test"
        )
        for col in (
            "against",
            "error",
            "mean difference (pp)",
            "95% interval",
            "carecast better / worse",
            "sign test p",
        ):
            v.add_column(col, justify="left" if col in ("against", "error") else "right")
        measures = [
            ("total", "mape_pct", "MAPE"),
            ("total", "ape_at_horizon_pct", "APE month 12"),
            ("total", "bias_pct", "|bias|"),
            *[(g, "mape_pct", f"{g} MAPE") for g in GROUPS[1:]],
        ]
        for tool in tools[1:]:
            for i, (group, key, label) in enumerate(measures):
                f = abs if key == "bias_pct" else (lambda x: x)
                d = np.array(
                    [
                        f(sc[tools[0]][group][key]) - f(sc[tool][group][key])
                        for sc in groups_by_case.values()
                    ]
                )
                res = paired(d, args.bootstrap)
                verdicts.setdefault(tool, {})[label] = res
                v.add_row(
                    tool if i == 0 else "",
                    label,
                    f"{res['mean_diff']:+.2f}",
                    f"{res['ci_lo']:+.2f} to {res['ci_hi']:+.2f}",
                    f"{res['carecast_better']} / {res['carecast_worse']}",
                    f"{res['sign_test_p']:.2f}",
                )
        console.print(v)

    h = Table(title="Total children in care at month 12, per case and origin")
    h.add_column("case")
    h.add_column("origin")
    h.add_column("actual", justify="right")
    for tool in tools:
        h.add_column(tool, justify="right")
    for o in per_origin:
        cells = []
        for r in o["runs"]:
            if not r.ok:
                cells.append("failed")
            elif "p5" in r.forecast["total"]:
                f = r.forecast["total"]
                cells.append(f"{f['mean'][-1]:.0f} (90%: {f['p5'][-1]:.0f}-{f['p95'][-1]:.0f})")
            else:
                cells.append(f"{r.forecast['total']['mean'][-1]:.0f}")
        h.add_row(o["case"], f"{o['origin']:%d/%m/%Y}", f"{o['truth']['total'][-1]:.0f}", *cells)
    console.print(h)
    with_sb = {}
    for tool in tools[1:]:
        pairs = [
            ({"total": r.forecast["total"]}, {"total": o["truth_with_short_breaks"]["total"]})
            for o, r in runs_of(tool)
            if r.ok
        ]
        if pairs:
            with_sb[tool] = scores(pairs)["total"]
            console.print(
                f"{tool}: total against the count INCLUDING short breaks (it counts them as in care): "
                f"MAPE {with_sb[tool]['mape_pct']:.1f}%, bias {with_sb[tool]['bias_pct']:+.1f}%"
            )
    console.print(
        f"{COMPETITOR} gives one path and no uncertainty: no bands, so no coverage to measure. carecast "
        "bands are the p25-p75 (50%) and p5-p95 (90%) of its simulations."
    )
    if args.out:
        payload = {
            "carecast_version": carecast.__version__,
            "competitor": f"{COMPETITOR} {COMPETITOR_VERSION}",
            "cases": case_names,
            "years": [first, last],
            "defects": args.defects,
            "simulations": args.simulations,
            "machine": {"cores": os.cpu_count(), "load_1min": os.getloadavg()[0]},
            "categories": mapping | {"other": ["every other PLACE code"]},
            "timing_mean_over_origins": timing,
            "accuracy_pooled": acc,
            "total_by_case": by_case,
            "paired_comparison": verdicts,
            "competitor_total_vs_count_including_short_breaks": with_sb,
            "origins": [
                {
                    "case": o["case"],
                    "origin": o["origin"].isoformat(),
                    "dates": [d.isoformat() for d in o["dates"]],
                    "data": {
                        "files": o["files"],
                        "megabytes": round(o["megabytes"], 3),
                        "episode_rows": o["episode_rows"],
                        "children_in_care_at_origin": o["in_care_at_origin"],
                    },
                    "actual": o["truth"],
                    "actual_including_short_breaks": o["truth_with_short_breaks"],
                    "runs": [
                        {
                            "tool": r.name,
                            "ok": r.ok,
                            "error": r.error,
                            "traceback": r.traceback,
                            "wall_s": r.wall_s,
                            "cpu_s": r.cpu_s,
                            "peak_mb": r.peak_mb,
                            "phases": r.phases,
                            "note": r.note,
                            "forecast": r.forecast,
                        }
                        for r in o["runs"]
                    ],
                }
                for o in per_origin
            ],
        }
        args.out.write_text(json.dumps(payload, indent=1))
        console.print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
