"""Home and placement areas and distances for the cleaned episodes.

The postcode directory (a user's ONSPD/NSPL extract, a ``postcodes.csv`` beside the returns, or
by default the ONS directory carecast ships with) is read and checked by
:mod:`carecast.plumbing.geo`; only the postcodes the episodes use are looked up, so a full
2.7-million-row directory costs one scan. ``in_area`` says whether the placement is inside the
placing council's own area.
"""

from __future__ import annotations

import polars as pl

from carecast.ingest.quality import empty_events, events
from carecast.plumbing.geo import Point, PostcodeDirectory, distance_miles
from carecast.schema.councils import ons_code_names


def add_geography(
    episodes: pl.DataFrame, directory: PostcodeDirectory
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add home_la, placement_la, distance_miles and in_area; events for postcodes not found."""
    names = ons_code_names().select(
        pl.col("ons_code").alias("la_code"), pl.col("name").alias("la_name")
    )
    ep = episodes.drop("home_la", "placement_la", "distance_miles", "in_area", strict=False)
    both = directory.locate(pl.concat([ep["home_post"], ep["pl_post"]])).join(
        names, on="la_code", how="left", maintain_order="left"
    )  # one scan for both columns
    located = {}
    for side, part in (("h", both.head(ep.height)), ("p", both.tail(ep.height))):
        located[side] = part.select(
            pl.coalesce("la_name", "la_code").alias(f"_{side}la"),
            *(pl.col(c).alias(f"_{side}{c}") for c in ("lat", "lon", "easting", "northing")),
        )
    ep = pl.concat([ep, located["h"], located["p"]], how="horizontal")
    out = [empty_events()]
    for la, raw, col in (("_hla", "home_post", "HOME_POST"), ("_pla", "pl_post", "PL_POST")):
        miss = ep.filter(
            pl.col(raw).str.strip_chars().replace("", None).is_not_null() & pl.col(la).is_null()
        )
        if miss.height:
            out.append(events(miss, "POSTCODE_NOT_FOUND", "episodes", col))
    home = Point(pl.col("_hlat"), pl.col("_hlon"), pl.col("_heasting"), pl.col("_hnorthing"))
    place = Point(pl.col("_plat"), pl.col("_plon"), pl.col("_peasting"), pl.col("_pnorthing"))
    ep = ep.with_columns(
        pl.col("_hla").alias("home_la"),
        pl.col("_pla").alias("placement_la"),
        distance_miles(home, place).alias("distance_miles"),
        pl.when(pl.col("_pla").is_not_null())
        .then(pl.col("_pla") == pl.col("council"))
        .alias("in_area"),
    ).drop([c for c in ep.columns if c.startswith(("_h", "_p"))])
    return ep, pl.concat(out)
