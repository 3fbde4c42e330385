"""SEND scenario levers, in the scenario-file format of :mod:`carecast.scenarios`.

A SEND scenario file looks like any carecast scenario (``scenario:``, ``levers:`` each with
``lever:``, ``start:``, ``ramp_months:``) and is validated the same way, with file, line and fix.
The levers, and how each acts on the projection:

* ``fewer_new_plans`` — new plans at ages ``min_age``-``max_age`` fall by ``percent`` (ramping up
  from ``start``), through the engine's scenario effects: each would-be new plan is kept with
  probability ``1 − percent·ramp(t)`` (exact thinning of the Poisson arrivals).
* ``kept_in_mainstream`` — ``percent`` of the growth in special and INMSS places after ``start``
  is met in mainstream with support instead (moved on the projected counts, costed at the
  mainstream top-up plus ``support_cost``).
* ``local_special_places`` — a new local special school: up to ``places`` children who would be
  in INMSS are in its places from ``opening`` (filling over ``ramp_months``), costed at
  ``cost_per_place`` a year.
* ``post19_pathways`` — ``percent`` of plans at ages 19-25 end into supported employment or
  adult pathways (removed from the count from ``start``), each costing ``cost_per_person``.

The count-based levers act on the simulated plans by month, age and setting (the engine's
hazards are constant over the horizon); their effect is stated in the output's notes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from carecast.errors import ParameterError
from carecast.scenarios.levers import LeverBase as Lever
from carecast.scenarios.levers import Percent
from carecast.scenarios.model import parse_scenario_as


class FewerNewPlans(Lever):
    lever: Literal["fewer_new_plans"]
    percent: Percent
    min_age: int = Field(0, ge=0, le=25, description="youngest age at the plan's start affected")
    max_age: int = Field(25, ge=0, le=25, description="oldest age at the plan's start affected")


class KeptInMainstream(Lever):
    lever: Literal["kept_in_mainstream"]
    percent: Percent
    support_cost: float = Field(
        4000.0, ge=0, description="extra support a year per child kept, GBP"
    )


class LocalSpecialPlaces(Lever):
    lever: Literal["local_special_places"]
    places: int = Field(ge=1, le=2000)
    cost_per_place: float = Field(24000.0, ge=0, description="annual cost of a place, GBP")


class Post19Pathways(Lever):
    lever: Literal["post19_pathways"]
    percent: Percent
    cost_per_person: float = Field(
        5000.0, ge=0, description="annual cost of the pathway per young person, GBP"
    )


SendLever = Annotated[
    FewerNewPlans | KeptInMainstream | LocalSpecialPlaces | Post19Pathways,
    Field(discriminator="lever"),
]
SEND_LEVER_TYPES = {
    "fewer_new_plans": FewerNewPlans,
    "kept_in_mainstream": KeptInMainstream,
    "local_special_places": LocalSpecialPlaces,
    "post19_pathways": Post19Pathways,
}
NEW_COLUMNS = {
    "kept_in_mainstream": "mainstream_supported",
    "local_special_places": "local_special_new",
    "post19_pathways": "post19_pathway",
}


class SendScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str
    version: int = Field(1, ge=1)
    description: str = ""
    reference: str | None = None
    levers: list[SendLever] = Field(default_factory=list)

    def extra_costs(self, mainstream_cost: float) -> dict[str, float]:
        """Annual cost of each lever's own column."""
        out: dict[str, float] = {}
        for lever in self.levers:
            if isinstance(lever, KeptInMainstream):
                out[NEW_COLUMNS[lever.lever]] = mainstream_cost + lever.support_cost
            elif isinstance(lever, LocalSpecialPlaces):
                out[NEW_COLUMNS[lever.lever]] = lever.cost_per_place
            elif isinstance(lever, Post19Pathways):
                out[NEW_COLUMNS[lever.lever]] = lever.cost_per_person
        return out


def parse_send_scenario(text: str, source: str = "scenario") -> SendScenario:
    return parse_scenario_as(SendScenario, SEND_LEVER_TYPES, text, source)


def load_send_scenario(path: str | Path) -> SendScenario:
    p = Path(path)
    if not p.is_file():
        raise ParameterError(
            f"scenario file {p} does not exist",
            fix="start from carecast/send/data/examples/send_scenario.yaml",
        )
    return parse_send_scenario(p.read_text("utf-8"), str(p))


def send_effects(
    scenario: SendScenario | None, step_dates: list[dt.date], n_age: int, n_settings: int
) -> Any:
    """The engine's scenario effects on its step grid: ``fewer_new_plans`` thins new plans by age.

    Neutral (no change) without a scenario, so a baseline and a scenario run with the same seed meet
    the same random numbers child by child until a lever changes a path.
    """
    from carecast.scenarios.effects import neutral_effects

    effects = neutral_effects(len(step_dates), n_age, n_settings)
    dates = np.asarray(step_dates, dtype="datetime64[D]")
    for lever in scenario.levers if scenario is not None else []:
        if isinstance(lever, FewerNewPlans):
            ages = np.arange(n_age)
            in_range = (ages >= lever.min_age) & (ages <= lever.max_age)
            effects.entry_multiplier[:, in_range] *= (1 - lever.percent / 100 * lever.ramp(dates))[
                :, None
            ]
    return effects


def apply_levers(
    states: np.ndarray, columns: tuple[str, ...], months: list[dt.date], scenario: SendScenario
) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """The count-based levers on plans (sims × months × ages × columns); returns new arrays and notes."""
    cols = list(columns)
    dates = np.asarray(months, dtype="datetime64[D]")
    notes = []
    for lever in scenario.levers:
        if isinstance(lever, FewerNewPlans):
            notes.append(
                f"{lever.label}: new plans {lever.percent:g}% fewer from {lever.start} "
                f"(ramp {lever.ramp_months} months) at ages {lever.min_age}-{lever.max_age}, "
                "simulated in the engine"
            )
            continue
        new = NEW_COLUMNS[lever.lever]
        if new not in cols:
            cols.append(new)
            states = np.concatenate([states, np.zeros((*states.shape[:3], 1))], axis=3)
        j_new = cols.index(new)
        r = lever.ramp(dates)[None, :, None]
        if isinstance(lever, KeptInMainstream):
            k0 = int(np.searchsorted(dates, np.datetime64(lever.start, "D")))
            k0 = min(k0, len(months) - 1)
            after = (np.arange(len(months)) >= k0)[None, :, None]
            for setting in ("special", "inmss"):
                j = cols.index(setting)
                by_age = states[:, :, :, j]
                total = by_age.sum(axis=2, keepdims=True)
                growth = np.maximum(
                    total - total[:, k0 : k0 + 1], 0
                )  # growth of the setting since the start
                share = np.divide(by_age, total, out=np.zeros_like(by_age), where=total > 0)
                moved = lever.percent / 100 * r * growth * share * after
                states[:, :, :, j] -= moved
                states[:, :, :, j_new] += moved
            notes.append(
                f"{lever.label}: {lever.percent:g}% of the growth in special and INMSS plans after "
                f"{lever.start} kept in mainstream with £{lever.support_cost:,.0f} extra support a year"
            )
        elif isinstance(lever, LocalSpecialPlaces):
            j = cols.index("inmss")
            inmss = states[:, :, :, j]
            total = inmss.sum(axis=2, keepdims=True)
            cap = lever.places * lever.ramp(dates)[None, :, None]
            share = np.divide(
                np.minimum(cap, total), total, out=np.zeros_like(total), where=total > 0
            )
            moved = inmss * share
            states[:, :, :, j] -= moved
            states[:, :, :, j_new] += moved
            notes.append(
                f"{lever.label}: {lever.places} local special places from {lever.start} at "
                f"£{lever.cost_per_place:,.0f} a year, filled by children who would be in INMSS"
            )
        elif isinstance(lever, Post19Pathways):
            moved = np.zeros_like(states[:, :, :, 0])
            moved[:, :, 19:] = states[:, :, 19:, :j_new].sum(axis=3) * lever.percent / 100 * r
            share = np.divide(
                moved[..., None],
                states[:, :, :, :j_new].sum(axis=3, keepdims=True),
                out=np.zeros((*moved.shape, 1)),
                where=states[:, :, :, :j_new].sum(axis=3, keepdims=True) > 0,
            )
            states[:, :, :, :j_new] *= 1 - share
            states[:, :, :, j_new] += moved
            notes.append(
                f"{lever.label}: {lever.percent:g}% of plans at ages 19-25 end into adult pathways from "
                f"{lever.start} (counted apart at £{lever.cost_per_person:,.0f} a year, not as plans)"
            )
    return states, tuple(cols), notes
