"""The measures a benchmarking panel holds, and the analysis parameters, read from cited YAML.

``data/measures.yaml`` names every measure (its label, kind, the total it is part of, its s251
line and the other headings files use for it); ``data/analysis.yaml`` holds the parameters of the
"Under pressure" method. Code asks this module rather than writing measure names as literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from carecast.parameters import shipped

_LINE = re.compile(r"^\s*(\d+(?:\.\d+)+)\b")


def heading_key(text: str) -> str:
    """How headings are compared: lower case, '&' as 'and', letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower().replace("&", "and"))


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    kind: str  # money | count | population
    description: str
    reference: str
    part_of: str | None = None
    s251_line: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """All measures, with the lookups the loader needs."""

    measures: dict[str, Measure]
    id_columns: dict[str, tuple[str, ...]]
    ignore_columns: frozenset[str]
    missing_markers: frozenset[str]
    aliases: dict[str, str]  # heading_key(name) -> measure id
    lines: dict[str, str]  # s251 line number -> measure id

    def resolve(self, text: str) -> str | None:
        """The measure id a heading or measure name stands for, or None."""
        hit = self.aliases.get(heading_key(text))
        if hit is None:
            m = _LINE.match(str(text))
            if m:
                hit = self.lines.get(m.group(1))
        return hit

    def components(self, total: str) -> list[str]:
        """The measures that are ``part_of`` ``total``, in file order."""
        return [m.id for m in self.measures.values() if m.part_of == total]

    def label(self, measure: str) -> str:
        return self.measures[measure].label

    def role_of(self, heading: str) -> str | None:
        """'council', 'year', 'measure' or 'value' when ``heading`` names an id column."""
        key = heading_key(heading)
        for role, names in self.id_columns.items():
            if key in {heading_key(n) for n in names}:
                return role
        return None


def _read(name: str) -> dict[str, Any]:
    text = resources.files("carecast.benchmark").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def catalogue() -> Catalogue:
    raw = _read("measures.yaml")
    measures = {
        mid: Measure(
            id=mid,
            label=spec["label"],
            kind=spec["kind"],
            description=spec["description"],
            reference=spec["reference"],
            part_of=spec.get("part_of"),
            s251_line=spec.get("s251_line"),
            aliases=tuple(spec.get("aliases", ())),
        )
        for mid, spec in raw["measures"].items()
    }
    return Catalogue(
        measures=measures,
        id_columns={k: tuple(v) for k, v in raw["id_columns"].items()},
        ignore_columns=frozenset(heading_key(c) for c in raw["ignore_columns"]),
        missing_markers=frozenset(str(m).strip().lower() for m in raw["missing_markers"]),
        aliases=_aliases(measures),
        lines={m.s251_line: m.id for m in measures.values() if m.s251_line},
    )


def _aliases(measures: dict[str, Measure]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in measures.values():
        for name in (m.id, m.label, *m.aliases):
            key = heading_key(name)
            if key in out and out[key] != m.id:
                raise ValueError(f"measures.yaml: '{name}' names both {out[key]} and {m.id}")
            out[key] = m.id
    return out


@cache
def parameters() -> dict[str, Any]:
    """The values of ``data/analysis.yaml`` (each entry's ``value``)."""
    return shipped("carecast.benchmark", "analysis.yaml").values()


def parameter_references() -> dict[str, str]:
    """Each analysis parameter's cited source, for the report's metadata."""
    tree = shipped("carecast.benchmark", "analysis.yaml")
    return {name: "; ".join(r.title for r in p.references) for name, p in tree.parameters.items()}
