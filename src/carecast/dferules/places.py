"""Placement geography the DfE rules read: placement council, in or out of area, distance.

The DfE validator derives three fields from the episode postcodes before any rule runs:
``PL_LA`` (the upper-tier council of the placement postcode; SCO, NIR or WAL outside England),
``PL_LOCATION`` (IN when that is the placing council, else OUT) and ``PL_DISTANCE`` (miles
between home and placement from OS grid eastings/northings, metres / 1000 / 1.6093, to 0.1
mile, as the 903 guidance states). ``add_placement_geography`` derives the same from a postcode
lookup, so the 15 rules that read them can run.

The lookup has one row per postcode: ``postcode``, ``la_code`` (lower-tier council code),
``upper_la_code`` (its upper-tier council), ``easting`` and ``northing`` (metres).
"""

from __future__ import annotations

import polars as pl

from carecast.errors import InputError

LOOKUP_COLUMNS = ("postcode", "la_code", "upper_la_code", "easting", "northing")
NATIONS = {"S": "SCO", "N": "NIR", "W": "WAL"}  # first letter of a council code outside England
METRES_PER_MILE = 1000 * 1.6093  # the DfE guidance's conversion
GEOGRAPHY = ("PL_LA", "PL_LOCATION", "PL_DISTANCE", "HOME_POST_FOUND", "PL_POST_FOUND")


def _key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().str.replace_all(" ", "", literal=True)


def add_placement_geography(
    episodes: pl.DataFrame, lookup: pl.DataFrame, council_code: str | None
) -> pl.DataFrame:
    """``episodes`` (raw, text) with PL_LA, PL_LOCATION, PL_DISTANCE and whether each postcode
    was found; ``council_code`` is the placing council's upper-tier code (E10000..., E09...)."""
    missing = [c for c in LOOKUP_COLUMNS if c not in lookup.columns]
    if missing:
        raise InputError(
            f"the postcode lookup has no {', '.join(missing)} column",
            fix=f"give a lookup with the columns {', '.join(LOOKUP_COLUMNS)}",
        )
    table = lookup.select(
        _key(pl.col("postcode")).alias("_key"),
        pl.col("la_code").cast(pl.String),
        pl.col("upper_la_code").cast(pl.String),
        pl.col("easting").cast(pl.Float64),
        pl.col("northing").cast(pl.Float64),
    ).unique("_key", keep="first")
    home = table.select(
        "_key",
        pl.col("easting").alias("_he"),
        pl.col("northing").alias("_hn"),
        pl.lit(True).alias("_hfound"),
    )
    place = table.rename({"easting": "_pe", "northing": "_pn"}).with_columns(
        pl.lit(True).alias("_pfound")
    )
    out = (
        episodes.with_row_index("_order")
        .with_columns(
            _key(pl.col("HOME_POST")).alias("_hkey"), _key(pl.col("PL_POST")).alias("_pkey")
        )
        .join(home, left_on="_hkey", right_on="_key", how="left")
        .join(place, left_on="_pkey", right_on="_key", how="left")
        .sort("_order")
    )
    nation = pl.col("la_code").str.slice(0, 1)
    abroad = nation.is_in(list(NATIONS)) & pl.col("PL_POST").is_not_null()
    pl_la = (
        pl.when(abroad)
        .then(nation.replace_strict(NATIONS, default=None))
        .otherwise(pl.col("upper_la_code"))
    )
    location = (
        pl.when(pl.col("la_code").is_null())
        .then(None)
        .when(abroad)
        .then(pl.lit("OUT"))
        .when(pl.col("upper_la_code").eq_missing(pl.lit(council_code)))
        .then(pl.lit("IN"))
        .otherwise(pl.lit("OUT"))
    )
    miles = ((pl.col("_he") - pl.col("_pe")).pow(2) + (pl.col("_hn") - pl.col("_pn")).pow(2)).sqrt()
    return out.with_columns(
        pl_la.alias("PL_LA"),
        location.alias("PL_LOCATION"),
        (miles / METRES_PER_MILE).round(1).cast(pl.String).alias("PL_DISTANCE"),
        pl.col("_hfound").fill_null(False).cast(pl.String).alias("HOME_POST_FOUND"),
        pl.col("_pfound").fill_null(False).cast(pl.String).alias("PL_POST_FOUND"),
    ).select(*episodes.columns, *GEOGRAPHY)
