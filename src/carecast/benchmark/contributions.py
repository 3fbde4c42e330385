"""Each spend category's contribution to the growth of its total (Under pressure: placements for
looked after children "make up just under half the £112 million increase", staffing 42%, all
other categories 11%).

For a total T with components c (their ``part_of`` in ``measures.yaml``), over the councils with
every component in every year of the window::

    change_c = Σ c(last year) − Σ c(first year)
    contribution_share_c = change_c / Σ_c change_c        (shares sum to 1)
    growth_pct_c = change_c / Σ c(first year)
"""

from __future__ import annotations

import polars as pl

from carecast.benchmark.measures import catalogue
from carecast.benchmark.series import Coverage, complete

SCHEMA = {
    "total": pl.Utf8,
    "total_label": pl.Utf8,
    "component": pl.Utf8,
    "component_label": pl.Utf8,
    "n": pl.Int64,
    "first_year_gbp": pl.Float64,
    "last_year_gbp": pl.Float64,
    "change_gbp": pl.Float64,
    "growth_pct": pl.Float64,
    "contribution_share": pl.Float64,
}


def component_change(
    wide: pl.DataFrame, councils: list[str], components: list[str], years: list[int]
) -> pl.DataFrame:
    """Σ first year, Σ last year and the change of each component over ``councils``."""
    base, end = min(years), max(years)
    pick = wide.filter(pl.col("council").is_in(councils))
    first = pick.filter(pl.col("year") == base).select([pl.col(c).sum() for c in components])
    last = pick.filter(pl.col("year") == end).select([pl.col(c).sum() for c in components])
    return (
        pl.DataFrame(
            {
                "component": components,
                "first_year_gbp": [float(first[c].item()) for c in components],
                "last_year_gbp": [float(last[c].item()) for c in components],
            }
        )
        .with_columns((pl.col("last_year_gbp") - pl.col("first_year_gbp")).alias("change_gbp"))
        .with_columns((pl.col("change_gbp") / pl.col("first_year_gbp")).alias("growth_pct"))
    )


def contributions(
    wide: pl.DataFrame, totals: list[str], years: list[int]
) -> tuple[pl.DataFrame, list[Coverage]]:
    """Contribution of each component to the change in each of ``totals``."""
    cat = catalogue()
    frames, coverage = [], []
    for total in totals:
        comps = cat.components(total)
        if not comps:
            continue
        cov = complete(wide, comps, years, f"Contributions to growth: {cat.label(total)}")
        coverage.append(cov)
        if not cov.councils:
            continue
        ch = component_change(wide, cov.councils, comps, years)
        total_change = ch["change_gbp"].sum()
        frames.append(
            ch.with_columns(
                pl.lit(total).alias("total"),
                pl.lit(cat.label(total)).alias("total_label"),
                pl.col("component")
                .replace_strict({c: cat.label(c) for c in comps})
                .alias("component_label"),
                pl.lit(cov.n, dtype=pl.Int64).alias("n"),
                (
                    pl.col("change_gbp") / total_change
                    if total_change
                    else pl.lit(None, dtype=pl.Float64)
                ).alias("contribution_share"),
            ).select(list(SCHEMA))
        )
    return (pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)), coverage
