"""The data-quality report: every row dropped, repaired, merged or flagged, by rule, council and year.

The loader records one **event** per (row, rule) as it works — a small Polars frame of file, row,
column and (for code columns only) the value — and the per-file row counts. This module turns
them into the tables a council analyst acts on: a summary per council and collection year (rows
read, kept, repaired, dropped, merged), the rule counts with example rows by file and row
number, and the rules themselves with what to do. No child id, date of birth or postcode is ever
shown: examples point at the file and row instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from carecast.outputs import Report, Section, run_metadata
from carecast.parameters import shipped
from carecast.plumbing.quality import Rule, rule_rows_as_issues

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "uid": pl.Int64,  # the loader's row id (null for file-level events)
    "council": pl.Utf8,
    "collection_year": pl.Int32,
    "table": pl.Utf8,
    "rule_id": pl.Utf8,
    "source_file": pl.Utf8,
    "source_row": pl.Int64,
    "column": pl.Utf8,
    "value": pl.Utf8,  # only for non-personal columns
}
ROWS_SCHEMA: dict[str, pl.DataType] = {
    "council": pl.Utf8,
    "collection_year": pl.Int32,
    "table": pl.Utf8,
    "source_file": pl.Utf8,
    "rows_read": pl.Int64,
}
EXAMPLES = 5  # example rows shown per council, year and rule


@cache
def rules() -> dict[str, Rule]:
    """The loader's rules, from ``ingest/data/rules.yaml``."""
    doc = _document()["rules"]
    return {k: Rule(k, v["action"], v["reason"], v["fix"]) for k, v in doc.items()}


@cache
def _document() -> dict:
    text = resources.files("carecast.ingest").joinpath("data/rules.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def rule_parameter(name: str) -> float:
    """A threshold the rules use (cited in ``ingest/data/parameters.yaml``)."""
    return shipped("carecast.ingest", "parameters.yaml").value(name)


def rule_ids(*actions: str) -> list[str]:
    """Ids of the rules whose action is one of ``actions``."""
    return [k for k, r in rules().items() if r.action in actions]


def rules_frame() -> pl.DataFrame:
    return pl.DataFrame([r.__dict__ for r in rules().values()]).rename({"id": "rule_id"})


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


def events(
    frame: pl.DataFrame,
    rule_id: str,
    table: str,
    column: str | None = None,
    value: pl.Expr | None = None,
) -> pl.DataFrame:
    """Events for every row of ``frame`` (which carries the loader's metadata columns)."""
    if rule_id not in rules():
        raise KeyError(f"unknown rule {rule_id}")  # programming error: add it to rules.yaml
    return frame.select(
        pl.col("uid").cast(pl.Int64),
        pl.col("council"),
        pl.col("collection_year").cast(pl.Int32),
        pl.lit(table).alias("table"),
        pl.lit(rule_id).alias("rule_id"),
        pl.col("source_file"),
        pl.col("source_row").cast(pl.Int64),
        pl.lit(column, dtype=pl.Utf8).alias("column"),
        (value if value is not None else pl.lit(None, dtype=pl.Utf8)).cast(pl.Utf8).alias("value"),
    )


def _outcome_figure(summary: pl.DataFrame):
    """Stacked bars: what happened to the episode rows of each collection year's returns."""
    import plotly.graph_objects as go

    by_year = (
        summary.group_by("collection_year").agg(pl.exclude("council").sum()).sort("collection_year")
    )
    by_year = by_year.with_columns((pl.col("kept") - pl.col("repaired")).alias("kept as read"))
    fig = go.Figure()
    for col, colour in (
        ("kept as read", "#1F3864"),
        ("repaired", "#4F81BD"),
        ("merged", "#9BBB59"),
        ("dropped", "#C0504D"),
    ):
        fig.add_bar(
            x=by_year["collection_year"].to_list(),
            y=by_year[col].to_list(),
            name=col,
            marker_color=colour,
        )
    fig.update_layout(
        barmode="stack",
        title="Episode rows by outcome and collection year (all councils)",
        xaxis_title="Collection year (return)",
        yaxis_title="Episode rows",
        height=380,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


@dataclass
class QualityReport:
    """What the loader did to each council's returns, and why.

    ``events``: one row per (row, rule), including repairs and flags on rows later merged into a
    newer copy (the report lists them; the summary counts only rows that survive). ``rows``: rows
    read per file. ``kept``: episodes kept per (council, collection_year) of the return each kept
    row came from.
    """

    events: pl.DataFrame
    rows: pl.DataFrame
    kept: pl.DataFrame
    kept_uids: pl.DataFrame  # uid of every kept episode row
    unverified_codes: list[str] = field(default_factory=list)
    unread: pl.DataFrame | None = None  # files/sheets not recognised as a 903 table: file, reason

    def issues(self) -> pl.DataFrame:
        """Every event in the one data-quality shape (:mod:`carecast.plumbing.quality`)."""
        return rule_rows_as_issues(self.events, rules())

    @property
    def unrecognised(self) -> list[str]:
        """The files and sheets that were not read because no 903 table fits them."""
        return [] if self.unread is None else self.unread["source_file"].to_list()

    def _with_rules(self) -> pl.DataFrame:
        return self.events.join(rules_frame(), on="rule_id", how="left")

    def summary(self) -> pl.DataFrame:
        """Episode rows per council and collection year: read, kept, repaired, dropped, merged, flagged,
        and ``unknown_placement``: kept rows whose PLACE is not in that year's code list (they are
        classified "Other", and a council should know how many before trusting the mix).

        ``kept + dropped + merged == read`` for every council and year.
        """
        read = (
            self.rows.filter(pl.col("table") == "episodes")
            .group_by("council", "collection_year")
            .agg(pl.col("rows_read").sum().alias("read"))
        )
        ev = self._with_rules().filter(pl.col("table") == "episodes", pl.col("uid").is_not_null())
        # repaired / flagged describe rows that survive; a merged or dropped row counts once, as such
        ev = pl.concat(
            [
                ev.filter(pl.col("action").is_in(["dropped", "merged"])),
                ev.filter(pl.col("action").is_in(["repaired", "flagged"])).join(
                    self.kept_uids, on="uid", how="semi"
                ),
            ]
        )
        per_action = (
            ev.group_by("council", "collection_year", "action")
            .agg(pl.col("uid").n_unique().alias("n"))
            .pivot(on="action", index=["council", "collection_year"], values="n")
        )
        unknown_place = (
            ev.filter(pl.col("rule_id") == "UNKNOWN_CODE", pl.col("column") == "PLACE")
            .group_by("council", "collection_year")
            .agg(pl.col("uid").n_unique().alias("unknown_placement"))
        )
        out = (
            read.join(self.kept, on=["council", "collection_year"], how="left")
            .join(per_action, on=["council", "collection_year"], how="left")
            .join(unknown_place, on=["council", "collection_year"], how="left")
        )
        for col in ("kept", "dropped", "merged", "repaired", "flagged"):
            if col not in out.columns:
                out = out.with_columns(pl.lit(0).alias(col))
        return (
            out.select(
                "council",
                "collection_year",
                "read",
                "kept",
                "repaired",
                "flagged",
                "dropped",
                "merged",
                "unknown_placement",
            )
            .with_columns(pl.exclude("council", "collection_year").fill_null(0).cast(pl.Int64))
            .sort("council", "collection_year")
        )

    def counts(self) -> pl.DataFrame:
        """Rows affected per (council, collection_year, table, rule), with example file+row references."""
        ev = self._with_rules()
        if ev.is_empty():
            return pl.DataFrame(
                schema={
                    "council": pl.Utf8,
                    "collection_year": pl.Int32,
                    "table": pl.Utf8,
                    "rule_id": pl.Utf8,
                    "action": pl.Utf8,
                    "count": pl.Int64,
                    "reason": pl.Utf8,
                    "examples": pl.Utf8,
                    "fix": pl.Utf8,
                }
            )
        ref = (
            pl.col("source_file")
            + pl.when(pl.col("source_row").is_not_null())
            .then(pl.lit(" row ") + pl.col("source_row").cast(pl.Utf8))
            .otherwise(pl.lit(""))
            + pl.when(pl.col("column").is_not_null())
            .then(pl.lit(" ") + pl.col("column"))
            .otherwise(pl.lit(""))
            + pl.when(pl.col("value").is_not_null())
            .then(pl.lit("='") + pl.col("value") + pl.lit("'"))
            .otherwise(pl.lit(""))
        )
        return (
            ev.sort("source_file", "source_row", nulls_last=False)
            .with_columns(ref.alias("_ref"))
            .group_by("council", "collection_year", "table", "rule_id", "action", "reason", "fix")
            .agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col("_ref").head(EXAMPLES).str.join("; ").alias("examples"),
            )
            .select(
                "council",
                "collection_year",
                "table",
                "rule_id",
                "action",
                "count",
                "reason",
                "examples",
                "fix",
            )
            .sort("council", "collection_year", "table", "rule_id")
        )

    def totals(self) -> dict[str, int]:
        s = self.summary()
        return {
            c: int(s[c].sum())
            for c in (
                "read",
                "kept",
                "repaired",
                "flagged",
                "dropped",
                "merged",
                "unknown_placement",
            )
        }

    def by_rule(self) -> pl.DataFrame:
        """Rows affected per rule across all councils and years: drops first, then repairs, flags, merges."""
        c = self.counts()
        rank = {
            "dropped": 0,
            "repaired": 1,
            "flagged": 2,
            "merged": 3,
        }  # what most needs a look first
        return (
            c.group_by("rule_id", "action", "reason", "fix")
            .agg(pl.col("count").sum())
            .sort(
                pl.col("action").replace_strict(rank, default=9),
                pl.col("count"),
                descending=[False, True],
            )
        )

    def to_report(self, metadata: dict[str, Any] | None = None) -> Report:
        """The report a council analyst acts on: summary, rules by council and year, examples."""
        meta = metadata or run_metadata(command="validate")
        summary = self.summary()
        t = self.totals()
        text = (
            f"{t['read']:,} episode rows read: {t['kept']:,} kept ({t['repaired']:,} of them repaired, "
            f"{t['flagged']:,} flagged), {t['dropped']:,} dropped, {t['merged']:,} merged into other rows. "
            "Every row read is kept, dropped or merged: kept + dropped + merged = read."
        )
        if t["unknown_placement"]:
            text += (
                f" {t['unknown_placement']:,} kept episodes have a placement code (PLACE) that is not in "
                "their collection year's code list; they are counted as 'Other' placements until "
                "corrected (rule UNKNOWN_CODE, column PLACE)."
            )
        files = self.rows.sort("council", "collection_year", "table")
        sections = [
            Section(
                "Summary by council and collection year",
                text=text,
                tables={"summary": summary},
                figures=[_outcome_figure(summary)],
                notes=[
                    "'Merged' rows are repeats of an episode (usually an open episode repeated by the "
                    "next year's return) or legal-status-only changes: nothing is lost.",
                    "Years are collection years: 2019 is the return for 1 April 2018 to 31 March 2019.",
                ],
            ),
            Section(
                "Problems by rule",
                text="What was done to how many rows, across all councils and years.",
                tables={"rules": self.by_rule()},
            ),
            Section(
                "Problems by council, year and rule",
                text="Each line names the rule, how many rows it touched and example rows by file and "
                "row number (row 1 is the column names, as in Excel) so they can be found and corrected.",
                tables={"issues": self.counts()},
                notes=[
                    "Child ids, dates of birth and postcodes are never shown; use the file and row."
                ],
            ),
            Section("Files read", tables={"files": files}),
        ]
        if self.unrecognised:
            sections.insert(
                0,
                Section(
                    "Files and sheets not read",
                    text=f"{len(self.unrecognised)} file(s) or sheet(s) of the returns are not any 903 table "
                    "and were not read. Rename their columns to the 903 column names of the table they hold, "
                    "or move them out of the returns' folders.",
                    tables={"not_read": self.unread},
                ),
            )
        if self.unverified_codes:
            sections.append(
                Section(
                    "Code lists to verify",
                    text="These code-list changes are carecast's best "
                    "reading and should be checked against the DfE guidance for the year.",
                    tables={
                        "unverified_code_lists": pl.DataFrame({"change": self.unverified_codes})
                    },
                )
            )
        return Report(
            title="SSDA903 data-quality report",
            metadata=meta,
            sections=sections,
            primary_table="issues",
        )
