"""Hand-made cleaned tables for snapshot tests: compact specs expanded into episodes and children.

A spec is one dict per group of identical placements: council, category, host (host council or
None), n, and optional urn, distance, age, sex, ethnic, in_area, decom, dec, data_end, collection_year,
short_break. Children get ids
unique within their council.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl

from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform

DATE = dt.date(2024, 3, 31)
PLACE = {
    "residential_external": ("K2", "PR4"),
    "residential_in_house": ("K2", "PR1"),
    "fostering_in_house": ("U4", "PR1"),
    "fostering_ifa": ("U4", "PR4"),
    "kinship": ("U1", "PR1"),
    "supported": ("H5", "PR4"),
    "other": ("Z1", "PR4"),
}
_ids = itertools.count(1)


def dob_for_age(age: float, date: dt.date = DATE) -> dt.date:
    return date - dt.timedelta(days=round(age * 365.25))


def build(specs: list[dict], date: dt.date = DATE) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Expand specs to (episodes, children), each conformed to the schema contract."""
    eps, kids = [], []
    for spec in specs:
        place, provider = PLACE[spec.get("category", "residential_external")]
        for _ in range(spec.get("n", 1)):
            cid = f"C{next(_ids)}"
            dob = dob_for_age(spec.get("age", 14.0), date)
            eps.append(
                {
                    "council": spec["council"],
                    "child_id": cid,
                    "decom": spec.get("decom", date - dt.timedelta(days=100)),
                    "dec": spec.get("dec"),
                    "ls": spec.get("ls", "C2"),
                    "place": place,
                    "place_provider": provider,
                    "urn": spec.get("urn"),
                    "category": spec.get("category", "residential_external"),
                    "placement_la": spec.get("host"),
                    "distance_miles": spec.get("distance"),
                    "in_area": spec.get("in_area"),
                    "is_short_break": spec.get("short_break", False),
                    "sex": spec.get("sex", 1),
                    "dob": dob,
                    "data_end": spec.get("data_end"),
                    "source_row": 2,
                    "collection_year": spec.get("collection_year"),
                }
            )
            kids.append(
                {
                    "council": spec["council"],
                    "child_id": cid,
                    "sex": spec.get("sex", 1),
                    "dob": dob,
                    "ethnic": spec.get("ethnic", "WBRI"),
                    "is_uasc": False,
                }
            )
    return conform(pl.DataFrame(eps), EPISODE_COLUMNS), conform(
        pl.DataFrame(kids), CHILDREN_COLUMNS
    )


def register(homes: list[dict]) -> pl.DataFrame:
    """A provider register frame: one dict per group of identical homes (n, council, places, ...)."""
    rows = []
    for spec in homes:
        for _ in range(spec.get("n", 1)):
            rows.append(
                {
                    "urn": spec.get("urn", f"SC{next(_ids):06d}"),
                    "type": spec.get("type", "Children's home"),
                    "council": spec["council"],
                    "places": str(spec.get("places", 4)),
                    "sector": spec.get("sector", "Private"),
                    "ofsted_rating": spec.get("rating", "Good"),
                }
            )
    return pl.DataFrame(rows)
