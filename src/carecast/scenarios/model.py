"""A scenario: a named, versioned list of levers, loaded from YAML and validated as a whole.

Validation happens before anything runs and reports every problem with the file, the line and
the fix (STYLE.md: "validated as a whole before anything is changed"). Scenarios combine with
``+`` (levers of both, in order), so "optimised + new home" is one expression.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from carecast.errors import Location, ParameterError
from carecast.scenarios.levers import LEVER_TYPES, Lever
from carecast.schema import load_categories
from carecast.yamlfile import parse_yaml_document, validation_error


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="short name shown in tables")
    version: int = Field(1, ge=1)
    description: str = ""
    reference: str | None = None
    levers: list[Lever] = Field(default_factory=list)

    def __add__(self, other: Scenario) -> Scenario:
        return Scenario(
            scenario=f"{self.scenario} + {other.scenario}",
            description=f"{self.description} / {other.description}".strip(" /"),
            levers=[*self.levers, *other.levers],
        )

    def check_against(self, *, start: dt.date, end: dt.date, source: str = "scenario") -> None:
        """Checks that need the run: lever dates inside the horizon, categories and age bands known."""
        cats = load_categories()
        problems = []
        for i, lever in enumerate(self.levers, start=1):
            where = f"levers[{i}] ({lever.lever})"
            if lever.start > end:
                problems.append(
                    (
                        where,
                        f"starts on {lever.start}, after the projection ends on {end}",
                        "move 'start' inside the horizon or lengthen the forecast",
                    )
                )
            for key in ("category", "from_category", "to_category"):
                value = getattr(lever, key, None)
                if value is not None and value not in cats.categories:
                    problems.append(
                        (
                            where,
                            f"{key} '{value}' is not a placement category",
                            f"use one of {', '.join(cats.categories)}",
                        )
                    )
            if getattr(lever, "from_category", None) and lever.from_category == lever.to_category:  # type: ignore[union-attr]
                problems.append(
                    (
                        where,
                        "from_category and to_category are the same",
                        "name two different categories",
                    )
                )
            for band in getattr(lever, "age_bands", None) or []:
                if band not in cats.age_band_labels:
                    problems.append(
                        (
                            where,
                            f"age band '{band}' is not known",
                            f"use one of {cats.age_band_labels}",
                        )
                    )
            for group in list(getattr(lever, "weekly", {}) or {}) + list(
                getattr(lever, "inflation", {}) or {}
            ):
                if group not in cats.cost_groups:
                    problems.append(
                        (
                            where,
                            f"cost group '{group}' is not known",
                            f"use one of {', '.join(cats.cost_groups)}",
                        )
                    )
        if problems:
            where, msg, fix = problems[0]
            extra = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
            raise ParameterError(f"{msg}{extra}", fix=fix, where=Location(file=source, field=where))


def _fix_for(err: dict, lever_types: dict = LEVER_TYPES) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    if kind == "extra_forbidden":
        return (
            f"remove or rename '{loc[-1]}'; check the spelling against the lever's documented keys"
        )
    if kind == "union_tag_invalid":
        return f"set 'lever' to one of {', '.join(lever_types)}"
    if kind == "union_tag_not_found":
        return f"add 'lever: <type>' with one of {', '.join(lever_types)}"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return "use a value inside the allowed range (percentages are 0-100)"
    if kind == "missing":
        return f"add '{loc[-1]}'"
    if kind.startswith("date"):
        return "write dates as YYYY-MM-DD"
    return "see the example scenarios in carecast/scenarios/data/"


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    """Parse and validate scenario YAML; raise ParameterError naming the line and the fix."""
    return parse_scenario_as(Scenario, LEVER_TYPES, text, source)


def parse_scenario_as(
    model: type[BaseModel], lever_types: dict, text: str, source: str = "scenario"
) -> Any:
    """Parse scenario YAML into ``model`` (a scenario class with its own lever types, e.g. SEND's),
    with the same line-and-fix messages."""
    doc = parse_yaml_document(text, "the scenario", source)
    if not isinstance(doc.data, dict):
        raise ParameterError(
            "a scenario file must be a mapping with 'scenario:' and 'levers:'",
            fix="start from carecast/scenarios/data/ccn_optimised.yaml",
            where=Location(file=source),
        )
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(
            exc,
            source=source,
            doc=doc,
            skip=lever_types,
            what="a lever or scenario",
            fix=lambda err: _fix_for(err, lever_types),
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file, or a built-in one by name (``ccn_optimised``, ``baseline``)."""
    p = Path(path)
    if not p.exists():
        builtin = resources.files("carecast.scenarios").joinpath(f"data/{p.stem}.yaml")
        if p.suffix in ("", ".yaml") and builtin.is_file():
            return parse_scenario(builtin.read_text("utf-8"), f"built-in {p.stem}")
        raise ParameterError(
            f"scenario file {p} does not exist",
            fix="check the path, or use a built-in scenario: baseline, ccn_optimised",
        )
    return parse_scenario(p.read_text("utf-8"), str(p))


def load_combined(spec: str | Path) -> Scenario:
    """A scenario file or built-in name, or several joined with ``+`` (``ccn_optimised+new_home.yaml``):
    their levers together, in order."""
    text = str(spec)
    if Path(text).exists() or "+" not in text:
        return load_scenario(text)
    parts = [load_scenario(part.strip()) for part in text.split("+") if part.strip()]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined + part
    return combined
