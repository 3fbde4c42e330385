"""``carecast validate``: load, check and clean SSDA903 returns; print a summary; write the report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from carecast.errors import CarecastError, Location, ParameterError
from carecast.ingest.load import LoadResult
from carecast.outputs import write_report
from carecast.terminal import progress_bar

console = Console()
CLEANED_FORMATS = (".csv", ".parquet")


def cleaned_paths(out: Path, tables: tuple[str, ...] = ()) -> list[Path]:
    """Where ``--cleaned-out`` puts the episodes, the children and each other 903 table read."""
    return [
        out,
        *(out.with_name(f"{out.stem}_{name}{out.suffix}") for name in ("children", *tables)),
    ]


def write_cleaned(res: LoadResult, out: Path) -> list[Path]:
    """Write the cleaned episodes to ``out``, the children and the other tables beside it (CSV or
    Parquet); an other table is written only when the returns hold it."""
    suffix = out.suffix.lower()
    if suffix not in CLEANED_FORMATS:
        raise ParameterError(
            f"cannot write cleaned data as '{out.suffix or '(none)'}'",
            fix=f"end the --cleaned-out file name with {' or '.join(CLEANED_FORMATS)}",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    others = {name: frame for name, frame in res.tables.items() if frame.height}
    paths = cleaned_paths(out, tuple(others))
    for frame, path in zip((res.episodes, res.children, *others.values()), paths, strict=True):
        if suffix == ".csv":
            frame.write_csv(path, date_format="%d/%m/%Y")
        else:
            frame.write_parquet(path)
    return paths


def summary_table(res: LoadResult) -> Table:
    s = res.quality.summary()
    table = Table(title="SSDA903 episodes by council and collection year", show_lines=False)
    counted = ("read", "kept", "repaired", "flagged", "dropped", "merged", "unknown_placement")
    for col, justify in (
        ("Council", "left"),
        ("Year", "right"),
        ("Read", "right"),
        ("Kept", "right"),
        ("Repaired", "right"),
        ("Flagged", "right"),
        ("Dropped", "right"),
        ("Merged", "right"),
        ("Unknown placement", "right"),
    ):
        table.add_column(col, justify=justify)
    for row in s.iter_rows(named=True):
        table.add_row(
            row["council"], str(row["collection_year"]), *(f"{row[c]:,}" for c in counted)
        )
    t = res.quality.totals()
    table.add_row("[bold]Total[/]", "", *(f"[bold]{t[c]:,}[/]" for c in counted))
    return table


def validate(
    path: Path = typer.Argument(
        ..., help="Folder of returns (DIR/<council>/<year>/), a council folder, or a manifest."
    ),
    council: str = typer.Option(
        None, "--council", help="Council name, ONS code or DfE number when the layout does not say."
    ),
    year: int = typer.Option(
        None,
        "--year",
        help="Collection year of a folder or file holding one return (e.g. 2019 for 2018-19); default: from its latest episode start.",
    ),
    postcodes: Path = typer.Option(
        None,
        "--postcodes",
        help="ONS Postcode Directory CSV, for distances and in/out of area (default: postcodes.csv beside the returns or one level up, else the ONS directory).",
    ),
    pseudonymise: bool = typer.Option(
        False,
        "--pseudonymise",
        help="Replace child ids by keyed pseudonyms; DOB to month; postcodes to sector.",
    ),
    key_file: Path = typer.Option(
        None,
        "--key-file",
        help="File holding the pseudonymisation key (else CARECAST_PSEUDONYM_KEY).",
    ),
    merge_legal_changes: bool = typer.Option(
        False,
        "--merge-legal-changes",
        help="Merge episodes that only change legal status (RNE L/U).",
    ),
    categories: Path = typer.Option(
        None, "--categories", help="Placement categories YAML (default: shipped)."
    ),
    out: Path = typer.Option(
        None, "--out", help="Data-quality report: .html, .json, .xlsx or .csv."
    ),
    dfe_rules: bool = typer.Option(
        True,
        "--dfe-rules/--no-dfe-rules",
        help="Check every return against the DfE's validation rules for its year (in the report).",
    ),
    cleaned_out: Path = typer.Option(
        None,
        "--cleaned-out",
        help="Cleaned episodes (.csv or .parquet); children and the other tables go beside it as <name>_children, <name>_reviews, ...",
    ),
) -> None:
    """Load, check and clean SSDA903 returns, and report every row dropped, repaired or merged."""
    from carecast.services.ingest import ValidateRequest, require_usable, run_validate

    request = ValidateRequest.build(
        source=path,
        council=council,
        year=year,
        postcodes=postcodes,
        pseudonymise=pseudonymise,
        key_file=key_file,
        merge_legal_changes=merge_legal_changes,
        categories=categories,
        dfe_rules=dfe_rules and out is not None,
    )
    with progress_bar("Reading returns") as progress:
        run = run_validate(request, progress=progress)
    console.print(run.lookup_note)
    res = run.loaded
    console.print(summary_table(res))
    top = res.quality.by_rule().head(8)
    if top.height:
        console.print(
            "Problems (drops first, then repairs, flags, merges): "
            + "; ".join(
                f"{r['rule_id']} {r['count']:,} ({r['action']})" for r in top.iter_rows(named=True)
            )
        )
    if out is not None:
        written = write_report(run.report, out)
        console.print(f"Data-quality report: {', '.join(str(p) for p in written)}")
    if cleaned_out is not None:
        written = write_cleaned(res, cleaned_out)
        console.print(f"Cleaned data: {', '.join(str(p) for p in written)}")
    require_usable(run, path)
    console.print(
        f"[green]Usable:[/] {res.episodes.height:,} episodes for {res.children.height:,} children "
        f"in {len(res.coverage['councils'])} council(s)."
    )
    unread = res.quality.unrecognised
    if unread:  # the rest was loaded and reported, but a council must not take this for complete
        raise CarecastError(
            f"{len(unread)} file(s) or sheet(s) are not any 903 table and were not read: "
            + "; ".join(unread[:5])
            + ("; ..." if len(unread) > 5 else ""),
            where=Location(file=str(path)),
            fix="give each the column names of the 903 table it holds (row 1, as in the DfE guide), "
            "or move it out of the return's folder; the report lists them under 'Files and sheets not read'",
        )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


__all__ = ["register", "summary_table", "validate", "write_cleaned"]
