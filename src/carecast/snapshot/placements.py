"""The placements open on a date, each with where it is and what it is.

For every child looked after on the snapshot date this finds the open episode and derives the
host council (from the placement postcode's council, else the provider register by URN), the
location class relative to the placing council and the region, the distance band, the home's
Ofsted rating and the child's age. Every episode left out is counted with its reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.plumbing.episodes import in_care_on
from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, collection_year_bounds, conform
from carecast.snapshot.parameters import SnapshotParameters
from carecast.snapshot.providers import NOT_KNOWN, ProviderRegister
from carecast.snapshot.region import Region, canonical_names, council_facts

LOCATIONS = ("in_area", "in_region_out_of_area", "out_of_region", "unknown")
LOCATION_LABELS = {
    "in_area": "In own area",
    "in_region_out_of_area": "In region, out of own area",
    "out_of_region": "Out of region",
    "unknown": "Location unknown",
}
UNKNOWN_BAND = "unknown"


@dataclass
class OpenPlacements:
    """One row per child looked after on the date, plus the accounting of what was left out."""

    frame: pl.DataFrame
    coverage: list[str]  # region councils whose data covers the date
    other_councils: list[str]  # councils outside the region whose data was supplied
    exclusions: dict[str, int] = field(default_factory=dict)


def _empty_register() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "urn": pl.Utf8,
            "host_council": pl.Utf8,
            "places": pl.Int64,
            "ofsted_rating": pl.Utf8,
            "is_children_home": pl.Boolean,
            "is_external": pl.Boolean,
        }
    )


def distance_band_expr(params: SnapshotParameters) -> pl.Expr:
    """Distance in miles as its band label ("0-5", ..., "50+"), or "unknown"."""
    bounds = params.distance_bands_miles
    labels = params.distance_band_labels
    d = pl.col("distance_miles")
    expr = pl.when(d.is_null() | d.is_nan() | (d < 0)).then(pl.lit(UNKNOWN_BAND))
    for lo, label in reversed(list(zip(bounds, labels, strict=True))):
        expr = expr.when(d >= lo).then(pl.lit(label))
    return expr.otherwise(pl.lit(UNKNOWN_BAND))


def open_placements(
    episodes: pl.DataFrame,
    children: pl.DataFrame | None,
    *,
    date: dt.date,
    region: Region,
    params: SnapshotParameters,
    register: ProviderRegister | None = None,
) -> OpenPlacements:
    """Placements open on ``date`` (DECOM <= date < DEC, or DEC blank) with derived fields."""
    exclusions: dict[str, int] = {}
    eps = conform(episodes, EPISODE_COLUMNS).with_columns(
        canonical_names("council").alias("council"),
        canonical_names("placement_la").alias("placement_la"),
    )
    spans = eps.group_by("council").agg(
        pl.col("data_end").max().alias("_end"),
        pl.col("decom").min().alias("_first"),
        pl.col("collection_year")
        .min()
        .map_elements(lambda y: collection_year_bounds(y)[0], return_dtype=pl.Date)
        .alias("_start"),
    )
    spans = spans.with_columns(
        pl.when(pl.col("_end").is_not_null() & (pl.col("_end") < date))
        .then(pl.lit("open episode but the council's data ends before the snapshot date"))
        .when(pl.col("_start").is_not_null() & (pl.col("_start") > date))
        .then(pl.lit("open episode but the council's data starts after the snapshot date"))
        .alias("_uncovered")
    )
    supplied = (
        spans.filter(pl.col("_uncovered").is_null() & (pl.col("_first") <= date))
        .get_column("council")
        .drop_nulls()
        .sort()
        .to_list()
    )
    is_open = in_care_on(date)
    opened = eps.filter(is_open).join(
        spans.select("council", "_uncovered"), on="council", how="left"
    )
    for reason, n in (
        opened.filter(pl.col("_uncovered").is_not_null()).group_by("_uncovered").len().iter_rows()
    ):
        exclusions[reason] = n
    opened = opened.filter(pl.col("_uncovered").is_null()).drop("_uncovered")
    short = opened.filter(pl.col("is_short_break").fill_null(False)).height
    if short:
        exclusions["short-break episode (LS V3/V4): not looked after for this purpose"] = short
    opened = opened.filter(~pl.col("is_short_break").fill_null(False))
    before = opened.height
    opened = opened.sort(["council", "child_id", "decom", "source_row"], nulls_last=False).unique(
        ["council", "child_id"], keep="last", maintain_order=True
    )
    if before - opened.height:
        exclusions["overlapping episode open on the same date (latest start kept)"] = (
            before - opened.height
        )

    kids = (
        conform(children, CHILDREN_COLUMNS)
        if children is not None
        else conform(pl.DataFrame(), CHILDREN_COLUMNS)
    )
    kids = (
        kids.with_columns(canonical_names("council").alias("council"))
        .unique(["council", "child_id"], keep="first")
        .select(
            "council",
            "child_id",
            pl.col("sex").alias("_sex"),
            pl.col("dob").alias("_dob"),
            "ethnic",
        )
    )
    reg = register.homes if register is not None else _empty_register()
    reg = reg.select(
        "urn",
        pl.col("host_council").alias("_reg_host"),
        pl.col("places").alias("home_places"),
        "ofsted_rating",
        "is_children_home",
        "is_external",
    )
    facts = council_facts()
    area = facts.select("council", "london_area")

    frame = (
        opened.join(kids, on=["council", "child_id"], how="left")
        .with_columns(pl.col("urn").cast(pl.Utf8).str.strip_chars())
        .join(reg, on="urn", how="left")
        .with_columns(
            pl.coalesce("sex", "_sex").alias("sex"),
            pl.coalesce("dob", "_dob").alias("dob"),
            pl.coalesce("placement_la", "_reg_host").alias("host_council"),
            pl.when(pl.col("placement_la").is_not_null())
            .then(pl.lit("postcode"))
            .when(pl.col("_reg_host").is_not_null())
            .then(pl.lit("provider register"))
            .otherwise(pl.lit("none"))
            .alias("host_source"),
            pl.col("home_places").is_not_null().alias("in_register"),
            pl.col("ofsted_rating").fill_null(NOT_KNOWN),
        )
        .join(area, on="council", how="left")
    )
    host_in = region.contains("host_council")
    frame = frame.with_columns(
        region.contains("council").alias("placing_in_region"),
        host_in.fill_null(False).alias("host_in_region"),
        pl.when(
            pl.col("host_council").is_not_null() & (pl.col("host_council") == pl.col("council"))
        )
        .then(pl.lit("in_area"))
        .when(pl.col("host_council").is_not_null() & host_in)
        .then(pl.lit("in_region_out_of_area"))
        .when(pl.col("host_council").is_not_null())
        .then(pl.lit("out_of_region"))
        .when(pl.col("in_area").fill_null(False))
        .then(pl.lit("in_area"))
        .otherwise(pl.lit("unknown"))
        .alias("location"),
        distance_band_expr(params).alias("distance_band"),
        ((pl.lit(date) - pl.col("dob")).dt.total_days() / DAYS_PER_YEAR).alias("age"),
        pl.col("category").fill_null("other"),
    ).select(
        "council",
        "child_id",
        "london_area",
        "placing_in_region",
        "category",
        "host_council",
        "host_source",
        "host_in_region",
        "location",
        "distance_miles",
        "distance_band",
        "urn",
        "in_register",
        "home_places",
        "is_children_home",
        "is_external",
        "ofsted_rating",
        "age",
        "sex",
        "ethnic",
    )
    outside = frame.filter(~pl.col("placing_in_region"))
    if outside.height:
        exclusions[
            "placed by a council outside the region (counted only in the use of region homes)"
        ] = outside.height
    coverage = [c for c in supplied if c in region.members]
    other = [c for c in supplied if c not in region.members]
    return OpenPlacements(
        frame=frame, coverage=coverage, other_councils=other, exclusions=exclusions
    )
