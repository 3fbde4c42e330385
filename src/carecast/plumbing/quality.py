"""One data-quality log: every row rejected, repaired, merged or flagged, with a reason.

The standard is that bad input never silently loses data, so each capability has to say what it
did to which rows. Before this module each wrote its own log with its own columns; one shape lets
the readers here (tables, dates, postcodes) record repairs the same way the capabilities do, and
lets every report show them as one table with the same headings.

A log entry names the rule, what happened to the rows (``severity``), where (file, row, column),
the offending value when it is not personal (codes, never ids, dates of birth or postcodes), a
plain-English message, the fix, and how many rows it covers (one entry can stand for many rows,
e.g. "212 repeated header lines").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import polars as pl

Severity = Literal["rejected", "repaired", "merged", "flagged"]
SEVERITIES: tuple[str, ...] = ("rejected", "repaired", "merged", "flagged")

ISSUE_SCHEMA = pl.Schema(
    {
        "rule": pl.Utf8,
        "severity": pl.Utf8,
        "file": pl.Utf8,
        "row": pl.Int64,
        "record": pl.Utf8,  # the record's own key when it is not personal (a home's URN, a council)
        "column": pl.Utf8,
        "value": pl.Utf8,
        "message": pl.Utf8,
        "fix": pl.Utf8,
        "count": pl.Int64,
    }
)

# Headings people read (the standards: no snake_case ids on a page).
_LABELS = {
    "rule": "Rule",
    "severity": "What happened",
    "file": "File",
    "row": "Row",
    "record": "Record",
    "column": "Column",
    "value": "Value",
    "message": "Problem",
    "fix": "What to do",
    "count": "Rows",
}


@dataclass(frozen=True)
class Issue:
    """One finding about the input. ``row`` is 1-based with the column header as row 1 (what an
    analyst sees in Excel); ``count`` is the number of rows the finding covers."""

    rule: str
    severity: Severity
    message: str
    fix: str = ""
    file: str | None = None
    row: int | None = None
    record: str | None = None
    column: str | None = None
    value: str | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:  # programming error: a new word would break the counts
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")


def issues_frame(issues: Iterable[Issue]) -> pl.DataFrame:
    """Issues as a frame with :data:`ISSUE_SCHEMA` (empty frame, right columns, when none)."""
    rows = [asdict(i) for i in issues]
    return pl.DataFrame(rows, schema=ISSUE_SCHEMA) if rows else empty_issues()


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def row_issues(
    rows: pl.DataFrame,
    *,
    rule: str,
    severity: Severity,
    message: str | pl.Expr,
    fix: str,
    file: str | pl.Expr | None = None,
    column: str | None = None,
    row: str = "row",
    value: pl.Expr | None = None,
    record: pl.Expr | None = None,
) -> pl.DataFrame:
    """One issue per row of ``rows`` (vectorised: for checks that flag many rows at once);
    ``file`` and ``message`` may be expressions (rows from several files, a message per row)."""
    return rows.select(
        pl.lit(rule).alias("rule"),
        pl.lit(severity).alias("severity"),
        (file if isinstance(file, pl.Expr) else pl.lit(file, dtype=pl.Utf8)).alias("file"),
        pl.col(row).cast(pl.Int64).alias("row"),
        (record if record is not None else pl.lit(None, dtype=pl.Utf8))
        .cast(pl.Utf8)
        .alias("record"),
        pl.lit(column, dtype=pl.Utf8).alias("column"),
        (value if value is not None else pl.lit(None, dtype=pl.Utf8)).cast(pl.Utf8).alias("value"),
        (message if isinstance(message, pl.Expr) else pl.lit(message))
        .cast(pl.Utf8)
        .alias("message"),
        pl.lit(fix).alias("fix"),
        pl.lit(1, dtype=pl.Int64).alias("count"),
    )


def combine(*parts: pl.DataFrame | Iterable[Issue]) -> pl.DataFrame:
    """Frames and lists of issues as one frame in :data:`ISSUE_SCHEMA`."""
    frames = [
        p.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA)
        if isinstance(p, pl.DataFrame)
        else issues_frame(p)
        for p in parts
    ]
    return pl.concat([empty_issues(), *frames])


def counts(issues: pl.DataFrame) -> pl.DataFrame:
    """Rows per rule, column and message, by what happened to them (rejected first), largest
    first: the summary a report leads with."""
    order = pl.col("severity").replace_strict(
        {s: i for i, s in enumerate(SEVERITIES)}, default=len(SEVERITIES)
    )
    return (
        issues.group_by("severity", "rule", "column", "message", "fix")
        .agg(pl.col("count").sum().alias("count"))
        .sort([order, "count", "rule"], descending=[False, True, False])
    )


def rows_affected(issues: pl.DataFrame, severity: str, *, unless: str | None = None) -> int:
    """Distinct (file, row) pairs with an issue of ``severity`` (and none of ``unless``)."""
    hit = issues.filter(pl.col("severity") == severity).select("file", "row").unique()
    if unless is not None:
        hit = hit.join(
            issues.filter(pl.col("severity") == unless).select("file", "row"),
            on=["file", "row"],
            how="anti",
        )
    return hit.height


def report_table(issues: pl.DataFrame) -> pl.DataFrame:
    """Issues (or their :func:`counts`) with human headings, for a :class:`~carecast.outputs.Report`
    section; columns with nothing in them (no file-level record keys, say) are left out."""
    shown = [
        c
        for c in ISSUE_SCHEMA
        if c in issues.columns and (issues.height == 0 or issues[c].null_count() < issues.height)
    ]
    return issues.select(shown).rename({c: _LABELS[c] for c in shown})


# --- loaders whose rules live in a YAML file (the 903 loader, the EHCP loader) ---------------

# What a rule's action (the word its rules.yaml uses) means for the row, in this log's words.
ACTION_SEVERITY: dict[str, Severity] = {
    "dropped": "rejected",
    "merged": "merged",
    "repaired": "repaired",
    "flagged": "flagged",
}


@dataclass(frozen=True)
class Rule:
    """A loader rule as its ``rules.yaml`` states it: what happens to the row, why, what to do."""

    id: str
    action: str  # dropped | merged | repaired | flagged
    reason: str
    fix: str

    @property
    def severity(self) -> Severity:
        return ACTION_SEVERITY[self.action]


def rule_rows_as_issues(events: pl.DataFrame, rules: dict[str, Rule]) -> pl.DataFrame:
    """A loader's per-row events (``rule_id``, ``source_file``, ``source_row``, ``column``,
    ``value``) as issues, each with its rule's severity, reason and fix."""
    table = pl.DataFrame(
        [
            {"rule": r.id, "severity": r.severity, "message": r.reason, "fix": r.fix}
            for r in rules.values()
        ],
        schema={"rule": pl.Utf8, "severity": pl.Utf8, "message": pl.Utf8, "fix": pl.Utf8},
    )
    rows = events.select(
        pl.col("rule_id").alias("rule"),
        pl.col("source_file").alias("file"),
        pl.col("source_row").cast(pl.Int64).alias("row"),
        pl.lit(None, dtype=pl.Utf8).alias("record"),
        pl.col("column").cast(pl.Utf8),
        pl.col("value").cast(pl.Utf8),
        pl.lit(1, dtype=pl.Int64).alias("count"),
    )
    return rows.join(table, on="rule", how="left", maintain_order="left").select(list(ISSUE_SCHEMA))
