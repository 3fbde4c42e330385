"""English local authorities: ONS code, DfE LA number, name, region, London area and partnership.

Read from ``schema/data/councils.csv``: the 153 English councils with children's services
(2024 boundaries) plus Cumbria, which submitted returns until 2023 (``end_year``). Councils whose
ONS code changed on reorganisation (North Yorkshire, Somerset, Buckinghamshire, Dorset, BCP) list
the old code(s) in ``former_ons_codes`` so older postcode directories and returns still match.
Centroids are approximate (a few km): fine for maps and synthetic geography, not for distances,
which come from the postcode directory. Names are matched case- and punctuation-insensitively,
and by ONS code (current or former) or DfE number, so "lewisham", "E09000023" and "209" all find
Lewisham.
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
    former_ons_codes: tuple[str, ...] = ()
    end_year: int | None = None  # last collection year of a council since abolished

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
                former_ons_codes=tuple(c for c in (row.get("former_ons_codes") or "").split(";") if c),
                end_year=int(row["end_year"]) if row.get("end_year") else None,
            )
        )
    return tuple(out)


@cache
def _index() -> dict[str, Council]:
    idx: dict[str, Council] = {}
    for c in councils():
        for k in (c.name, c.ons_code, c.dfe_number, *c.former_ons_codes):
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


def ons_code_names() -> pl.DataFrame:
    """(ons_code, name) for every current and former ONS code: for postcode-directory lookups."""
    pairs = [(code, c.name) for c in councils() for code in (c.ons_code, *c.former_ons_codes)]
    return pl.DataFrame(pairs, schema={"ons_code": pl.Utf8, "name": pl.Utf8}, orient="row")
