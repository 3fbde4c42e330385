"""Home and placement areas and distances from a postcode lookup in ONS Postcode Directory form.

The lookup is what a council would supply: the ONSPD/NSPL CSV (or an extract of it) with a
postcode column (``pcds``, ``pcd`` or ``pcd2``), the local-authority code ``oslaua`` (``laua``
is accepted too), ``lat`` and ``long``. Only the postcodes the episodes use are kept, so a full
2.7-million-row directory costs one scan. Distances are great-circle (haversine) miles, computed
as one vectorised expression; ``in_area`` says whether the placement is inside the placing
council's own area.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.ingest.quality import empty_events, events
from carecast.schema.councils import ons_code_names

EARTH_RADIUS_MILES = 3958.8
_POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "postcode")
_LA_COLUMNS = ("oslaua", "laua", "lad", "oslaua_code")


def postcode_key(expr: pl.Expr) -> pl.Expr:
    """Postcode with spaces removed, upper case: the join key."""
    return expr.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")


def _pick(columns: list[str], wanted: tuple[str, ...], path: Path, what: str) -> str:
    lower = {c.lower(): c for c in columns}
    for w in wanted:
        if w in lower:
            return lower[w]
    raise InputError(
        f"the postcode lookup has no {what} column (looked for {', '.join(wanted)})",
        where=Location(file=str(path), row=1),
        fix="supply the ONS Postcode Directory CSV (columns pcds, oslaua, lat, long) or an extract "
        "with those column names",
    )


def read_lookup(path: str | Path, needed: pl.Series) -> pl.DataFrame:
    """(key, la_code, lat, lon) for the postcodes in ``needed`` (already keyed)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("the postcode lookup file does not exist", where=Location(file=str(p)),
                         fix="give --postcodes the path of the ONS Postcode Directory CSV")
    try:
        scan = pl.scan_csv(p, infer_schema=False, encoding="utf8-lossy")
        cols = scan.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"the postcode lookup cannot be read as CSV ({str(exc).splitlines()[0]})",
                         where=Location(file=str(p)), fix="supply the ONSPD as a CSV file") from None
    pc = _pick(cols, _POSTCODE_COLUMNS, p, "postcode")
    la = _pick(cols, _LA_COLUMNS, p, "local authority (oslaua)")
    lat = _pick(cols, ("lat", "latitude"), p, "latitude (lat)")
    lon = _pick(cols, ("long", "lon", "longitude"), p, "longitude (long)")
    keys = pl.DataFrame({"key": needed}).unique()
    return (
        scan.select(postcode_key(pl.col(pc)).alias("key"), pl.col(la).alias("la_code"),
                    pl.col(lat).cast(pl.Float64, strict=False).alias("lat"),
                    pl.col(lon).cast(pl.Float64, strict=False).alias("lon"))
        .join(keys.lazy(), on="key", how="semi")
        .unique("key", keep="first")
        .collect()
    )


def haversine_miles(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in miles between two points given in degrees."""
    p1, p2 = lat1.radians(), lat2.radians()
    dlat = p2 - p1
    dlon = (lon2 - lon1).radians()
    a = (dlat / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlon / 2).sin() ** 2
    return 2 * EARTH_RADIUS_MILES * a.sqrt().arcsin()


def add_geography(episodes: pl.DataFrame, lookup_path: str | Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add home_la, placement_la, distance_miles and in_area; events for postcodes not found."""
    ep = episodes.with_columns(postcode_key(pl.col("home_post")).alias("_hk"),
                               postcode_key(pl.col("pl_post")).alias("_pk"))
    needed = pl.concat([ep["_hk"], ep["_pk"]]).drop_nulls()
    lookup = read_lookup(lookup_path, needed)
    names = ons_code_names().select(pl.col("ons_code").alias("la_code"), pl.col("name").alias("la_name"))
    lookup = lookup.join(names, on="la_code", how="left").with_columns(
        pl.coalesce("la_name", "la_code").alias("la"))
    home = lookup.select(pl.col("key").alias("_hk"), pl.col("la").alias("home_la"),
                         pl.col("lat").alias("_hlat"), pl.col("lon").alias("_hlon"))
    place = lookup.select(pl.col("key").alias("_pk"), pl.col("la").alias("placement_la"),
                          pl.col("lat").alias("_plat"), pl.col("lon").alias("_plon"))
    ep = ep.drop("home_la", "placement_la", "distance_miles", "in_area", strict=False)
    ep = ep.join(home, on="_hk", how="left").join(place, on="_pk", how="left")
    out = [empty_events()]
    for key, la, col in (("_hk", "home_la", "HOME_POST"), ("_pk", "placement_la", "PL_POST")):
        miss = ep.filter(pl.col(key).is_not_null() & pl.col(la).is_null())
        if miss.height:
            out.append(events(miss, "POSTCODE_NOT_FOUND", "episodes", col))
    ep = ep.with_columns(
        haversine_miles(pl.col("_hlat"), pl.col("_hlon"), pl.col("_plat"), pl.col("_plon")).alias("distance_miles"),
        pl.when(pl.col("placement_la").is_not_null()).then(pl.col("placement_la") == pl.col("council")).alias("in_area"),
    ).drop("_hk", "_pk", "_hlat", "_hlon", "_plat", "_plon")
    return ep, pl.concat(out)
