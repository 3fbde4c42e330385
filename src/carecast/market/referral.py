"""Referral profiles: what a council tells a provider about a child it needs a home for.

Strengths-based (DOMAIN.md §5.1, LIIA 2022): the young person's own "what I need is...", their
strengths, needs and risks with levels and what helps, the places that matter to them, places to
avoid (e.g. bail conditions "not inside the M25"), siblings, preferred and unsuitable placement
types, when the home is needed and the budget. Read from YAML or JSON; :func:`completeness`
lists what a provider would still ask before accepting.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carecast.errors import InputError, Location
from carecast.market.vocab import vocabulary
from carecast.schema import find_council
from carecast.yamlfile import validation_error

Level = Literal["low", "medium", "high"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Place(_Model):
    """A place by postcode, council or coordinates (at least one)."""

    name: str | None = None
    postcode: str | None = None
    council: str | None = None
    lat: float | None = Field(default=None, ge=49, le=61)
    lon: float | None = Field(default=None, ge=-9, le=3)

    @model_validator(mode="after")
    def _one_way_to_find_it(self):
        if not (self.postcode or self.council or (self.lat is not None and self.lon is not None)):
            raise ValueError("give a postcode, a council, or lat and lon")
        if self.council:
            self.council = _council_name(self.council)
        return self


class Zone(_Model):
    """A place to avoid: a named zone (``m25``), a circle round a place, or a list of councils."""

    name: str
    named: str | None = None
    centre: Place | None = None
    radius_miles: float | None = Field(default=None, gt=0)
    councils: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_shape(self):
        shapes = [self.named is not None, self.centre is not None, bool(self.councils)]
        if sum(shapes) != 1:
            raise ValueError(
                "give exactly one of: named (e.g. m25), centre + radius_miles, or councils"
            )
        if self.centre is not None and self.radius_miles is None:
            raise ValueError("a circle needs radius_miles")
        if self.named is not None:
            from carecast.market.geo import named_zones

            if self.named.lower() not in named_zones():
                raise ValueError(
                    f"no named zone '{self.named}' (use one of {', '.join(named_zones())})"
                )
            self.named = self.named.lower()
        self.councils = [_council_name(c) for c in self.councils]
        return self


class Risk(_Model):
    to: Literal["self", "others"]
    description: str
    level: Level | None = None
    what_helps: str | None = None


class Locations(_Model):
    home: Place
    important: list[Place] = Field(default_factory=list)
    avoid: list[Zone] = Field(default_factory=list)


class Child(_Model):
    age: float = Field(ge=0, lt=18)
    sex: Literal["male", "female"]


class Sibling(_Model):
    age: float | None = Field(default=None, ge=0, lt=30)
    live_together: bool = False


class PlacementTypes(_Model):
    preferred: list[str] = Field(default_factory=list)
    unsuitable: list[str] = Field(default_factory=list)

    @field_validator("preferred", "unsuitable")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        return [_term("types", v) for v in value]


class Budget(_Model):
    weekly: float = Field(gt=0)
    approved_by: str | None = None


def _council_name(text: str) -> str:
    hit = find_council(text, required=False)
    if hit is None:
        raise ValueError(
            f"'{text}' is not a council carecast knows (use its name, ONS code or DfE number)"
        )
    return hit.name


def _term(kind: str, text: str) -> str:
    terms = getattr(vocabulary(), kind)
    hit = terms.lookup(text)
    if hit is None:
        raise ValueError(
            f"'{text}' is not a known {kind[:-1] if kind.endswith('s') else kind} (use one of {terms.describe()})"
        )
    return hit


class Referral(_Model):
    """A referral profile. Required: council, child (age, sex), needs, locations.home, needed_by, urgency."""

    reference: str | None = None
    council: str
    child: Child
    needs: list[str]
    risks: list[Risk] = Field(default_factory=list)
    what_i_need_is: str | None = None
    strengths: list[str] = Field(default_factory=list)
    written_with_young_person: bool | None = None
    locations: Locations
    siblings: list[Sibling] | None = None
    family_time: str | None = None
    placement_types: PlacementTypes = Field(default_factory=PlacementTypes)
    needed_by: dt.date
    urgency: str
    staffing_ratio: str | None = None
    education: str | None = None
    education_on_site: bool = False
    health: str | None = None
    other_support: str | None = None
    legal_status: str | None = None
    social_worker: str | None = None
    same_day_plan: str | None = None
    budget: Budget | None = None
    referred_on: dt.date | None = None

    @field_validator("council")
    @classmethod
    def _council(cls, value: str) -> str:
        return _council_name(value)

    @field_validator("needs")
    @classmethod
    def _needs(cls, value: list[str]) -> list[str]:
        return sorted({_term("needs", v) for v in value})

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, value: str) -> str:
        return _term("urgency", value)

    @field_validator("staffing_ratio")
    @classmethod
    def _ratio(cls, value: str | None) -> str | None:
        if value is not None and ratio_value(value) is None:
            raise ValueError(f"'{value}' is not a staff:child ratio like 2:1")
        return value

    @property
    def required_ratio(self) -> float | None:
        return ratio_value(self.staffing_ratio) if self.staffing_ratio else None

    @property
    def places_needed(self) -> int:
        """The child plus any siblings who are to live with them."""
        return 1 + sum(1 for s in self.siblings or [] if s.live_together)

    @property
    def need_profile(self) -> str:
        """The needs as one label, for grouping unmet need ("none" when no specific needs)."""
        return "+".join(self.needs) if self.needs else "none"


def ratio_value(text: str) -> float | None:
    """'2:1' → 2.0 staff per child."""
    try:
        parts = [float(x) for x in str(text).replace(" ", "").split(":")]
    except ValueError:
        return None
    if len(parts) == 1:
        parts.append(1.0)
    if len(parts) != 2 or parts[1] <= 0 or parts[0] <= 0:
        return None
    return parts[0] / parts[1]


def parse_referral(doc: object, source: str = "referral") -> Referral:
    """Validate a referral document, turning every problem into one message naming the fields."""
    if not isinstance(doc, dict):
        raise InputError(
            "a referral must be a mapping of fields (YAML or JSON object)",
            where=Location(file=source),
            fix="start from the example in the carecast docs (council, child, needs, locations, needed_by, urgency)",
        )
    try:
        return Referral.model_validate(doc)
    except ValidationError as exc:
        raise validation_error(
            exc,
            source=source,
            error=InputError,
            what="a referral",
            fix="correct the fields named; required are council, child.age, child.sex, needs, "
            "locations.home, needed_by and urgency",
        ) from None


def load_referral(path: str | Path) -> Referral:
    """Read a referral profile from a YAML or JSON file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"referral file {p} does not exist",
            where=Location(file=str(p)),
            fix="give the path of the referral profile (.yaml or .json)",
        )
    text = p.read_text("utf-8-sig")
    try:
        doc = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise InputError(
            f"the referral is not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}: {exc}",
            where=Location(file=str(p)),
            fix="check indentation and quoting",
        ) from None
    return parse_referral(doc, str(p))


@cache
def _checks() -> list[dict]:
    text = resources.files("carecast.market").joinpath("data/completeness.yaml").read_text("utf-8")
    return yaml.safe_load(text)["checks"]


def _applies(when: str, r: Referral) -> bool:
    return {
        "always": True,
        "has_risks": bool(r.risks),
        "high_risk": any(k.level == "high" for k in r.risks),
        "has_needs": bool(r.needs),
        "mental_health": any(n in r.needs for n in ("mental_health_post_tier4", "semh")),
        "has_siblings": bool(r.siblings),
        "same_day": r.urgency == "same_day",
    }[when]


def _given(r: Referral, field: str) -> bool:
    if field.startswith("risks."):
        attr = field.split(".", 1)[1]
        return all(getattr(k, attr) for k in r.risks)
    if field == "locations.important":
        return bool(r.locations.important)
    value = getattr(r, field)
    if field == "siblings":
        return value is not None  # an empty list means "no siblings", which is an answer
    return value is not None and value != [] and value != ""


def completeness(r: Referral) -> list[dict]:
    """The questions a provider would still ask: one dict (field, question) per gap, in order."""
    return [
        {"field": c["field"], "question": c["ask"]}
        for c in _checks()
        if _applies(c["when"], r) and not _given(r, c["field"])
    ]
