"""Spend per head and per deprived child, its change controlling for population, and trends.

* **Levels** (one year): spend / population aged 0-25 and spend / deprived children and young
  people (IDACI), with min, max, the unweighted mean of councils, the pooled figure Σspend/Σpop,
  and each council's rank (1 = highest).
* **Change per head** (first to last year): spend_end/pop_end − spend_base/pop_base, so growth in
  the 0-25 population is taken out ("controlling for population changes", Under pressure).
* **Trends**: totals of each measure over the councils with a complete series, first and last year.
"""

from __future__ import annotations

import polars as pl

from carecast.benchmark.measures import catalogue, parameters
from carecast.benchmark.series import Coverage, complete, years_text
from carecast.schema import financial_year_label


def _rank(col: str) -> pl.Expr:
    """Rank 1 = highest, ties share the better rank (as in the s251 benchmarking tables)."""
    return pl.col(col).rank(method="min", descending=True).cast(pl.Int64)


def levels(wide: pl.DataFrame, year: int) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Per-council spend per head and per deprived child in ``year``, and the range across councils."""
    pop, dep = parameters()["per_head_population"], parameters()["deprived_population"]
    frame = wide.filter(pl.col("year") == year)
    details, summaries, coverage = [], [], []
    for key, spec in parameters()["services"].items():
        for denom, what, out in (
            (pop, "per head aged 0-25", "spend_per_head"),
            (dep, "per deprived child or young person", "spend_per_deprived_child"),
        ):
            cov = complete(wide, [spec["spend"], denom], [year], f"{spec['label']}: spend {what}")
            coverage.append(cov)
            d = (
                frame.filter(pl.col("council").is_in(cov.councils))
                .select(
                    pl.lit(spec["label"]).alias("service_label"),
                    pl.lit(what).alias("basis"),
                    "council",
                    pl.lit(financial_year_label(year)).alias("year_label"),
                    pl.col(spec["spend"]).alias("spend_gbp"),
                    pl.col(denom).alias("denominator"),
                    pl.lit(denom).alias("denominator_measure"),
                    (pl.col(spec["spend"]) / pl.col(denom)).alias("spend_per_person"),
                )
                .with_columns(
                    _rank("spend_per_person").alias("rank"), pl.len().cast(pl.Int64).alias("of")
                )
                .sort("rank")
            )
            details.append(
                d.with_columns(pl.lit(key).alias("service"), pl.lit(out).alias("figure"))
            )
            if d.height:
                lo, hi = (
                    d.sort("spend_per_person").row(0, named=True),
                    d.sort("spend_per_person").row(-1, named=True),
                )
                summaries.append(
                    {
                        "service_label": spec["label"],
                        "basis": what,
                        "year_label": financial_year_label(year),
                        "n": d.height,
                        "min_spend": lo["spend_per_person"],
                        "min_council": lo["council"],
                        "max_spend": hi["spend_per_person"],
                        "max_council": hi["council"],
                        "mean_spend": d["spend_per_person"].mean(),
                        "pooled_spend": d["spend_gbp"].sum() / d["denominator"].sum(),
                        "service": key,
                    }
                )
    summary = pl.DataFrame(
        summaries,
        schema={
            "service_label": pl.Utf8,
            "basis": pl.Utf8,
            "year_label": pl.Utf8,
            "n": pl.Int64,
            "min_spend": pl.Float64,
            "min_council": pl.Utf8,
            "max_spend": pl.Float64,
            "max_council": pl.Utf8,
            "mean_spend": pl.Float64,
            "pooled_spend": pl.Float64,
            "service": pl.Utf8,
        },
    )
    return pl.concat(details), summary, coverage


def changes(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Change in spend per head (0-25) from the first to the last year, per council and summarised."""
    pop = parameters()["per_head_population"]
    base, end = min(years), max(years)
    details, summaries, coverage = [], [], []
    for key, spec in parameters()["services"].items():
        cov = complete(
            wide, [spec["spend"], pop], years, f"{spec['label']}: change in spend per head"
        )
        coverage.append(cov)
        pick = wide.filter(pl.col("council").is_in(cov.councils))
        b = pick.filter(pl.col("year") == base).select(
            "council",
            pl.col(spec["spend"]).alias("spend_base_gbp"),
            pl.col(pop).alias("population_base"),
        )
        e = pick.filter(pl.col("year") == end).select(
            "council",
            pl.col(spec["spend"]).alias("spend_end_gbp"),
            pl.col(pop).alias("population_end"),
        )
        d = (
            b.join(e, on="council")
            .with_columns(
                (pl.col("spend_base_gbp") / pl.col("population_base")).alias("spend_per_head_base"),
                (pl.col("spend_end_gbp") / pl.col("population_end")).alias("spend_per_head_end"),
            )
            .with_columns(
                (pl.col("spend_per_head_end") - pl.col("spend_per_head_base")).alias(
                    "spend_per_head_change"
                )
            )
            .with_columns(
                (pl.col("spend_per_head_change") / pl.col("spend_per_head_base")).alias(
                    "per_head_change_pct"
                )
            )
            .with_columns(
                pl.lit(spec["label"]).alias("service_label"), pl.lit(key).alias("service")
            )
            .select(
                "service_label",
                "council",
                "spend_base_gbp",
                "population_base",
                "spend_per_head_base",
                "spend_end_gbp",
                "population_end",
                "spend_per_head_end",
                "spend_per_head_change",
                "per_head_change_pct",
                "service",
            )
            .sort("spend_per_head_change", descending=True)
        )
        details.append(d)
        if d.height:
            lo, hi = d.row(-1, named=True), d.row(0, named=True)
            summaries.append(
                {
                    "service_label": spec["label"],
                    "years": years_text(years),
                    "n": d.height,
                    "mean_spend_per_head_change": d["spend_per_head_change"].mean(),
                    "min_spend_per_head_change": lo["spend_per_head_change"],
                    "min_council": lo["council"],
                    "max_spend_per_head_change": hi["spend_per_head_change"],
                    "max_council": hi["council"],
                    "min_change_pct": d["per_head_change_pct"].min(),
                    "max_change_pct": d["per_head_change_pct"].max(),
                    "n_rose": int((d["spend_per_head_change"] > 0).sum()),
                    "n_fell_or_flat": int((d["spend_per_head_change"] <= 0).sum()),
                    "service": key,
                }
            )
    summary = pl.DataFrame(
        summaries,
        schema={
            "service_label": pl.Utf8,
            "years": pl.Utf8,
            "n": pl.Int64,
            "mean_spend_per_head_change": pl.Float64,
            "min_spend_per_head_change": pl.Float64,
            "min_council": pl.Utf8,
            "max_spend_per_head_change": pl.Float64,
            "max_council": pl.Utf8,
            "min_change_pct": pl.Float64,
            "max_change_pct": pl.Float64,
            "n_rose": pl.Int64,
            "n_fell_or_flat": pl.Int64,
            "service": pl.Utf8,
        },
    )
    return pl.concat(details), summary, coverage


def trends(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Totals per year of each trend measure over its complete-series councils, and first→last change."""
    cat = catalogue()
    base, end = min(years), max(years)
    yearly, rows, coverage = [], [], []
    for measure in parameters()["trend_measures"]:
        cov = complete(wide, [measure], years, f"Trend: {cat.label(measure)}")
        coverage.append(cov)
        if not cov.councils:
            continue
        totals = (
            wide.filter(pl.col("council").is_in(cov.councils) & pl.col("year").is_in(years))
            .group_by("year")
            .agg(pl.col(measure).sum().alias("total"))
            .sort("year")
        )
        yearly.append(
            totals.select(
                pl.lit(measure).alias("measure"),
                pl.lit(cat.label(measure)).alias("label"),
                "year",
                pl.col("year")
                .map_elements(financial_year_label, return_dtype=pl.Utf8)
                .alias("year_label"),
                "total",
                pl.lit(cov.n, dtype=pl.Int64).alias("n"),
            )
        )
        first = totals.filter(pl.col("year") == base)["total"].item()
        last = totals.filter(pl.col("year") == end)["total"].item()
        rows.append(
            {
                "measure": measure,
                "label": cat.label(measure),
                "kind": cat.measures[measure].kind,
                "years": years_text(years),
                "n": cov.n,
                "total_first_year": first,
                "total_last_year": last,
                "change": last - first,
                "change_pct": (last - first) / first if first else None,
            }
        )
    growth = pl.DataFrame(
        rows,
        schema={
            "measure": pl.Utf8,
            "label": pl.Utf8,
            "kind": pl.Utf8,
            "years": pl.Utf8,
            "n": pl.Int64,
            "total_first_year": pl.Float64,
            "total_last_year": pl.Float64,
            "change": pl.Float64,
            "change_pct": pl.Float64,
        },
    )
    yearly_frame = (
        pl.concat(yearly)
        if yearly
        else pl.DataFrame(
            schema={
                "measure": pl.Utf8,
                "label": pl.Utf8,
                "year": pl.Int32,
                "year_label": pl.Utf8,
                "total": pl.Float64,
                "n": pl.Int64,
            }
        )
    )
    return growth, yearly_frame, coverage
