"""The generator's parameters: the cited defaults in ``data/params.yaml`` plus user overrides.

Every value lives in the YAML file with a description, unit and reference; code asks for values by
dotted path (``params["entries.trend"]``). Overrides (a YAML file of the same shape, or a dict of
dotted paths) are checked as a whole before anything is generated: unknown paths and shares that
do not sum to one are refused with the path and the fix.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from carecast.errors import Location, ParameterError
from carecast.parameters import document, shipped
from carecast.yamlfile import read_yaml

SOURCE = "carecast/synth/data/params.yaml"
_SHARES = "shares summing to 1"


@dataclass(frozen=True)
class Params:
    """Validated generator parameters: ``tree`` has the YAML's shape; ``overridden`` lists changed paths."""

    tree: dict[str, Any]
    overridden: tuple[str, ...] = ()

    def __getitem__(self, path: str) -> Any:
        node = self.tree
        for part in path.split("."):
            node = node[part]
        return node["value"]

    def values(self) -> dict[str, Any]:
        """Every parameter's value by dotted path (what README.txt records)."""
        return {path: node["value"] for path, node in _leaves(self.tree)}


def _leaves(tree: Mapping[str, Any], prefix: str = ""):
    for key, node in tree.items():
        path = f"{prefix}{key}"
        if isinstance(node, Mapping) and "value" in node:
            yield path, node
        elif isinstance(node, Mapping):
            yield from _leaves(node, path + ".")


@cache
def _default_tree() -> dict[str, Any]:
    """The shipped file's nested mapping, after :mod:`carecast.parameters` has checked its shape
    (every leaf a cited parameter with label, unit and reference)."""
    shipped("carecast.synth", "params.yaml")
    return document("carecast.synth", "params.yaml").data


def _check_shares(value: Any, path: str, source: str) -> None:
    """A share table sums to 1: either a flat {code: share} or {group: {code: share}}."""
    if not isinstance(value, Mapping) or not value:
        raise ParameterError(
            "expected a table of shares",
            where=Location(file=source, field=path),
            fix="give a mapping of code: share with shares summing to 1",
        )
    first = next(iter(value.values()))
    groups = value.items() if isinstance(first, Mapping) else [("", value)]
    for name, shares in groups:
        if not isinstance(shares, Mapping):
            raise ParameterError(
                "mixed shares and sub-tables",
                where=Location(file=source, field=path),
                fix="use the same shape as the default file",
            )
        if isinstance(next(iter(shares.values()), None), Mapping):  # e.g. placements.location
            _check_shares(shares, f"{path}.{name}", source)
            continue
        bad = [k for k, v in shares.items() if not isinstance(v, int | float) or v < 0]
        total = sum(float(v) for v in shares.values() if isinstance(v, int | float))
        where = f"{path}.{name}" if name else path
        if bad or abs(total - 1.0) > 1e-6:
            raise ParameterError(
                f"shares must be non-negative numbers summing to 1 (they sum to {total:.4f})",
                where=Location(file=source, field=where),
                fix="adjust the shares so they add up to exactly 1",
            )


def _key_rules() -> list[tuple[str, bool, tuple[str, ...], bool]]:
    """(path, keys are one level down, allowed keys, every allowed key required) for keyed tables."""
    from carecast.schema import load_categories

    cats = load_categories()
    ids, bands = tuple(cats.category_ids), tuple(cats.age_band_labels)
    routes = ("home", "adoption", "sgo", "long_term", "other", "uasc", "remand")
    return [
        ("entries.rate_per_10k", False, bands, True),
        ("moves.rate_per_year", False, bands, True),
        ("legal.initial", False, bands, True),
        ("routes.mix", False, bands, True),
        ("routes.mix", True, routes[:5], False),
        ("routes.duration_days", False, routes, True),
        ("routes.rec", False, routes, True),
        ("placements.mix", False, bands, True),
        ("placements.mix", True, ids, False),
        ("placements.uasc_mix", False, ("10-15", "16-17"), True),
        ("placements.uasc_mix", True, ids, False),
        ("placements.codes", False, ids, True),
        ("remand.placement", False, ids, False),
        ("short_breaks.placement", False, ids, False),
    ]


def _check_keys(tree: dict[str, Any], source: str) -> None:
    """Refuse tables keyed by unknown age bands, categories or routes, or missing a required key."""
    params = Params(tree)
    for path, nested, allowed, complete in _key_rules():
        value = params[path]
        tables = [(f"{path}.{k}", v) for k, v in value.items()] if nested else [(path, value)]
        for where, table in tables:
            keys = set(map(str, table))
            if keys - set(allowed):
                raise ParameterError(
                    f"unknown key(s) {sorted(keys - set(allowed))}",
                    where=Location(file=source, field=where),
                    fix=f"use only {list(allowed)}",
                )
            if complete and set(allowed) - keys:
                raise ParameterError(
                    f"missing key(s) {sorted(set(allowed) - keys)}",
                    where=Location(file=source, field=where),
                    fix=f"give a value for each of {list(allowed)}",
                )


def _validate(tree: dict[str, Any], source: str) -> None:
    for path, node in _leaves(tree):
        if node.get("unit", "").startswith(_SHARES):
            _check_shares(node["value"], path, source)
        elif path.startswith("placements.codes"):
            for cat, spec in node["value"].items():
                for part in ("place", "provider"):
                    _check_shares(spec[part], f"{path}.{cat}.{part}", source)
        elif path == "placements.location":
            for area, cats in node["value"].items():
                _check_shares(cats, f"{path}.{area}", source)
    _check_keys(tree, source)
    for path in ("entries.trend", "population.annual_growth"):
        if not -0.5 < float(Params(tree)[path]) < 0.5:
            raise ParameterError(
                "growth rate outside -50%..+50% a year",
                where=Location(file=source, field=path),
                fix="give a yearly fraction such as 0.02 for +2%",
            )
    _check_entry_shocks(Params(tree), source)


def _check_entry_shocks(params: Params, source: str) -> None:
    """The trend range is two growth rates, low first; shock sizes are >= 0, persistence in [0, 1)."""
    span = list(params["entries.trend_range"] or [])
    if span and (len(span) != 2 or not -0.5 < float(span[0]) <= float(span[1]) < 0.5):
        raise ParameterError(
            f"trend range {span} is not two yearly growth rates, lowest first, within -50%..+50%",
            where=Location(file=source, field="entries.trend_range"),
            fix="give e.g. [-0.03, 0.05] for -3% to +5% a year, or [] for one trend",
        )
    for path in ("entries.shock_sd", "entries.council_shock_sd"):
        if not 0 <= float(params[path]) <= 2:
            raise ParameterError(
                f"{params[path]} is not a standard deviation between 0 and 2 on the log scale",
                where=Location(file=source, field=path),
                fix="give e.g. 0.1 (monthly entries ~10% above or below trend), or 0 for none",
            )
    if not 0 <= float(params["entries.shock_persistence"]) < 1:
        raise ParameterError(
            f"persistence {params['entries.shock_persistence']} must be at least 0 and below 1",
            where=Location(file=source, field="entries.shock_persistence"),
            fix="give a month-to-month correlation such as 0.9",
        )


def _set(tree: dict[str, Any], path: str, value: Any, source: str) -> None:
    node: Any = tree
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            known = sorted(k for k in node) if isinstance(node, dict) else []
            raise ParameterError(
                f"unknown parameter '{path}'",
                where=Location(file=source, field=".".join(parts[: i + 1])),
                fix=f"use one of {known} at this level (see {SOURCE})",
            )
        node = node[part]
    if not (isinstance(node, dict) and "value" in node):
        raise ParameterError(
            f"'{path}' is a group, not a parameter",
            where=Location(file=source, field=path),
            fix="name a parameter inside it (one that has a 'value:')",
        )
    node["value"] = value  # tables are replaced whole, so shares are checked as the user gave them


def _flatten_overrides(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """YAML override files use the default's nesting; a node with 'value' ends a path."""
    out: dict[str, Any] = {}
    for key, node in data.items():
        path = f"{prefix}{key}"
        if isinstance(node, Mapping) and "value" in node:
            out[path] = node["value"]
        elif isinstance(node, Mapping):
            out.update(_flatten_overrides(node, path + "."))
        else:
            out[path] = node
    return out


def load_params(
    overrides: str | Path | Mapping[str, Any] | Params | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Params:
    """The defaults with ``overrides`` applied: a YAML file path, a dict of dotted paths, or None;
    then ``extra`` (dotted paths, e.g. from command-line options) over them."""
    if isinstance(overrides, Params) and not extra:
        return overrides
    if isinstance(overrides, Params):
        overrides = {path: overrides[path] for path in overrides.overridden}
    tree = copy.deepcopy(_default_tree())
    source = SOURCE
    flat: dict[str, Any] = {}
    if isinstance(overrides, str | Path):
        p = Path(overrides)
        source = str(p)
        data = read_yaml(p, "parameter")
        if not isinstance(data, Mapping):
            raise ParameterError(
                "the parameter file is not a YAML mapping",
                where=Location(file=source),
                fix=f"copy the structure of {SOURCE}",
            )
        flat = _flatten_overrides(data)
    elif isinstance(overrides, Mapping):
        flat = dict(overrides)
    flat |= dict(extra or {})
    for path, value in flat.items():
        _set(tree, path, value, source)
    _validate(tree, source)
    return Params(tree, tuple(sorted(flat)))
