"""A parameter tree: cited, dated values addressed by dotted path (PolicyEngine's shape).

Every shipped parameter file (unit costs, model defaults, thresholds, weights, lever defaults) is
read into a :class:`ParameterTree` by :func:`carecast.parameters.load`. A :class:`Parameter` keeps
its values keyed by the date each takes effect, its label and unit for people, and its references,
so a figure in a report can always say where it came from. A value written without a date
(``value: 3``) is in effect from the start of time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from carecast.errors import Location, ParameterError
from carecast.yamlfile import YamlDocument

ALWAYS = dt.date.min  # the effective date of a value written without one


@dataclass(frozen=True)
class Reference:
    """Where a value comes from: a title, and a link or a seed report (file and section)."""

    title: str
    link: str | None = None
    file: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter and the date it takes effect; ``reference`` as the file writes it
    (a name under the file's ``references:`` or the citation itself)."""

    effective: dt.date
    value: Any
    reference: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Parameter:
    """One cited parameter. ``values`` are sorted by effective date."""

    path: str
    values: tuple[DatedValue, ...]
    label: str | None = None
    description: str | None = None
    unit: str | None = None
    period: str | None = None
    references: tuple[Reference, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def at(self, day: dt.date) -> Any:
        """The value in effect on ``day``; before the first date, the first value (prices are
        deflated from it, so there is always one)."""
        current = self.values[0].value
        for v in self.values:
            if v.effective <= day:
                current = v.value
        return current

    @property
    def value(self) -> Any:
        """The latest value (the only one, for undated parameters)."""
        return self.values[-1].value

    def with_value(self, value: Any, effective: dt.date = ALWAYS) -> Parameter:
        """A copy whose values are just ``value`` from ``effective`` (an override)."""
        return replace(self, values=(DatedValue(effective, value),))


@dataclass(frozen=True)
class ParameterTree:
    """The parameters of one file by dotted path, in file order; ``source`` names the file."""

    source: str
    parameters: Mapping[str, Parameter]
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    references: Mapping[str, Reference] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()

    def __getitem__(self, path: str) -> Parameter:
        try:
            return self.parameters[path]
        except KeyError:
            raise self._unknown(path, self.source) from None

    def __contains__(self, path: object) -> bool:
        return path in self.parameters

    def __iter__(self) -> Iterator[str]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def value(self, path: str, at: dt.date | None = None) -> Any:
        """The value of ``path`` on ``at`` (default: its latest value)."""
        p = self[path]
        return p.value if at is None else p.at(at)

    def values(self, at: dt.date | None = None, prefix: str = "") -> dict[str, Any]:
        """Every value by dotted path (those under ``prefix`` with it stripped, when given)."""
        start = f"{prefix}." if prefix else ""
        return {
            path.removeprefix(start): (p.value if at is None else p.at(at))
            for path, p in self.parameters.items()
            if path.startswith(start)
        }

    def children(self, prefix: str) -> list[str]:
        """The names one level below ``prefix`` (groups or parameters), in file order."""
        start = f"{prefix}." if prefix else ""
        names: dict[str, None] = {}
        for path in self.parameters:
            if path.startswith(start):
                names[path[len(start) :].split(".")[0]] = None
        return list(names)

    def with_values(
        self,
        overrides: Mapping[str, Any],
        source: str,
        lines: Mapping[str, int | None] | None = None,
    ) -> ParameterTree:
        """A copy with ``overrides`` (dotted path -> value) replacing whole values, checked first:
        an unknown path or a group is refused naming ``source``, the path (and its line) and the fix.
        Values are not range-checked here; the capability that reads them does that."""
        new = dict(self.parameters)
        for path, value in overrides.items():
            row = (lines or {}).get(path)
            if path not in self.parameters:
                if self.children(path):
                    raise ParameterError(
                        f"'{path}' is a group, not a parameter",
                        where=Location(file=source, row=row, field=path),
                        fix=f"name a parameter inside it: one of {self.children(path)}",
                    )
                raise self._unknown(path, source, row)
            new[path] = self.parameters[path].with_value(value)
        done = tuple(sorted({*self.overridden, *overrides}))
        return replace(self, parameters=new, overridden=done)

    def override(
        self, data: Mapping[str, Any], source: str, doc: YamlDocument | None = None
    ) -> ParameterTree:
        """A copy with a user's override file applied: the shape of the shipped file, any subset,
        each parameter as ``{value: ...}`` or the bare value; dotted keys (``entries.trend: 0.03``)
        work too. Checked as a whole by :meth:`with_values` before anything changes."""
        flat: dict[str, Any] = {}
        lines: dict[str, int | None] = {}

        def walk(node: Mapping[str, Any], path: tuple[Any, ...]) -> None:
            for key, child in node.items():
                here = (*path, key)
                name = ".".join(map(str, here))
                if name in self.parameters or not isinstance(child, Mapping) or "value" in child:
                    flat[name] = (
                        child["value"] if isinstance(child, Mapping) and "value" in child else child
                    )
                    lines[name] = doc.line(here) if doc else None
                else:
                    walk(child, here)

        if not isinstance(data, Mapping):
            raise ParameterError(
                "the file is not a YAML mapping of parameter names",
                where=Location(file=source),
                fix=f"copy the structure of {self.source} (any subset of it)",
            )
        walk(data, ())
        return self.with_values(flat, source, lines)

    def _unknown(self, path: str, source: str, row: int | None = None) -> ParameterError:
        parts = path.split(".")
        known = parts[:-1]
        while known and not self.children(".".join(known)):
            known.pop()
        level = ".".join(known)
        options = self.children(level)
        return ParameterError(
            f"unknown parameter '{path}'",
            where=Location(file=source, row=row, field=path),
            fix=f"use one of {options}"
            + (f" under '{level}'" if level else "")
            + f" (see {self.source})",
        )
