"""English local authorities: ONS code, DfE LA number, name, region, London area and partnership.

Read from ``schema/data/councils.csv``. Names are matched case- and punctuation-insensitively,
and by ONS code or DfE number, so "lewisham", "E09000023" and "209" all find Lewisham.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from carecast.errors import NotFoundError


@dataclass(frozen=True)
class Council:
    name: str
    ons_code: str
    dfe_number: str
    region: str
    london_area: str | None  # "Inner" / "Outer" for London, else None
    partnership: str | None  # London sub-regional commissioning partnership, "None" if none
    lat: float
    lon: float

    @property
    def is_london(self) -> bool:
        return self.region == "London"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


@cache
def councils() -> tuple[Council, ...]:
    """All councils in the reference file, in file order."""
    text = resources.files("carecast.schema").joinpath("data/councils.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        out.append(
            Council(
                name=row["name"],
                ons_code=row["ons_code"],
                dfe_number=row["dfe_number"],
                region=row["region"],
                london_area=row["london_area"] or None,
                partnership=row.get("partnership") or None,
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
        )
    return tuple(out)


@cache
def _index() -> dict[str, Council]:
    idx: dict[str, Council] = {}
    for c in councils():
        for k in (c.name, c.ons_code, c.dfe_number):
            idx[_key(k)] = c
    return idx


def find_council(name_or_code: str, *, required: bool = True) -> Council | None:
    """Find a council by name, ONS code or DfE number. Raises NotFoundError if ``required``."""
    hit = _index().get(_key(str(name_or_code)))
    if hit is None and required:
        raise NotFoundError(
            f"'{name_or_code}' is not a council carecast knows",
            fix="use the council's name as the ONS lists it (e.g. 'Lewisham'), its ONS code "
            "(E09000023) or its DfE LA number (209)",
        )
    return hit


def councils_frame() -> pl.DataFrame:
    """The reference councils as a Polars table."""
    return pl.DataFrame([c.__dict__ for c in councils()])
