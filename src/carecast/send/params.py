"""SEND reference data and defaults, read from the cited ``send/data/send.yaml``.

Settings (with the codes a file may use), primary needs, the maximum age, the phase transfer
ages, the census day, the very-high-cost threshold and the default annual cost per setting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from carecast.errors import Location, ParameterError
from carecast.parameters import ParameterTree, shipped
from carecast.yamlfile import parse_yaml_text, read_yaml


@dataclass(frozen=True)
class SendParams:
    settings: tuple[str, ...]
    setting_labels: dict[str, str]
    setting_codes: dict[str, str]  # lower-case code -> setting id
    needs: tuple[str, ...]
    max_age: int
    phase_transfer_ages: tuple[int, ...]
    census_month_day: tuple[int, int]
    very_high_cost: float

    @property
    def leaving_age(self) -> int:
        """The birthday on which every plan has ceased (the model's exit by ageing)."""
        return self.max_age + 1

    def census_day(self, year: int) -> dt.date:
        return dt.date(year, *self.census_month_day)


@dataclass(frozen=True)
class AnnualCosts:
    """Annual cost of one plan per setting (GBP), its price base and yearly uprating."""

    per_setting: dict[str, float]
    references: dict[str, str]
    price_base: dt.date
    annual_inflation: float
    source: str


def _tree() -> ParameterTree:
    return shipped("carecast.send", "send.yaml")


@cache
def send_params() -> SendParams:
    d = _tree().values()
    settings = d["settings"]
    codes: dict[str, str] = {}
    for s in settings:
        codes[s["id"]] = s["id"]
        for c in s["codes"]:
            codes[str(c).lower()] = s["id"]
    census = d["census_day"]
    return SendParams(
        settings=tuple(s["id"] for s in settings),
        setting_labels={s["id"]: s["label"] for s in settings},
        setting_codes=codes,
        needs=tuple(d["primary_needs"]),
        max_age=int(d["max_age"]),
        phase_transfer_ages=tuple(d["phase_transfer_ages"]),
        census_month_day=(int(census["month"]), int(census["day"])),
        very_high_cost=float(d["very_high_cost_threshold"]),
    )


def parse_annual_costs(doc: Any, source: str) -> AnnualCosts:
    """Validate an ``annual_costs`` mapping (the shape of send.yaml's) as a whole."""
    settings = send_params().settings
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), dict):
        raise ParameterError(
            "the costs file has no 'value:' mapping of setting -> annual cost",
            where=Location(file=source, field="annual_costs"),
            fix="start from `carecast send defaults --out send_costs.yaml`",
        )
    values = doc["value"]
    unknown = [k for k in values if k not in settings]
    if unknown:
        raise ParameterError(
            f"unknown setting(s) {unknown}",
            where=Location(file=source, field=f"value.{unknown[0]}"),
            fix=f"use the settings {', '.join(settings)}",
        )
    missing = [s for s in settings if s not in values]
    if missing:
        raise ParameterError(
            f"no annual cost for setting(s) {missing}",
            where=Location(file=source, field="value"),
            fix="give every setting a cost, e.g. 'special: {value: 22000, reference: ...}'",
        )
    per, refs = {}, {}
    for s in settings:
        v = values[s]
        amount = v.get("value") if isinstance(v, dict) else v
        if not isinstance(amount, int | float) or amount < 0:
            raise ParameterError(
                f"annual cost of {s} must be a number of 0 or more, not {amount!r}",
                where=Location(file=source, field=f"value.{s}"),
                fix="write pounds per year, e.g. 22000",
            )
        per[s] = float(amount)
        refs[s] = str(v.get("reference", "")) if isinstance(v, dict) else ""
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    base = meta.get("price_base", doc.get("price_base", dt.date(2017, 4, 1)))
    if isinstance(base, str):
        base = dt.date.fromisoformat(base)
    inflation = float(meta.get("annual_inflation", doc.get("annual_inflation", 0.0)))
    if not -0.5 <= inflation <= 1.0:
        raise ParameterError(
            f"annual_inflation {inflation} is outside -0.5..1",
            where=Location(file=source, field="annual_inflation"),
            fix="give a fraction, e.g. 0.02 for 2% a year",
        )
    return AnnualCosts(per, refs, base, inflation, source)


@cache
def default_annual_costs() -> AnnualCosts:
    p = _tree()["annual_costs"]
    return parse_annual_costs({"value": p.value, "metadata": p.metadata}, _tree().source)


def load_annual_costs(path: str | Path | None) -> AnnualCosts:
    """Annual costs from a YAML file (top-level ``annual_costs:`` or the mapping itself), or the defaults."""
    if path is None:
        return default_annual_costs()
    p = Path(path)
    doc = read_yaml(
        p, "costs", missing_fix="check the path, or omit --costs to use the cited defaults"
    )
    return _costs_from(doc, str(p))


def parse_costs_text(text: str, source: str = "costs") -> AnnualCosts:
    """Annual costs typed or uploaded (e.g. on the web page), in the shape :func:`load_annual_costs` reads."""
    return _costs_from(parse_yaml_text(text, "the costs", source), source)


def _costs_from(doc: Any, source: str) -> AnnualCosts:
    if isinstance(doc, dict) and "annual_costs" in doc:
        doc = doc["annual_costs"]
    return parse_annual_costs(doc, source)


def defaults_text() -> str:
    return resources.files("carecast.send").joinpath("data/send.yaml").read_text("utf-8")


def default_costs_text() -> str:
    """The ``annual_costs:`` block of send.yaml (the last one): the cited defaults, to copy and edit."""
    text = defaults_text()
    return text[text.index("\nannual_costs:") + 1 :]
