"""Which councils make up "the region" of a snapshot, and reference facts about councils.

A region is either a named region of the reference councils file ("london", "South East") or an
explicit list of councils (a sub-regional partnership, a care cooperative). Council names in data
are mapped to their canonical spelling once per distinct value, so joins never miss on
"Kingston upon Thames" vs "Kingston-upon-Thames".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from carecast.errors import ParameterError
from carecast.schema import councils, find_council


@dataclass(frozen=True)
class Region:
    """The councils of a snapshot's region, in reference-file order."""

    name: str
    members: tuple[str, ...]

    def contains(self, column: str) -> pl.Expr:
        return pl.col(column).is_in(list(self.members))


def resolve_region(region: str | list[str] | tuple[str, ...]) -> Region:
    """A region from its name ("london", "england" for all councils) or a list / comma-separated
    string of councils."""
    if isinstance(region, str) and region.strip().lower() == "england":
        return Region(name="England", members=tuple(c.name for c in councils()))
    if isinstance(region, str) and "," not in region:
        wanted = region.strip().lower()
        members = tuple(c.name for c in councils() if c.region.lower() == wanted)
        if members:
            return Region(
                name=next(c.region for c in councils() if c.region.lower() == wanted),
                members=members,
            )
        hit = find_council(region, required=False)
        if hit is None:
            regions = sorted({c.region for c in councils()})
            raise ParameterError(
                f"'{region}' is neither a region nor a council carecast knows",
                fix=f"use a region ({', '.join(regions)}, or England) or a comma-separated list of councils",
            )
        return Region(name=hit.name, members=(hit.name,))
    names = _council_list(region.split(",") if isinstance(region, str) else list(region))
    if not names:
        raise ParameterError(
            "the region lists no councils", fix='give e.g. --region "Lambeth,Lewisham"'
        )
    members = tuple(dict.fromkeys(names))
    return Region(
        name=", ".join(members) if len(members) <= 3 else f"{len(members)} councils",
        members=members,
    )


def _council_list(items: list[str]) -> list[str]:
    """Canonical names of listed councils; a name containing a comma ("Bournemouth, Christchurch and
    Poole") is rejoined from the pieces a comma-split made of it."""
    names, pending = [], ""
    for item in [str(i).strip() for i in items if str(i).strip()]:
        pending = f"{pending}, {item}" if pending else item
        hit = find_council(pending, required=False)
        if hit is not None:
            names.append(hit.name)
            pending = ""
        elif find_council(item, required=False) is not None and pending != item:
            bad = pending[: -len(item)].rstrip(", ")
            raise ParameterError(
                f"'{bad}' is not a council carecast knows",
                fix="use the council's name as the ONS lists it, its ONS code or DfE number",
            )
    if pending:
        raise ParameterError(
            f"'{pending}' is not a council carecast knows",
            fix="use the council's name as the ONS lists it, its ONS code or DfE number",
        )
    return names


def canonical_names(column: str) -> pl.Expr:
    """Expression mapping council names/codes in ``column`` to canonical names (unknown kept as given)."""
    return pl.col(column).map_batches(_canonical_series, return_dtype=pl.Utf8)


def _canonical_series(s: pl.Series) -> pl.Series:
    uniques = s.drop_nulls().unique().to_list()
    mapping = {}
    for u in uniques:
        hit = find_council(u, required=False)
        mapping[u] = hit.name if hit else u.strip()
    return (
        s.replace_strict(mapping, default=None, return_dtype=pl.Utf8)
        if mapping
        else s.cast(pl.Utf8)
    )


def council_facts() -> pl.DataFrame:
    """Reference facts per council: London area (Inner/Outer) and centroid."""
    return pl.DataFrame(
        {
            "council": [c.name for c in councils()],
            "london_area": [c.london_area for c in councils()],
            "lat": [c.lat for c in councils()],
            "lon": [c.lon for c in councils()],
        }
    )
