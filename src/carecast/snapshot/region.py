"""Which councils make up "the region" of a snapshot, and reference facts about councils.

A region is either a named region of the reference councils file ("london", "South East") or an
explicit list of councils (a sub-regional partnership, a care cooperative). Council names in data
are mapped to their canonical spelling once per distinct value, so joins never miss on
"Kingston upon Thames" vs "Kingston-upon-Thames".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carecast.errors import NotFoundError, ParameterError
from carecast.schema import councils, find_council


@dataclass(frozen=True)
class Region:
    """The councils of a snapshot's region, in reference-file order."""

    name: str
    members: tuple[str, ...]

    def contains(self, column: str) -> pl.Expr:
        return pl.col(column).is_in(list(self.members))


def resolve_region(region: str | list[str] | tuple[str, ...]) -> Region:
    """A region from its name ("london") or a list / comma-separated string of councils."""
    if isinstance(region, str) and "," not in region:
        wanted = region.strip().lower()
        members = tuple(c.name for c in councils() if c.region.lower() == wanted)
        if members:
            return Region(name=next(c.region for c in councils() if c.region.lower() == wanted), members=members)
        hit = find_council(region, required=False)
        if hit is None:
            regions = sorted({c.region for c in councils()})
            raise ParameterError(
                f"'{region}' is neither a region nor a council carecast knows",
                fix=f"use a region ({', '.join(regions)}) or a comma-separated list of councils",
            )
        return Region(name=hit.name, members=(hit.name,))
    items = region.split(",") if isinstance(region, str) else list(region)
    names = []
    for item in items:
        if not str(item).strip():
            continue
        try:
            names.append(find_council(str(item).strip()).name)  # type: ignore[union-attr]
        except NotFoundError as exc:
            raise ParameterError(exc.message, fix=exc.fix) from None
    if not names:
        raise ParameterError("the region lists no councils", fix="give e.g. --region \"Lambeth,Lewisham\"")
    members = tuple(dict.fromkeys(names))
    return Region(name=", ".join(members) if len(members) <= 3 else f"{len(members)} councils", members=members)


def canonical_names(column: str) -> pl.Expr:
    """Expression mapping council names/codes in ``column`` to canonical names (unknown kept as given)."""
    return pl.col(column).map_batches(_canonical_series, return_dtype=pl.Utf8)


def _canonical_series(s: pl.Series) -> pl.Series:
    uniques = s.drop_nulls().unique().to_list()
    mapping = {}
    for u in uniques:
        hit = find_council(u, required=False)
        mapping[u] = hit.name if hit else u.strip()
    return s.replace_strict(mapping, default=None, return_dtype=pl.Utf8) if mapping else s.cast(pl.Utf8)


def council_facts() -> pl.DataFrame:
    """Reference facts per council: region, London area (Inner/Outer), centroid."""
    return pl.DataFrame(
        {
            "council": [c.name for c in councils()],
            "council_region": [c.region for c in councils()],
            "london_area": [c.london_area for c in councils()],
            "lat": [c.lat for c in councils()],
            "lon": [c.lon for c in councils()],
        }
    )
