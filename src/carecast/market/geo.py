"""Exclusion zones for matching: named zones and polygons over latitude/longitude.

Postcodes and distances are :mod:`carecast.plumbing.geo`'s (one directory reader, one
distance). Distances are computed from full postcodes (or a council's centre when no postcode
can be located) and never stored beyond what the analysis needs (DOMAIN.md §7).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import yaml

from carecast.errors import ParameterError


def points_in_polygon(
    lat: np.ndarray, lon: np.ndarray, polygon: list[tuple[float, float]]
) -> np.ndarray:
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
    text = (
        resources.files("carecast.market").joinpath("data/exclusion_zones.yaml").read_text("utf-8")
    )
    return yaml.safe_load(text)


def named_zone(name: str) -> dict:
    zones = named_zones()
    key = name.strip().lower()
    if key not in zones:
        raise ParameterError(
            f"there is no named exclusion zone '{name}'",
            fix=f"use one of {', '.join(zones)}, or give a circle (centre + radius_miles) or a list of councils",
        )
    return zones[key]
