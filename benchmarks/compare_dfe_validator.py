"""Agreement with the DfE's own SSDA903 validator (csc-validator-be-903), rule by rule.

Not a test: it needs the DfE validator, which runs on Python 3.9 only, so it lives in its own
virtual environment outside the repository (``--venv``; created on first use with a Python 3.9
found by pyenv or on PATH, then ``pip install csc-validator-be-903==0.1.17``). Both tools check
the same return (by default the DfE's fake return in ``../shared/external``) against the same
year's ruleset; per rule it prints the rows and children each flags, whether they flag the same
children, and both tools' times. Usage::

    python benchmarks/compare_dfe_validator.py                    # 2024-25 rules, fake return
    python benchmarks/compare_dfe_validator.py --ruleset 2026 --all
    python benchmarks/compare_dfe_validator.py \
        --save-counts tests/dferules/dfe_validator_counts.yaml
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from carecast.dferules import run_rules  # noqa: E402
from carecast.dferules.catalogue import rule_list, year_label  # noqa: E402
from carecast.dferules.folder import DFE_NAMES, read_csv_folder  # noqa: E402

FAKE_RETURN = REPO.parent / "shared" / "external" / "dfe-903-validator" / "fake-return"
DEFAULT_VENV = Path.home() / ".cache" / "carecast" / "dfe-validator-venv"
PACKAGE = "csc-validator-be-903==0.1.17"


def _python39() -> str:
    found = shutil.which("python3.9")
    pyenv = shutil.which("pyenv")
    if pyenv:
        out = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        for candidate in sorted(Path(out, "versions").glob("3.9*/bin/python")):
            return str(candidate)
    if found:
        return found
    raise SystemExit("the DfE validator needs Python 3.9: install one (e.g. pyenv install 3.9)")


def ensure_venv(venv: Path) -> Path:
    """The validator's interpreter, creating its virtual environment the first time."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating the DfE validator's environment in {venv} ...", file=sys.stderr)
        subprocess.run([_python39(), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PACKAGE], check=True)
    return python


def run_validator(
    python: Path,
    folder: Path,
    ruleset: int,
    collection_year: int,
    only: list[str] | None = None,
    postcodes_out: Path | None = None,
    council: str = "E09000027",
    previous: Path | None = None,
) -> dict:
    """The validator's flagged rows per rule: the whole ruleset in one run (as councils use it),
    or just the ``only`` rules, each on tables no other rule has touched."""
    runner = Path(__file__).with_name("dfe_validator_runner.py")
    name = f"lac{ruleset - 1}_{ruleset % 100:02d}"
    extra = [] if only is None else ["--only", ",".join(only)]
    if postcodes_out is not None:
        extra += ["--postcodes-out", str(postcodes_out)]
    if previous is not None:
        extra += ["--previous", str(previous)]
    done = subprocess.run(
        [
            str(python),
            str(runner),
            str(folder),
            "--ruleset",
            name,
            "--collection-year",
            str(collection_year),
            "--la",
            council,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _validator_children(found: dict, rows_by_table: dict[str, list[int]]) -> set[str]:
    out: set[str] = set()
    for table, rows in rows_by_table.items():
        ids = found["children"].get(table, [])
        out.update(ids[r] for r in rows if r < len(ids))
    return out


def _carecast_children(tables, outcome) -> set[str]:
    out: set[str] = set()
    for table, rows in outcome.flagged.items():
        out.update(tables[table]["CHILD"].str.to_uppercase().gather(rows).drop_nulls().to_list())
    return out


def compare(
    folder: Path,
    ruleset: int,
    collection_year: int,
    venv: Path,
    council: str,
    previous: Path | None = None,
) -> dict:
    """Both tools on one return (and last year's, when ``previous`` is given). carecast is given
    the validator's own postcode data for the return's postcodes, so the placement council and
    distance rules use the same reference."""
    python = ensure_venv(venv)
    with tempfile.TemporaryDirectory(prefix="dfe_postcodes_") as tmp:
        lookup_path = Path(tmp) / "postcodes.csv"
        started = time.perf_counter()
        dfe = run_validator(
            python,
            folder,
            ruleset,
            collection_year,
            postcodes_out=lookup_path,
            council=council,
            previous=previous,
        )
        dfe_wall = time.perf_counter() - started
        lookup = pl.read_csv(lookup_path, infer_schema_length=0)

    started = time.perf_counter()
    tables = read_csv_folder(folder)
    last_year = None if previous is None else read_csv_folder(previous)
    result = run_rules(
        tables, collection_year, last_year, ruleset=ruleset, postcodes=lookup, council_code=council
    )
    ours_seconds = time.perf_counter() - started

    not_run = set(dfe["skipped"]) | set(dfe["failed"])
    rules = []
    for outcome in result.outcomes:
        dfe_rows = {
            DFE_NAMES[t]: r
            for t, r in dfe["flagged"].get(outcome.code, {}).items()
            if t in DFE_NAMES
        }
        dfe_checked = outcome.code in dfe["flagged"] and outcome.code not in not_run
        entry = {
            "code": outcome.code,
            "carecast_checked": outcome.checked,
            "dfe_checked": dfe_checked,
            "carecast_rows": sum(outcome.rows.values()),
            "carecast_children": outcome.children,
            "dfe_rows": sum(len(r) for r in dfe_rows.values()),
        }
        theirs = _validator_children(
            dfe, {k: v for k, v in dfe["flagged"].get(outcome.code, {}).items()}
        )
        entry["dfe_children"] = len(theirs)
        if outcome.checked and dfe_checked:
            ours = _carecast_children(tables, outcome)
            entry["agree"] = ours == theirs
            entry["only_carecast"] = len(ours - theirs)
            entry["only_dfe"] = len(theirs - ours)
        rules.append(entry)
    disagreeing = [r for r in rules if r.get("agree") is False]
    for entry in disagreeing:  # alone, so no earlier rule can have changed the shared tables
        try:
            alone = run_validator(
                python,
                folder,
                ruleset,
                collection_year,
                only=[entry["code"]],
                council=council,
                previous=previous,
            )
        except subprocess.CalledProcessError:  # the DfE tool itself fails on this rule alone
            entry["dfe_alone_rows"], entry["agree_alone"] = None, False
            continue
        rows = alone["flagged"].get(entry["code"], {})
        theirs = _validator_children(alone, rows)
        ours = _carecast_children(tables, result[entry["code"]])
        entry["dfe_alone_rows"] = sum(len(r) for r in rows.values())
        entry["agree_alone"] = ours == theirs
    return {
        "ruleset": ruleset,
        "rules": rules,
        "dfe_seconds": dfe["seconds"],
        "dfe_wall_seconds": dfe_wall,
        "carecast_seconds": ours_seconds,
        "carecast_checked": result.checked,
        "rules_in_list": len(result.outcomes),
    }


def _print(report: dict, show_all: bool) -> None:
    both = [r for r in report["rules"] if "agree" in r]
    agree = sum(r["agree"] for r in both)
    print(
        f"ruleset {year_label(report['ruleset'])}: {report['rules_in_list']} rules; carecast "
        f"checks {report['carecast_checked']}, the DfE validator runs "
        f"{sum(r['dfe_checked'] for r in report['rules'])} on this return"
    )
    print(
        f"{'rule':<10}{'carecast rows':>14}{'children':>10}{'DfE rows':>10}{'children':>10}  same"
    )
    for r in report["rules"]:
        if not show_all and r.get("agree", True) and not (r["carecast_rows"] or r["dfe_rows"]):
            continue
        same = {True: "yes", False: "NO"}.get(r.get("agree"), "-")
        ours = (
            f"{r['carecast_rows']:>14}{r['carecast_children']:>10}"
            if r["carecast_checked"]
            else f"{'not checked':>24}"
        )
        theirs = (
            f"{r['dfe_rows']:>10}{r['dfe_children']:>10}"
            if r["dfe_checked"]
            else f"{'not run':>20}"
        )
        extra = ""
        if r.get("agree") is False:
            if r["dfe_alone_rows"] is None:
                alone = "the DfE rule crashes when run alone"
            else:
                verdict = "same" if r["agree_alone"] else "differs"
                alone = f"the DfE rule run alone flags {r['dfe_alone_rows']} rows: {verdict}"
            extra = f"  (only carecast {r['only_carecast']}, only DfE {r['only_dfe']}; {alone})"
        print(f"{r['code']:<10}{ours}{theirs}  {same}{extra}")
    pct = 100 * agree / len(both) if both else 0.0
    print(f"\nboth check {len(both)} rules; the same children flagged for {agree} ({pct:.1f}%)")
    disagree = [r["code"] for r in both if not r["agree"]]
    print(f"disagreements: {', '.join(disagree) or 'none'}")
    alone = sum(r["agree"] or r["agree_alone"] for r in both)
    print(
        f"with each disagreeing DfE rule run alone: the same children for {alone} of {len(both)} "
        f"({100 * alone / len(both) if both else 0:.1f}%)"
    )
    ratio = report["dfe_seconds"] / report["carecast_seconds"]
    print(
        f"time: carecast {report['carecast_seconds']:.2f} s (reading included), DfE validator "
        f"{report['dfe_seconds']:.2f} s (its process {report['dfe_wall_seconds']:.1f} s); "
        f"carecast {ratio:.0f}x faster"
    )


def _save_counts(report: dict, path: Path, previous: Path | None) -> None:
    """The DfE's counts for the agreeing rules that flag rows (with ``previous``: only the rules
    that read last year's return, as a second reference)."""
    resolved = path.resolve()
    shown = resolved.relative_to(REPO) if resolved.is_relative_to(REPO) else Path(path.name)
    needs_last = {r.code for r in rule_list(report["ruleset"]) if r.needs_previous}
    how = "" if previous is None else " --previous <the same fake return>"
    lines = [
        "# The DfE validator's own flagged counts on the DfE fake return (regression reference of",
        "# the DfE tool, not carecast's output). Produced by",
        f"#   python benchmarks/compare_dfe_validator.py --ruleset {report['ruleset']}{how} \\",
        f"#       --save-counts {shown}",
        "# with csc-validator-be-903 0.1.17, collection year 2018 (the fake return's dates).",
        f"ruleset: {report['ruleset']}",
        f"previous_is_the_same_return: {'true' if previous is not None else 'false'}",
        "rules:",
    ]
    for r in report["rules"]:
        wanted = previous is None or r["code"] in needs_last
        if wanted and r.get("agree") and r["dfe_rows"]:
            lines.append(
                f"  '{r['code']}': {{rows: {r['dfe_rows']}, children: {r['dfe_children']}}}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FAKE_RETURN)
    parser.add_argument(
        "--ruleset", type=int, default=2025, help="year of 31 March, 2025 = 2024-25"
    )
    parser.add_argument(
        "--collection-year",
        type=int,
        default=2018,
        help="the return's collection year (the fake return's is 2018)",
    )
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument(
        "--council",
        default="E09000027",
        help="the placing council's code (the DfE tool's own example: Richmond)",
    )
    parser.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="last year's return (a folder of CSVs), for the rules that need it",
    )
    parser.add_argument("--all", action="store_true", help="list rules nobody flagged too")
    parser.add_argument("--json", type=Path, help="also write the comparison as JSON here")
    parser.add_argument(
        "--save-counts",
        type=Path,
        help="write the DfE's counts of the agreeing rules that flag rows (YAML)",
    )
    args = parser.parse_args()
    report = compare(
        args.folder, args.ruleset, args.collection_year, args.venv, args.council, args.previous
    )
    _print(report, args.all)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.save_counts:
        _save_counts(report, args.save_counts, args.previous)


if __name__ == "__main__":
    main()
