"""``take_snapshot``: where a region's children looked after live on a date, and how its homes are used.

Reproduces and generalises the Pan-London Snapshot (LIIA 2022, DOMAIN.md §5.1) for any region and
date from the councils' cleaned SSDA903 episodes plus, optionally, a provider register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from carecast.errors import InputError, InsufficientDataError, ParameterError
from carecast.plumbing.dates import parse_date
from carecast.snapshot import tables as t
from carecast.snapshot.parameters import SnapshotParameters, load_parameters
from carecast.snapshot.placements import LOCATIONS, open_placements
from carecast.snapshot.providers import ProviderRegister, clean_register, read_providers
from carecast.snapshot.region import Region, resolve_region
from carecast.snapshot.typology import typology, typology_summary


@dataclass
class Snapshot:
    """The result of :func:`take_snapshot`.

    ``placements`` is child-level (one row per child looked after on the date) and is never written
    to shared outputs; ``tables`` are the published aggregates, in report order.
    """

    date: dt.date
    region: Region
    placements: pl.DataFrame
    tables: dict[str, t.Table]
    coverage: list[str]
    other_councils: list[str]
    exclusions: dict[str, int]
    params: SnapshotParameters
    suppress: bool
    register_source: str | None = None
    register_issues: dict[str, int] = field(default_factory=dict)

    @property
    def total_placements(self) -> int:
        return int(self.placements.get_column("placing_in_region").sum())

    @property
    def location(self) -> dict[str, int]:
        """Placements by region councils in each location class."""
        placed = self.placements.filter(pl.col("placing_in_region"))
        counts = dict(placed.group_by("location").len().iter_rows())
        return {loc: int(counts.get(loc, 0)) for loc in LOCATIONS}

    def frame(self, name: str) -> pl.DataFrame:
        return self.tables[name].frame

    def __repr__(self) -> str:
        return (
            f"<Snapshot {self.region.name} on {self.date:%d/%m/%Y}: {self.total_placements} placements, "
            f"{len(self.coverage)} of {len(self.region.members)} councils supplied data>"
        )


def _as_date(date: dt.date | str) -> dt.date:
    parsed = parse_date(date, "snapshot date")
    if parsed is None:
        raise ParameterError(
            "no snapshot date was given",
            fix="give the snapshot date as YYYY-MM-DD, e.g. 2024-03-31",
        )
    return parsed


def _register(
    providers: ProviderRegister | pl.DataFrame | str | Path | None, params: SnapshotParameters
) -> ProviderRegister | None:
    if providers is None or isinstance(providers, ProviderRegister):
        return providers
    if isinstance(providers, pl.DataFrame):
        return clean_register(providers, params)
    return read_providers(providers, params)


def take_snapshot(
    episodes: pl.DataFrame,
    children: pl.DataFrame | None = None,
    *,
    date: dt.date | str,
    region: str | list[str] = "london",
    providers: ProviderRegister | pl.DataFrame | str | Path | None = None,
    thresholds: str | Path | dict[str, Any] | SnapshotParameters | None = None,
    suppress: bool | None = None,
) -> Snapshot:
    """Snapshot of placements open on ``date`` for the councils of ``region``.

    Parameters
    ----------
    episodes, children
        Cleaned tables (``carecast.schema.EPISODE_COLUMNS`` / ``CHILDREN_COLUMNS``).
    date
        The snapshot date (a placement is open if DECOM <= date < DEC, or DEC is blank).
    region
        "london", another region name, or a list (or comma-separated string) of councils.
    providers
        Optional provider register (path, frame or :class:`ProviderRegister`): gives host council by URN,
        places, Ofsted rating; needed for supply and utilisation.
    thresholds
        Overrides of ``snapshot/data/parameters.yaml`` (YAML path or {name: value}).
    suppress
        Small-number suppression in the written outputs; by default on when more than one council's
        data is in the output.

    Examples
    --------
    >>> snap = take_snapshot(episodes, children, date="2024-03-31", region="london")  # doctest: +SKIP
    >>> snap.location["out_of_region"] / snap.total_placements                         # doctest: +SKIP
    """
    when = _as_date(date)
    params = (
        thresholds if isinstance(thresholds, SnapshotParameters) else load_parameters(thresholds)
    )
    reg = resolve_region(region)
    if episodes.height == 0:
        raise InputError(
            "there are no episodes to take a snapshot of",
            fix="load at least one council's SSDA903 episodes",
        )
    register = _register(providers, params)
    opened = open_placements(
        episodes, children, date=when, region=reg, params=params, register=register
    )
    if not opened.coverage:
        raise InsufficientDataError(
            f"no council in {reg.name} has data covering {when:%d/%m/%Y}",
            fix="choose a date inside the collection years loaded, or a region that includes the councils loaded",
        )
    groups = t.cohorts(opened.frame, params)
    homes = register.homes if register is not None else None
    by_council = t.location_by_council(groups, opened.coverage)
    supply = t.supply_by_host(homes, reg)
    per_council_typology = typology(groups, opened.coverage, params)
    tables = {
        "coverage_by_council": t.coverage_table(opened.frame, reg, opened.coverage),
        "location_by_council": by_council,
        "location_pooled": t.location_pooled(by_council.frame),
        "location_mean_of_councils": t.location_mean_of_councils(by_council.frame),
        "location_by_category": t.location_by_category(groups, opened.coverage),
        "top_destinations": t.top_destinations(groups, opened.coverage, params, reg),
        "distance": t.distance_distribution(groups, opened.coverage, params),
        "supply_by_host": supply,
        "supply_by_area": t.supply_by_area(supply.frame),
        "utilisation": t.utilisation(opened.frame, homes, reg, opened.coverage),
        "host_reach": t.host_reach(groups, opened.coverage, reg),
        "ofsted_mix": t.ofsted_mix(groups, opened.coverage),
        "places_per_home": t.places_per_home(homes, groups, reg),
        "cohort_profile": t.cohort_profile(groups, opened.coverage),
        "typology": typology_summary(per_council_typology.frame),
        "typology_by_council": per_council_typology,
        "exclusions": t.exclusions_table(opened.exclusions),
    }
    if register is None:
        for name in ("supply_by_host", "supply_by_area", "utilisation", "places_per_home"):
            tables.pop(name)
    return Snapshot(
        date=when,
        region=reg,
        placements=opened.frame,
        tables=tables,
        coverage=opened.coverage,
        other_councils=opened.other_councils,
        exclusions=opened.exclusions,
        params=params,
        suppress=len(opened.coverage) > 1 if suppress is None else suppress,
        register_source=register.source if register is not None else None,
        register_issues=register.issue_counts() if register is not None else {},
    )
