"""``run_validate``: load, check and clean SSDA903 returns and report every row kept, repaired,
dropped or merged (``carecast validate`` and the web Upload page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field

from carecast.dferules.loaded import check_loaded_returns
from carecast.dferules.report import add_dfe_rules
from carecast.errors import InputError, Location, ParameterError
from carecast.ingest.load import LoadResult, load_returns
from carecast.logs import job_logged
from carecast.outputs import Report, run_metadata
from carecast.plumbing.geo import choose_lookup
from carecast.privacy import load_key
from carecast.services.base import Progress, Request, quiet
from carecast.services.inputs import existing_file


class ValidateRequest(Request):
    """Returns to read (a region folder, a council folder or a manifest) and how to clean them."""

    source: Path
    council: str | None = None
    year: int | None = Field(
        default=None, ge=2000, le=2100
    )  # a one-return folder's collection year
    postcodes: Path | None = None  # None: postcodes.csv beside the returns, else the ONS directory
    pseudonymise: bool = False
    key_file: Path | None = None  # else CARECAST_PSEUDONYM_KEY
    merge_legal_changes: bool = False
    categories: Path | None = None
    dfe_rules: bool = True  # check every return against the DfE's validation rules, in the report


@dataclass(frozen=True)
class ValidateRun:
    loaded: LoadResult
    report: Report
    postcodes: Path | None  # the lookup used (given, or found beside the returns)
    lookup_note: (
        str  # which lookup located the postcodes, in words (shown, never chosen in silence)
    )


def run_validate(
    request: ValidateRequest,
    *,
    progress: Progress = quiet,
    command: str = "validate",
    coverage: dict[str, Any] | None = None,
    record_paths: bool = True,
) -> ValidateRun:
    """The cleaned tables and their data-quality report (``record_paths=False``: the report names no
    folder, e.g. a web upload's staging folder on the server)."""
    with job_logged(
        "validate",
        pseudonymise=request.pseudonymise,
        merge_legal_changes=request.merge_legal_changes,
    ):
        if request.key_file is not None and not request.pseudonymise:
            raise ParameterError(
                "--key-file was given without --pseudonymise",
                fix="add --pseudonymise, or leave out --key-file",
            )
        existing_file(request.categories, "categories", "check the path, or leave out --categories")
        key = load_key(request.key_file) if request.pseudonymise else None
        lookup = choose_lookup(request.source, request.postcodes)
        postcodes = lookup.path
        loaded = load_returns(
            request.source,
            council=request.council,
            year=request.year,
            postcodes=postcodes,
            pseudonymise_key=key,
            merge_legal_changes=request.merge_legal_changes,
            categories=request.categories,
            progress=lambda done, total, label: progress(
                0.9 * done / max(total, 1), f"Reading {label}"[:60]
            ),
        )
        inputs: list[str | Path] = (
            [request.source, *([postcodes] if postcodes else [])] if record_paths else []
        )
        meta = run_metadata(
            command=command,
            inputs=inputs,
            parameters={
                "council": request.council,
                "year": request.year,
                "merge_legal_changes": request.merge_legal_changes,
                "pseudonymised": request.pseudonymise,
                "categories": str(request.categories) if request.categories else None,
            },
            coverage=coverage or loaded.coverage,
        )
        report = loaded.quality.to_report(meta)
        if request.dfe_rules:
            report = add_dfe_rules(report, check_loaded_returns(loaded.raw))
        return ValidateRun(loaded, report, postcodes, lookup.note)


def require_usable(run: ValidateRun, source: Path | str) -> None:
    """Refuse returns whose every row was dropped, naming the commonest reasons."""
    if not run.loaded.episodes.is_empty():
        return
    top = run.loaded.quality.by_rule().filter(pl.col("action") == "dropped").head(3)
    reasons = "; ".join(f"{r['rule_id']} ({r['count']:,} rows)" for r in top.iter_rows(named=True))
    raise InputError(
        f"no usable episodes: every row was dropped ({reasons or 'no rows'})",
        where=Location(file=str(source)),
        fix="see the data-quality report (--out report.html) for the rows and what to correct",
    )
