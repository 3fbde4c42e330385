"""The council x year panel the forecast and backtest run on: stock, starts, ceased, population.

One row per *area* and year ending 31 March: a council, or a reorganised area whose history is
its successors summed back (:mod:`carecast.published.reorganisations`). A reorganised area's
figure for a year is the sum over all of its predecessors or all of its successors; a year with
only some of them published is missing ("incomplete area"), never a partial sum. Population is
the ONS estimate for mid-(year-1); where it is not published the nearest year's is carried and
``population_source`` says so.
"""

from __future__ import annotations

import polars as pl

from carecast.published import reorganisations
from carecast.published.load import SUB_REGIONS, Published

MEASURES = ("stock", "starts", "ceased")
LONDON = ("E12000007", "London")


def _with_area(frame: pl.DataFrame) -> pl.DataFrame:
    areas = reorganisations.area_map().select("dfe_number", "area")
    return frame.join(areas, on="dfe_number", how="left").with_columns(
        pl.coalesce("area", "dfe_number").alias("key")
    )


def _complete(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Sum ``value`` over each area's members, kept only where the members present are exactly
    its predecessors or exactly its successors (a plain council: its one figure)."""
    sets = reorganisations.complete_sets()
    summed = (
        frame.filter(pl.col("value").is_not_null())
        .group_by(by)
        .agg(pl.col("value").sum(), pl.col("dfe_number").sort().alias("members"))
    )
    valid = [
        row["area"] is None or frozenset(row["members"]) in sets[row["area"]]
        for row in summed.select("area", "members").iter_rows(named=True)
    ]
    return summed.filter(pl.Series(valid, dtype=pl.Boolean)).drop("members")


def areas(published: Published) -> pl.DataFrame:
    """key, dfe_number, ons_code, name, region_code, region_name, first_year, last_year per area.

    A council's ONS code and name are those of the latest year it appears (codes changed for
    Buckinghamshire 2020, North Yorkshire and Somerset 2023; the DfE number did not)."""
    rows = _with_area(
        published.cla.filter(pl.col("level") == "Council", pl.col("value").is_not_null())
    )
    rows = rows.with_columns(  # London councils are filed under Inner or Outer London
        pl.when(pl.col("region_code").is_in(SUB_REGIONS))
        .then(pl.lit(LONDON[0]))
        .otherwise(pl.col("region_code"))
        .alias("region_code"),
        pl.when(pl.col("region_code").is_in(SUB_REGIONS))
        .then(pl.lit(LONDON[1]))
        .otherwise(pl.col("region_name"))
        .alias("region_name"),
    )
    latest = rows.sort("year").group_by("dfe_number", maintain_order=True).last()
    meta = reorganisations.area_map().select("area", "area_name").unique()
    by_key = latest.group_by("key").agg(
        pl.col("dfe_number").sort().str.join("+").alias("dfe_number"),
        pl.col("ons_code").sort_by("dfe_number").str.join("+").alias("ons_code"),
        pl.col("name").first(),
        pl.col("region_code").mode().first(),
        pl.col("region_name").mode().first(),
        pl.col("area").first(),
    )
    spans = rows.group_by("key").agg(
        pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year")
    )
    out = by_key.join(meta, on="area", how="left").with_columns(
        pl.coalesce("area_name", "name").alias("name"),
        pl.when(pl.col("area").is_not_null())
        .then(pl.col("area"))
        .otherwise(pl.col("dfe_number"))
        .alias("dfe_number"),
    )
    return out.join(spans, on="key").drop("area", "area_name").sort("key")


def build(published: Published) -> pl.DataFrame:
    """The area x year panel (see the module docstring), sorted by key and year."""
    cla = _with_area(
        published.cla.filter(
            pl.col("level") == "Council",
            ~pl.col("outcome").str.starts_with("superseded"),
            ~pl.col("outcome").str.starts_with("set aside"),
        )
    )
    flows = _complete(cla, ["key", "area", "year", "measure"]).pivot(
        "measure", index=["key", "year"], values="value"
    )
    for m in MEASURES:
        if m not in flows.columns:
            flows = flows.with_columns(pl.lit(None, dtype=pl.Float64).alias(m))
    pop = published.population
    if pop.is_empty():  # fall back on the population the DfE file itself states
        pop = cla.select(
            "key", "area", "dfe_number", "year", pl.col("published_population").alias("value")
        )
        pop = pop.filter(pl.col("value").is_not_null()).unique(["dfe_number", "year"])
    else:
        pop = _with_area(pop.filter(pl.col("level") == "Council"))
    pop = _complete(pop, ["key", "area", "year"]).rename({"value": "population"})
    keys = areas(published)
    years = pl.DataFrame({"year": sorted(cla["year"].drop_nulls().unique())})
    grid = keys.select("key").join(years, how="cross")
    panel = grid.join(flows.select("key", "year", *MEASURES), on=["key", "year"], how="left")
    panel = panel.join(pop.select("key", "year", "population"), on=["key", "year"], how="left")
    panel = panel.sort("key", "year").with_columns(
        pl.when(pl.col("population").is_not_null())
        .then(pl.lit("ONS estimate"))
        .otherwise(pl.lit("carried from the nearest year (not published)"))
        .alias("population_source"),
        pl.col("population").forward_fill().backward_fill().over("key"),
    )
    return panel.join(keys, on="key").sort("key", "year")


def successor_shares(published: Published, year: int) -> pl.DataFrame:
    """(area, dfe_number, ons_code, name, share) of each successor in the area's stock in
    ``year``: how a forecast for a reorganised area is split back to its councils."""
    cla = _with_area(
        published.cla.filter(
            pl.col("level") == "Council",
            pl.col("measure") == "stock",
            pl.col("year") == year,
            pl.col("value").is_not_null(),
            ~pl.col("outcome").str.starts_with("superseded"),
        )
    ).filter(pl.col("area").is_not_null())
    succ = reorganisations.area_map().filter(pl.col("role") == "successor").select("dfe_number")
    cla = cla.join(succ, on="dfe_number")
    return cla.select(
        "area",
        "dfe_number",
        "ons_code",
        "name",
        "region_code",
        "region_name",
        (pl.col("value") / pl.col("value").sum().over("area")).alias("share"),
    ).sort("area", "dfe_number")
