"""Placement capacity over time: in-house foster households, in-house homes and block contracts.

Capacity is read from a council's YAML file (see ``data/example_capacity.yaml``), validated as a
whole, and evaluated on a list of dates to give places per placement category per date.
Foster households follow a stock-and-flow: households(t) = current + approvals·t − deregistrations·t
(deregistrations either a number a year or a rate of the stock), and places = households ×
children per household × utilisation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carecast.errors import Location, ParameterError
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import load_categories
from carecast.yamlfile import YamlDocument, read_yaml_document, validation_error


class FosterHouseholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = "fostering_in_house"
    current_households: float = Field(ge=0)
    approvals_per_year: float = Field(0, ge=0)
    deregistrations_per_year: float | None = Field(None, ge=0)
    deregistration_rate: float | None = Field(
        None, ge=0, le=1, description="share of households leaving each year"
    )
    children_per_household: float = Field(1.0, gt=0, le=10)
    utilisation: float = Field(
        1.0, gt=0, le=1, description="share of approved places actually usable"
    )

    @model_validator(mode="after")
    def _one_leaving_rule(self) -> FosterHouseholds:
        if self.deregistrations_per_year is not None and self.deregistration_rate is not None:
            raise ValueError("give deregistrations_per_year or deregistration_rate, not both")
        return self

    def households(self, years: np.ndarray, extra_approvals_per_year: float = 0.0) -> np.ndarray:
        """Households after ``years`` (array) of approvals and deregistrations."""
        approvals = self.approvals_per_year + extra_approvals_per_year
        if self.deregistration_rate:
            r = self.deregistration_rate
            steady = approvals / r
            return steady + (self.current_households - steady) * np.exp(-r * years)
        leaving = self.deregistrations_per_year or 0.0
        return np.maximum(self.current_households + (approvals - leaving) * years, 0.0)

    @property
    def places_per_household(self) -> float:
        return self.children_per_household * self.utilisation


class Beds(BaseModel):
    """An in-house home or a block contract: places in a category between two dates."""

    model_config = ConfigDict(extra="forbid")

    name: str
    category: str
    places: int = Field(ge=0)
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Beds:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"'{self.name}' ends ({self.end}) before it starts ({self.start})")
        return self

    def open_on(self, dates: np.ndarray) -> np.ndarray:
        d = dates.astype("datetime64[D]")
        ok = np.ones(d.shape, bool)
        if self.start:
            ok &= d >= np.datetime64(self.start, "D")
        if self.end:
            ok &= d <= np.datetime64(self.end, "D")
        return ok


class PlaceChange(Beds):
    """Places added (positive) or removed (negative) by a scenario's ``capacity`` lever."""

    places: int  # type: ignore[assignment]  # any sign, unlike a home's places


class Capacity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    council: str | None = None
    as_at: dt.date
    foster_households: FosterHouseholds | None = None
    homes: list[Beds] = Field(default_factory=list, description="in-house children's homes")
    block_contracts: list[Beds] = Field(default_factory=list)
    changes: list[PlaceChange] = Field(default_factory=list, description="scenario capacity levers")

    def places(
        self, dates: list[dt.date] | np.ndarray, *, extra_approvals_per_year: float = 0.0
    ) -> pl.DataFrame:
        """Places per category on each date: columns date, category, places, source."""
        d = np.asarray(dates, dtype="datetime64[D]")
        years = np.maximum((d - np.datetime64(self.as_at, "D")).astype(float) / DAYS_PER_YEAR, 0.0)
        frames = []
        if self.foster_households is not None:
            fh = self.foster_households
            frames.append(
                pl.DataFrame(
                    {
                        "date": d,
                        "category": fh.category,
                        "places": fh.households(years, extra_approvals_per_year)
                        * fh.places_per_household,
                        "source": "foster households",
                    }
                )
            )
        for kind, beds in (
            ("in-house home", self.homes),
            ("block contract", self.block_contracts),
            ("scenario", self.changes),
        ):
            for b in beds:
                frames.append(
                    pl.DataFrame(
                        {
                            "date": d,
                            "category": b.category,
                            "places": b.open_on(d) * float(b.places),
                            "source": f"{kind}: {b.name}",
                        }
                    )
                )
        if not frames:
            return pl.DataFrame(
                schema={
                    "date": pl.Date,
                    "category": pl.Utf8,
                    "places": pl.Float64,
                    "source": pl.Utf8,
                }
            )
        return pl.concat(frames).with_columns(pl.col("date").cast(pl.Date))


def with_scenario(capacity: Capacity, scenario) -> Capacity:
    """``capacity`` plus the places a scenario's ``capacity`` levers add or remove."""
    from carecast.scenarios.levers import Capacity as CapacityLever

    changes = [
        PlaceChange(
            name=lv.label, category=lv.category, places=lv.places, start=lv.start, end=lv.end
        )
        for lv in scenario.levers
        if isinstance(lv, CapacityLever)
    ]
    return (
        capacity.model_copy(update={"changes": [*capacity.changes, *changes]})
        if changes
        else capacity
    )


def combine_capacity(capacities: list[Capacity], name: str) -> Capacity:
    """Several councils' capacity as one: beds listed together (named by council), foster households pooled.

    Pooled households keep the places they give: children per household is the households-weighted
    places per household (utilisation folded in) and deregistration rates become yearly numbers at
    each council's current stock.
    """
    if not capacities:
        raise ParameterError("no capacity to combine", fix="give at least one --capacity file")
    fhs = [c.foster_households for c in capacities if c.foster_households is not None]
    pooled = None
    if fhs:
        households = sum(f.current_households for f in fhs)
        places = sum(f.current_households * f.places_per_household for f in fhs)
        pooled = FosterHouseholds(
            current_households=households,
            approvals_per_year=sum(f.approvals_per_year for f in fhs),
            deregistrations_per_year=sum(
                (f.deregistrations_per_year or 0.0)
                if f.deregistration_rate is None
                else f.deregistration_rate * f.current_households
                for f in fhs
            ),
            children_per_household=places / households if households else 1.0,
            utilisation=1.0,
        )

    def named(c: Capacity, beds: list) -> list:
        return [
            b.model_copy(update={"name": f"{c.council}: {b.name}" if c.council else b.name})
            for b in beds
        ]

    return Capacity(
        council=name,
        as_at=min(c.as_at for c in capacities),
        foster_households=pooled,
        homes=[b for c in capacities for b in named(c, c.homes)],
        block_contracts=[b for c in capacities for b in named(c, c.block_contracts)],
        changes=[b for c in capacities for b in named(c, c.changes)],
    )


def parse_capacity(data: dict, source: str, doc: YamlDocument | None = None) -> Capacity:
    """Validate capacity as a whole; ``doc`` (the parsed file) lets a message give the line."""
    try:
        cap = Capacity.model_validate(data)
    except ValidationError as exc:
        raise validation_error(
            exc,
            source=source,
            doc=doc,
            what="a capacity",
            fix="see carecast/sufficiency/data/example_capacity.yaml for the layout",
        ) from None
    known = load_categories().categories
    cats = [b.category for b in [*cap.homes, *cap.block_contracts, *cap.changes]]
    if cap.foster_households is not None:
        cats.append(cap.foster_households.category)
    for c in cats:
        if c not in known:
            raise ParameterError(
                f"category '{c}' is not a placement category",
                fix=f"use one of {', '.join(known)}",
                where=Location(file=source),
            )
    return cap


def load_capacity(path: str | Path) -> Capacity:
    doc = read_yaml_document(
        path, "capacity", missing_fix="check the path; see data/example_capacity.yaml"
    )
    return parse_capacity(doc.data or {}, str(path), doc)
