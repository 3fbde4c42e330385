"""The four-quadrant analysis: councils grouped by the direction of demand and of spend.

Under pressure divides boroughs by whether the number of looked after children fell or rose
between the first and last year, and whether spend per head (0-25) fell or rose, then shows "for
each of these groups ... the total change in gross expenditure" on each component. A change of
exactly zero counts as "fell or flat". Councils need every measure (LAC, spend, population) in
every year of the window; component growth is over the group's councils that have every
component in every year, with its own n.
"""

from __future__ import annotations

import polars as pl

from carecast.benchmark.contributions import component_change
from carecast.benchmark.measures import catalogue, parameters
from carecast.benchmark.series import Coverage, complete


def quadrant_label(demand_rose: bool, spend_rose: bool) -> str:
    demand = "LAC rose" if demand_rose else "LAC fell or flat"
    spend = "spend per head rose" if spend_rose else "spend per head fell or flat"
    return f"{demand}, {spend}"


def quadrants(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[Coverage]]:
    """Per-council assignment, per-group summary and per-group component growth."""
    q = parameters()["quadrants"]
    demand, spend, per = q["demand"], q["spend"], q["per"]
    base, end = min(years), max(years)
    cov = complete(
        wide,
        [demand, spend, per],
        years,
        "Four quadrants: change in LAC x change in spend per head",
    )
    pick = wide.filter(pl.col("council").is_in(cov.councils))
    b = pick.filter(pl.col("year") == base).select(
        "council",
        pl.col(demand).alias("lac_first_year"),
        (pl.col(spend) / pl.col(per)).alias("spend_per_head_first_year"),
    )
    e = pick.filter(pl.col("year") == end).select(
        "council",
        pl.col(demand).alias("lac_last_year"),
        (pl.col(spend) / pl.col(per)).alias("spend_per_head_last_year"),
    )
    assigned = (
        b.join(e, on="council")
        .with_columns(
            (pl.col("lac_last_year") - pl.col("lac_first_year")).alias("lac_change"),
            (pl.col("spend_per_head_last_year") - pl.col("spend_per_head_first_year")).alias(
                "spend_per_head_change"
            ),
        )
        .with_columns(
            (pl.col("lac_change") / pl.col("lac_first_year")).alias("lac_change_pct"),
            (pl.col("spend_per_head_change") / pl.col("spend_per_head_first_year")).alias(
                "per_head_change_pct"
            ),
            (pl.col("lac_change") > 0).alias("lac_rose"),
            (pl.col("spend_per_head_change") > 0).alias("spend_rose"),
        )
    )
    labels = {(d, s): quadrant_label(d, s) for d in (False, True) for s in (False, True)}
    which = pl.lit(labels[(False, False)])
    for (d, s), label in labels.items():
        which = (
            pl.when((pl.col("lac_rose") == d) & (pl.col("spend_rose") == s))
            .then(pl.lit(label))
            .otherwise(which)
        )
    assigned = assigned.with_columns(which.alias("quadrant")).sort("quadrant", "council")
    cat = catalogue()
    comps = cat.components(spend)
    groups, growth, coverage = [], [], [cov]
    for (d, s), label in labels.items():
        members = assigned.filter((pl.col("lac_rose") == d) & (pl.col("spend_rose") == s))
        names = members["council"].to_list()
        groups.append(
            {
                "quadrant": label,
                "n": len(names),
                "councils": "; ".join(names),
                "lac_first_year": members["lac_first_year"].sum(),
                "lac_last_year": members["lac_last_year"].sum(),
                "lac_change_pct": (
                    members["lac_last_year"].sum() / members["lac_first_year"].sum() - 1
                )
                if names
                else None,
                "mean_spend_per_head_change": members["spend_per_head_change"].mean()
                if names
                else None,
            }
        )
        if comps and names:
            ccov = complete(
                wide, comps, years, f"Four quadrants, component growth: {label}", councils=names
            )
            coverage.append(ccov)
            if ccov.councils:
                ch = component_change(wide, ccov.councils, comps, years)
                growth.append(
                    ch.with_columns(
                        pl.lit(label).alias("quadrant"),
                        pl.lit(ccov.n, dtype=pl.Int64).alias("n"),
                        pl.col("component")
                        .replace_strict({c: cat.label(c) for c in comps})
                        .alias("component_label"),
                    ).select(
                        "quadrant",
                        "component",
                        "component_label",
                        "n",
                        "first_year_gbp",
                        "last_year_gbp",
                        "change_gbp",
                        "growth_pct",
                    )
                )
    summary = pl.DataFrame(
        groups,
        schema={
            "quadrant": pl.Utf8,
            "n": pl.Int64,
            "councils": pl.Utf8,
            "lac_first_year": pl.Float64,
            "lac_last_year": pl.Float64,
            "lac_change_pct": pl.Float64,
            "mean_spend_per_head_change": pl.Float64,
        },
    )
    growth_frame = (
        pl.concat(growth)
        if growth
        else pl.DataFrame(
            schema={
                "quadrant": pl.Utf8,
                "component": pl.Utf8,
                "component_label": pl.Utf8,
                "n": pl.Int64,
                "first_year_gbp": pl.Float64,
                "last_year_gbp": pl.Float64,
                "change_gbp": pl.Float64,
                "growth_pct": pl.Float64,
            }
        )
    )
    cols = [
        "quadrant",
        "council",
        "lac_first_year",
        "lac_last_year",
        "lac_change",
        "lac_change_pct",
        "spend_per_head_first_year",
        "spend_per_head_last_year",
        "spend_per_head_change",
        "per_head_change_pct",
        "lac_rose",
        "spend_rose",
    ]
    return assigned.select(cols), summary, growth_frame, coverage
