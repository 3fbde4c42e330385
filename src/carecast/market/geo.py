"""Where things are: postcode lookup (ONSPD form), great-circle distance, exclusion zones.

Distances are computed from full postcodes (or a council's centre when no postcode can be
located) and never stored beyond what the analysis needs (DOMAIN.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from carecast.errors import InputError, Location, ParameterError

EARTH_RADIUS_MILES = 3958.8


def normalise_postcode_expr(expr: pl.Expr) -> pl.Expr:
    """'se64ru' / 'SE6  4RU' → 'SE6 4RU' (outward code, one space, inward code)."""
    clean = expr.cast(pl.Utf8).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    n = clean.str.len_chars()
    return (
        pl.when(n.is_between(5, 7))
        .then(clean.str.slice(0, n - 3) + pl.lit(" ") + clean.str.slice(n - 3, 3))
        .otherwise(None)
    )


@dataclass(frozen=True)
class PostcodeLookup:
    """Postcode → (lat, lon, ONS council code), from an ONSPD/NSPL extract (pcds, oslaua, lat, long)."""

    frame: pl.DataFrame  # postcode, lat, lon, oslaua
    source: str

    def locate(self, postcodes: pl.Series) -> pl.DataFrame:
        """lat/lon/oslaua for each postcode in order (nulls where not found)."""
        q = pl.DataFrame({"postcode": postcodes}).with_columns(normalise_postcode_expr(pl.col("postcode")).alias("postcode"))
        return q.join(self.frame, on="postcode", how="left", maintain_order="left")

    def point(self, postcode: str) -> tuple[float, float] | None:
        hit = self.locate(pl.Series([postcode], dtype=pl.Utf8)).row(0, named=True)
        return None if hit["lat"] is None else (hit["lat"], hit["lon"])


def load_postcodes(path: str | Path) -> PostcodeLookup:
    """Read an ONSPD-style CSV: needs ``pcds`` (or ``pcd``/``postcode``), ``lat``, ``long`` (or ``lon``); ``oslaua`` optional."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"postcode lookup {p} does not exist", where=Location(file=str(p)),
                         fix="give the ONS Postcode Directory extract (CSV with pcds, oslaua, lat, long)")
    df = pl.read_csv(p, infer_schema_length=0)
    cols = {c.lower().strip(): c for c in df.columns}
    pick = {
        "postcode": next((cols[c] for c in ("pcds", "pcd", "pcd7", "pcd8", "postcode") if c in cols), None),
        "lat": next((cols[c] for c in ("lat", "latitude") if c in cols), None),
        "lon": next((cols[c] for c in ("long", "lon", "longitude") if c in cols), None),
        "oslaua": next((cols[c] for c in ("oslaua", "lad", "laua", "lad_code") if c in cols), None),
    }
    missing = [k for k in ("postcode", "lat", "lon") if pick[k] is None]
    if missing:
        raise InputError(f"postcode lookup has no {', '.join(missing)} column", where=Location(file=str(p)),
                         fix="the file needs the ONSPD columns pcds, lat and long (oslaua optional)")
    frame = df.select(
        normalise_postcode_expr(pl.col(pick["postcode"])).alias("postcode"),
        pl.col(pick["lat"]).cast(pl.Float64, strict=False).alias("lat"),
        pl.col(pick["lon"]).cast(pl.Float64, strict=False).alias("lon"),
        (pl.col(pick["oslaua"]) if pick["oslaua"] else pl.lit(None, dtype=pl.Utf8)).alias("oslaua"),
    ).filter(pl.col("postcode").is_not_null() & pl.col("lat").is_not_null() & (pl.col("lat") < 90))
    return PostcodeLookup(frame.unique("postcode", keep="first"), str(p))


def haversine_miles(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in miles; arguments broadcast (NumPy arrays or scalars, degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def points_in_polygon(lat: np.ndarray, lon: np.ndarray, polygon: list[tuple[float, float]]) -> np.ndarray:
    """Ray casting, vectorised over points (loop over the polygon's few edges only)."""
    inside = np.zeros(lat.shape, dtype=bool)
    n = len(polygon)
    for i in range(n):
        y1, x1 = polygon[i]
        y2, x2 = polygon[(i + 1) % n]
        crosses = (y1 > lat) != (y2 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (lon < x_at)
    return inside


@cache
def named_zones() -> dict[str, dict]:
    """Named exclusion zones shipped in ``market/data/exclusion_zones.yaml`` (e.g. ``m25``)."""
    text = resources.files("carecast.market").joinpath("data/exclusion_zones.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def named_zone(name: str) -> dict:
    zones = named_zones()
    key = name.strip().lower()
    if key not in zones:
        raise ParameterError(f"there is no named exclusion zone '{name}'",
                             fix=f"use one of {', '.join(zones)}, or give a circle (centre + radius_miles) or a list of councils")
    return zones[key]
