"""Spend against budget: in-year deficit by council and year, and outturn against next year's budget.

In-year deficit % = (spend − budget) / budget (Under pressure, "London wide trends"). A council is
"in deficit" when spend exceeds budget. Pooled figures are Σ(spend − budget) / Σ budget over the
councils in the figure, stated for every council with figures that year and, separately, for the
councils with a complete series (the report's multi-year basis).

Forward risk compares a year's outturn with the budget set for the following year ("in around 70%
of boroughs 2017-18 expenditure ... exceeds the allocation or budget set for 2018-19").
"""

from __future__ import annotations

import polars as pl

from carecast.benchmark.measures import parameters
from carecast.benchmark.series import Coverage, complete, years_text
from carecast.schema import financial_year_label

_LABEL = pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8).alias("year_label")


def _service_frames(wide: pl.DataFrame) -> pl.DataFrame:
    """One row per council, year and service with spend and budget (nulls where not given)."""
    frames = [
        wide.select(
            "council",
            "year",
            pl.lit(key).alias("service"),
            pl.lit(spec["label"]).alias("service_label"),
            pl.col(spec["spend"]).alias("spend_gbp"),
            pl.col(spec["budget"]).alias("budget_gbp"),
        )
        for key, spec in parameters()["services"].items()
    ]
    return pl.concat(frames)


def deficits(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Per council-year deficit table, per service-year summary, and each summary row's coverage."""
    rows = _service_frames(wide).filter(pl.col("year").is_in(years))
    detail = (
        rows.filter(pl.col("spend_gbp").is_not_null() & pl.col("budget_gbp").is_not_null())
        .with_columns(
            (pl.col("spend_gbp") - pl.col("budget_gbp")).alias("deficit_gbp"),
            ((pl.col("spend_gbp") - pl.col("budget_gbp")) / pl.col("budget_gbp")).alias(
                "deficit_pct"
            ),
            (pl.col("spend_gbp") > pl.col("budget_gbp")).alias("in_deficit"),
            _LABEL,
        )
        .select(
            "service_label",
            "council",
            "year",
            "year_label",
            "spend_gbp",
            "budget_gbp",
            "deficit_gbp",
            "deficit_pct",
            "in_deficit",
            "service",
        )
        .sort("service", "year", "council")
    )
    coverage: list[Coverage] = []
    pieces = []
    for key, spec in parameters()["services"].items():
        series = complete(
            wide,
            [spec["spend"], spec["budget"]],
            years,
            f"{spec['label']}: spend vs budget, complete series",
        )
        coverage.append(series)
        for year in years:
            this = detail.filter((pl.col("service") == key) & (pl.col("year") == year))
            coverage.append(
                complete(
                    wide,
                    [spec["spend"], spec["budget"]],
                    [year],
                    f"{spec['label']}: spend vs budget, all councils with figures",
                )
            )
            pieces.append(
                _pooled(this, key, spec["label"], year, "all councils with figures that year")
            )
            pieces.append(
                _pooled(
                    this.filter(pl.col("council").is_in(series.councils)),
                    key,
                    spec["label"],
                    year,
                    f"complete series {years_text(years)}",
                )
            )
    summary = pl.concat(pieces).sort("service", "basis", "year")
    return detail, summary, coverage


def _pooled(frame: pl.DataFrame, service: str, label: str, year: int, basis: str) -> pl.DataFrame:
    return frame.select(
        pl.lit(label).alias("service_label"),
        pl.lit(basis).alias("basis"),
        pl.lit(year, dtype=pl.Int32).alias("year"),
        pl.lit(financial_year_label(year)).alias("year_label"),
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("in_deficit").sum().cast(pl.Int64).alias("n_in_deficit"),
        pl.col("spend_gbp").sum().alias("spend_gbp"),
        pl.col("budget_gbp").sum().alias("budget_gbp"),
        pl.col("deficit_gbp").sum().alias("deficit_gbp"),
        (pl.col("deficit_gbp").sum() / pl.col("budget_gbp").sum()).alias("deficit_pct"),
        pl.col("council").sort().str.join("; ").alias("councils"),
        pl.lit(service).alias("service"),
    )


def forward_risk(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Each year's outturn against the next year's budget, per council, with a per-year summary.

    ``wide`` may hold a budget for the year after the last of ``years`` (a budget set but not yet
    spent): it is used as the last year's "next budget".

    The summary's "either service" rows count councils whose outturn exceeds next year's budget
    in children's social care or high needs, among councils with both comparisons.
    """
    rows = _service_frames(wide)
    nxt = rows.select(
        "council",
        "service",
        (pl.col("year") - 1).cast(pl.Int32).alias("year"),
        pl.col("budget_gbp").alias("next_budget_gbp"),
    )
    detail = (
        rows.filter(pl.col("year").is_in(years))
        .join(nxt, on=["council", "service", "year"], how="inner")
        .filter(pl.col("spend_gbp").is_not_null() & pl.col("next_budget_gbp").is_not_null())
        .with_columns(
            (pl.col("spend_gbp") - pl.col("next_budget_gbp")).alias("gap_gbp"),
            (pl.col("spend_gbp") > pl.col("next_budget_gbp")).alias("exceeds_next_budget"),
            _LABEL,
            (pl.col("year") + 1)
            .map_elements(financial_year_label, return_dtype=pl.Utf8)
            .alias("next_year_label"),
        )
        .select(
            "service_label",
            "council",
            "year",
            "year_label",
            "spend_gbp",
            "next_year_label",
            "next_budget_gbp",
            "gap_gbp",
            "exceeds_next_budget",
            "service",
        )
        .sort("service", "year", "council")
    )
    either = (
        detail.group_by("council", "year", "year_label")
        .agg(pl.len().alias("services"), pl.col("exceeds_next_budget").any())
        .filter(pl.col("services") == len(parameters()["services"]))
        .with_columns(
            pl.lit("Either service").alias("service_label"), pl.lit("either").alias("service")
        )
    )
    by = ["service", "service_label", "year", "year_label"]
    summary = (
        pl.concat(
            [
                detail.select(*by, "council", "exceeds_next_budget"),
                either.select(*by, "council", "exceeds_next_budget"),
            ]
        )
        .group_by(by)
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("exceeds_next_budget").sum().cast(pl.Int64).alias("n_exceeding"),
            pl.col("exceeds_next_budget").mean().alias("exceeding_share"),
            pl.col("council").sort().str.join("; ").alias("councils"),
        )
        .sort("service", "year")
        .select(
            "service_label",
            "year_label",
            "n",
            "n_exceeding",
            "exceeding_share",
            "councils",
            "service",
            "year",
        )
    )
    coverage = [
        Coverage(
            f"{row['service_label']}: outturn vs next year's budget",
            row["year_label"],
            row["councils"].split("; "),
        )
        for row in summary.iter_rows(named=True)
    ]
    return detail, summary, coverage
