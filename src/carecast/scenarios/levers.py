"""The levers a scenario can pull, as validated pydantic models.

Each lever starts on a date and ramps up linearly over ``ramp_months`` to its full effect (a
practice change is never instant). :meth:`Lever.ramp` gives the fraction of full effect on each
projection date; :mod:`carecast.scenarios.effects` turns the levers into the arrays the forecast
engine applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Percent = Annotated[float, Field(ge=0, le=100, description="a percentage, 0-100")]


class _Lever(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="a label for tables; defaults to the lever type")
    start: dt.date = Field(description="date the change starts to take effect")
    ramp_months: int = Field(0, ge=0, le=120, description="months to reach full effect")
    reference: str | None = Field(None, description="where the assumption comes from")

    def ramp(self, dates: np.ndarray) -> np.ndarray:
        """Fraction (0-1) of full effect on each date (numpy datetime64[D] array)."""
        days = (dates.astype("datetime64[D]") - np.datetime64(self.start, "D")).astype(float)
        if self.ramp_months == 0:
            return (days >= 0).astype(float)
        return np.clip(days / (self.ramp_months * 30.4375), 0.0, 1.0) * (days >= 0)

    @property
    def label(self) -> str:
        return self.name or self.lever  # type: ignore[attr-defined]


LeverBase = (
    _Lever  # public name for other lever sets (carecast.send) to build on: start, ramp, label
)


class ReduceEntries(_Lever):
    """Fewer children enter care (edge-of-care support); CCN judged 39% of entries avoidable."""

    lever: Literal["reduce_entries"]
    percent: Percent
    age_bands: list[str] | None = Field(None, description="age bands affected; all if omitted")
    cost_per_child_supported: float = Field(
        0.0, ge=0, description="one-off cost of edge-of-care support, GBP"
    )
    supported_per_baseline_entry: float = Field(
        1.0,
        ge=0,
        description="children supported for each child who would have entered care without the lever",
    )


class RaiseExits(_Lever):
    """More children leave care (e.g. reunification home, SGO): exit hazards raised by ``percent``."""

    lever: Literal["raise_exits"]
    percent: Annotated[float, Field(ge=0, le=500)]
    categories: list[str] | None = None


class StepDown(_Lever):
    """Move ``percent`` of children in ``from_category`` to ``to_category`` once they have been there ``after_weeks``."""

    lever: Literal["step_down"]
    percent: Percent
    from_category: str = "residential_external"
    to_category: str = "fostering_in_house"
    after_weeks: int = Field(26, ge=0, le=520)


class FosteringMix(_Lever):
    """Place ``percent`` of children who would have gone to ``from_category`` in ``to_category`` instead."""

    lever: Literal["fostering_mix"]
    percent: Percent
    from_category: str = "fostering_ifa"
    to_category: str = "fostering_in_house"


class CapStay(_Lever):
    """No child stays in ``category`` longer than ``max_weeks``: they move to ``to_category``."""

    lever: Literal["cap_stay"]
    category: str = "residential_external"
    max_weeks: int = Field(ge=1, le=520)
    to_category: str = "fostering_in_house"


class UnitCosts(_Lever):
    """Change weekly unit costs (GBP) and/or annual inflation (fraction, e.g. 0.03) by cost group."""

    lever: Literal["unit_costs"]
    weekly: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    inflation: dict[str, Annotated[float, Field(ge=-0.5, le=1.0)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> UnitCosts:
        if not self.weekly and not self.inflation:
            raise ValueError("give 'weekly' and/or 'inflation' changes")
        return self


class Capacity(_Lever):
    """Add (positive) or remove (negative) places in a category from ``start`` (e.g. a new in-house home)."""

    lever: Literal["capacity"]
    category: str
    places: int
    end: dt.date | None = None


Lever = Annotated[
    ReduceEntries | RaiseExits | StepDown | FosteringMix | CapStay | UnitCosts | Capacity,
    Field(discriminator="lever"),
]
LEVER_TYPES = {
    "reduce_entries": ReduceEntries,
    "raise_exits": RaiseExits,
    "step_down": StepDown,
    "fostering_mix": FosteringMix,
    "cap_stay": CapStay,
    "unit_costs": UnitCosts,
    "capacity": Capacity,
}
