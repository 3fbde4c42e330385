"""Weekly unit costs per cost group and their annual uprating, read from a cited YAML file.

The defaults (``costs/data/unit_costs.yaml``) are the seed reports' published figures; a council
passes its own file. A file is validated as a whole before anything is costed: every cost group
of :func:`carecast.schema.load_categories` present, no unknown key, no negative cost, every date a
date. Errors name the file, the key and the fix.

Prices are daily arrays (:meth:`UnitCosts.daily_price`) so that every costing in carecast (history,
projection, commitments) integrates the same price over the same days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from carecast.errors import Location, ParameterError
from carecast.parameters import DatedValue, Parameter, document, parse
from carecast.schema import load_categories
from carecast.schema.categories import PlacementCategories
from carecast.schema.years import financial_year_array, financial_year_starts
from carecast.yamlfile import YamlDocument, read_yaml_document

DEFAULTS_FILE = "carecast/costs/data/unit_costs.yaml"
_TOP_KEYS = {"description", "metadata", "cost_groups", "references"}
_GROUP_KEYS = {"weekly_cost", "annual_inflation", "label"}
_GROUP_KEYS = _GROUP_KEYS | {"description"}


@dataclass(frozen=True)
class UnitCosts:
    """Dated weekly costs and annual inflation rates for every cost group.

    Examples
    --------
    >>> uc = default_unit_costs()
    >>> round(uc.weekly_cost("ifa", dt.date(2017, 9, 1)))
    871
    """

    weekly: dict[str, tuple[DatedValue, ...]]
    inflation: dict[str, tuple[DatedValue, ...]]
    source: str

    @property
    def groups(self) -> list[str]:
        return list(self.weekly)

    def daily_price(
        self, start: dt.date, n_days: int, groups: list[str] | None = None
    ) -> np.ndarray:
        """Price of one child-day, shape (n_days, len(groups)), for the days from ``start``.

        A price is ``weekly / 7``; the weekly figure is the value in effect on the day, uprated by
        each 1 April passed since that value's effective date (deflated for days before it).
        """
        groups = self.groups if groups is None else groups
        out = np.empty((n_days, len(groups)))
        if n_days <= 0:
            return out
        days = np.datetime64(start, "D") + np.arange(n_days)
        fy_day = financial_year_array(days)
        for j, g in enumerate(groups):
            vals = self.weekly[g]
            eff = np.array([v.effective for v in vals], dtype="datetime64[D]")
            idx = np.clip(np.searchsorted(eff, days, side="right") - 1, 0, None)
            base = np.array([v.value for v in vals])[idx]
            base_fy = financial_year_array(eff)[idx]
            lo = int(min(fy_day.min(), base_fy.min()))
            index = self._inflation_index(g, lo, int(max(fy_day.max(), base_fy.max())))
            out[:, j] = base * index[fy_day - lo] / index[base_fy - lo] / 7.0
        return out

    def _inflation_index(self, group: str, fy_from: int, fy_to: int) -> np.ndarray:
        """Cumulative price index per financial year fy_from..fy_to (1.0 at fy_from)."""
        rates = self.inflation[group]
        eff = np.array([r.effective for r in rates], dtype="datetime64[D]")
        years = np.arange(fy_from, fy_to + 1)
        april = financial_year_starts(years)
        idx = np.clip(np.searchsorted(eff, april, side="right") - 1, 0, None)
        rate = np.array([r.value for r in rates])[idx]
        growth = np.concatenate([[1.0], 1.0 + rate[1:]])  # uprating happens on each later 1 April
        return np.cumprod(growth)

    def weekly_cost(self, group: str, day: dt.date) -> float:
        """The weekly cost of ``group`` on ``day`` (uprated as :meth:`daily_price`)."""
        if group not in self.weekly:
            raise ParameterError(
                f"cost group '{group}' has no unit cost", fix=f"use one of {self.groups}"
            )
        return float(self.daily_price(day, 1, [group])[0, 0] * 7.0)

    def with_weekly(
        self, weekly: dict[str, float], effective: dt.date, *, inflation: float | None = None
    ) -> UnitCosts:
        """A copy where the named groups cost a flat ``weekly`` from ``effective`` (what-ifs, tests).

        ``inflation`` (when given) replaces those groups' uprating too; other groups are unchanged.
        """
        unknown = [g for g in weekly if g not in self.weekly]
        if unknown:
            raise ParameterError(
                f"unknown cost group(s) {unknown}", fix=f"use one of {self.groups}"
            )
        negative = [g for g, v in weekly.items() if v < 0]
        if negative:
            raise ParameterError(
                f"negative weekly cost for {negative}", fix="give weekly costs of 0 or more"
            )
        new_w = dict(self.weekly)
        new_i = dict(self.inflation)
        for g, v in weekly.items():
            new_w[g] = (DatedValue(effective, float(v)),)
            if inflation is not None:
                new_i[g] = (DatedValue(effective, float(inflation)),)
        return UnitCosts(new_w, new_i, f"{self.source} + overrides")

    def as_dict(self) -> dict[str, Any]:
        """The parameters, for run metadata and the Excel assumptions sheet."""
        return {
            "source": self.source,
            "weekly_cost": {
                g: {str(v.effective): v.value for v in vs} for g, vs in self.weekly.items()
            },
            "annual_inflation": {
                g: {str(v.effective): v.value for v in vs} for g, vs in self.inflation.items()
            },
        }


def _fail(source: str, key: str, message: str, fix: str) -> ParameterError:
    return ParameterError(message, fix=fix, where=Location(file=source, field=key))


def _numbers(source: str, key: str, param: Parameter, *, is_rate: bool) -> tuple[DatedValue, ...]:
    """The dated values of a cost parameter (read by :mod:`carecast.parameters`), checked as numbers."""
    out = []
    for v in param.values:
        where = f"{key}.values.{v.effective}"
        number = v.value
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not np.isfinite(number)
        ):
            raise _fail(
                source,
                where,
                f"'{number}' is not a number",
                "give a plain number (no £ sign or commas)",
            )
        if is_rate and not -0.5 < number < 1.0:
            raise _fail(
                source,
                where,
                f"inflation {number} is not a plausible annual rate",
                "give the rate as a fraction, e.g. 0.04 for 4% a year",
            )
        if not is_rate and number < 0:
            raise _fail(
                source,
                where,
                f"weekly cost {number} is negative",
                "give the weekly cost in pounds, 0 or more",
            )
        out.append(replace(v, value=float(number)))
    return tuple(out)


def parse_unit_costs(
    data: Any,
    source: str,
    categories: PlacementCategories | None = None,
    doc: YamlDocument | None = None,
) -> UnitCosts:
    """Validate a unit-costs document as a whole and return it (``doc``, the parsed file, gives lines).

    The file is a parameter tree (:mod:`carecast.parameters`): keys, dates and references are
    checked there; here, that every cost group has a weekly cost and the numbers are costs."""
    cats = categories or load_categories()
    if not isinstance(data, dict):
        raise _fail(
            source,
            "(top level)",
            "the file is not a YAML mapping",
            "start from `carecast costs defaults`",
        )
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(
            source,
            ", ".join(sorted(unknown)),
            f"unknown key(s) {sorted(unknown)}",
            f"allowed top-level keys are {sorted(_TOP_KEYS)}; cost groups go under 'cost_groups:'",
        )
    groups = data.get("cost_groups")
    if not isinstance(groups, dict):
        raise _fail(
            source,
            "cost_groups",
            "missing section 'cost_groups'",
            "add 'cost_groups:' with one entry per cost group",
        )
    refs = data.get("references") or {}
    extra = [g for g in groups if g not in cats.cost_groups]
    if extra:
        raise _fail(
            source,
            f"cost_groups.{extra[0]}",
            f"unknown cost group(s) {extra}",
            f"use the cost groups of the categories file: {list(cats.cost_groups)}",
        )
    missing = [g for g in cats.cost_groups if g not in groups]
    if missing:
        raise _fail(
            source,
            f"cost_groups.{missing[0]}",
            f"no unit cost for cost group(s) {missing}",
            "add an entry for each (`weekly_cost: {values: {2024-04-01: 900}}`)",
        )
    for g in cats.cost_groups:
        entry = groups[g]
        key = f"cost_groups.{g}"
        if not isinstance(entry, dict):
            raise _fail(
                source, key, "expected a mapping", "give 'weekly_cost:' and 'annual_inflation:'"
            )
        unknown = set(entry) - _GROUP_KEYS
        if unknown:
            raise _fail(
                source,
                key,
                f"unknown key(s) {sorted(unknown)}",
                f"allowed keys are {sorted(_GROUP_KEYS)}",
            )
        for name in ("weekly_cost", "annual_inflation"):
            if name in entry and not (isinstance(entry[name], dict) and "values" in entry[name]):
                raise _fail(
                    source,
                    f"{key}.{name}",
                    "expected a mapping with 'values:'",
                    f"write it as `{name}: {{values: {{2024-04-01: 123}}}}`",
                )
    tree = parse(doc if doc is not None else YamlDocument(data, None, source))
    weekly, inflation = {}, {}
    for g in cats.cost_groups:
        key = f"cost_groups.{g}"
        if f"{key}.weekly_cost" not in tree:
            raise _fail(
                source,
                f"{key}.weekly_cost",
                "missing weekly_cost, or it has no 'values:'",
                "add `weekly_cost: {values: {2024-04-01: 900}}`",
            )
        weekly[g] = _numbers(
            source, f"{key}.weekly_cost", tree[f"{key}.weekly_cost"], is_rate=False
        )
        inflation[g] = (
            _numbers(
                source, f"{key}.annual_inflation", tree[f"{key}.annual_inflation"], is_rate=True
            )
            if f"{key}.annual_inflation" in tree
            else (DatedValue(dt.date(1900, 4, 1), 0.0),)
        )
        for v in weekly[g] + inflation[g]:
            if v.reference is not None and refs and v.reference not in refs:
                raise _fail(
                    source,
                    f"{key}",
                    f"reference '{v.reference}' is not under 'references:'",
                    f"use one of {sorted(refs)} or add it",
                )
    return UnitCosts(weekly, inflation, source)


def load_unit_costs(
    path: str | Path | None = None, categories: PlacementCategories | None = None
) -> UnitCosts:
    """Unit costs from ``path``, or the shipped defaults when ``path`` is None."""
    if path is None and categories is None:
        return default_unit_costs()
    if path is None:
        doc = _default_document()
        return parse_unit_costs(doc.data, DEFAULTS_FILE, categories, doc)
    doc = read_yaml_document(
        path, "unit costs", missing_fix="check the path, or omit --costs to use the defaults"
    )
    return parse_unit_costs(doc.data, str(path), categories, doc)


def defaults_text() -> str:
    """The shipped defaults file, for users to copy and edit."""
    return resources.files("carecast.costs").joinpath("data/unit_costs.yaml").read_text("utf-8")


def _default_document() -> YamlDocument:
    return document("carecast.costs", "unit_costs.yaml")


@cache
def default_unit_costs() -> UnitCosts:
    doc = _default_document()
    return parse_unit_costs(doc.data, DEFAULTS_FILE, doc=doc)
