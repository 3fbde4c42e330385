"""The snapshot's cited parameters (``snapshot/data/parameters.yaml``) and user overrides of them.

Thresholds such as the typology's "<3% of children in residential care" are data with a reference
to the report they come from, not literals in code. A user file may override any subset of keys;
the merged set is validated as a whole before any analysis runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carecast.errors import Location, ParameterError
from carecast.parameters import shipped
from carecast.schema import load_categories
from carecast.yamlfile import read_yaml_document

DEFAULTS_FILE = "carecast/snapshot/data/parameters.yaml"


@dataclass(frozen=True)
class SnapshotParameters:
    residential_categories: tuple[str, ...]
    in_house_categories: tuple[str, ...]
    typology_residential_share_max: float
    typology_strategic_per_host_min: float
    distance_bands_miles: tuple[float, ...]
    top_destinations: int
    children_home_types: tuple[str, ...]
    in_house_sectors: tuple[str, ...]
    suppression_threshold: int
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The values, for run metadata."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @property
    def distance_band_labels(self) -> list[str]:
        b = self.distance_bands_miles
        labels = [f"{_num(lo)}-{_num(hi)}" for lo, hi in zip(b, b[1:], strict=False)]
        return [*labels, f"{_num(b[-1])}+"]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _fail(source: str, key: str, message: str, fix: str) -> ParameterError:
    return ParameterError(message, fix=fix, where=Location(file=source, field=key))


def _validate(v: dict[str, Any], source: str) -> SnapshotParameters:
    cats = set(load_categories().category_ids)
    for key in ("residential_categories", "in_house_categories"):
        bad = [c for c in v[key] if c not in cats]
        if bad or not v[key]:
            raise _fail(
                source,
                key,
                f"unknown or empty placement categories {bad}",
                f"use some of {sorted(cats)}",
            )
    share = v["typology_residential_share_max"]
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _fail(
            source,
            "typology_residential_share_max",
            f"{share!r} is not a share between 0 and 1",
            "give a fraction, e.g. 0.03 for 3%",
        )
    per_host = v["typology_strategic_per_host_min"]
    if not isinstance(per_host, int | float) or per_host < 0:
        raise _fail(
            source,
            "typology_strategic_per_host_min",
            f"{per_host!r} is not a non-negative number",
            "give a number of placements per host council, e.g. 2",
        )
    bands = v["distance_bands_miles"]
    if (
        not isinstance(bands, list)
        or not bands
        or bands[0] != 0
        or any(not isinstance(b, int | float) for b in bands)
        or any(a >= b for a, b in zip(bands, bands[1:], strict=False))
    ):
        raise _fail(
            source,
            "distance_bands_miles",
            f"{bands!r} is not an increasing list starting at 0",
            "give band lower bounds in miles, e.g. [0, 5, 10, 20, 50]",
        )
    for key in ("top_destinations", "suppression_threshold"):
        if not isinstance(v[key], int) or v[key] < 1:
            raise _fail(
                source, key, f"{v[key]!r} is not a whole number of at least 1", "give e.g. 10"
            )
    return SnapshotParameters(
        residential_categories=tuple(v["residential_categories"]),
        in_house_categories=tuple(v["in_house_categories"]),
        typology_residential_share_max=float(share),
        typology_strategic_per_host_min=float(per_host),
        distance_bands_miles=tuple(float(b) for b in bands),
        top_destinations=v["top_destinations"],
        children_home_types=tuple(str(t).lower() for t in v["children_home_types"]),
        in_house_sectors=tuple(str(t).lower() for t in v["in_house_sectors"]),
        suppression_threshold=v["suppression_threshold"],
        sources=(DEFAULTS_FILE,) if source == DEFAULTS_FILE else (DEFAULTS_FILE, source),
    )


def load_parameters(overrides: str | Path | dict[str, Any] | None = None) -> SnapshotParameters:
    """The default parameters, with ``overrides`` (a YAML file or a {name: value} dict) applied.

    Example: ``load_parameters({"typology_residential_share_max": 0.05})``.
    """
    tree = shipped("carecast.snapshot", "parameters.yaml")
    source = DEFAULTS_FILE
    if isinstance(overrides, dict):
        source = "parameters given in code"
        tree = tree.with_values(overrides, source)
    elif overrides is not None:
        source = str(overrides)
        doc = read_yaml_document(overrides, "parameters")
        tree = tree.override(doc.data, source, doc)
    return _validate(tree.values(), source)
