"""Turn a scenario's levers into arrays on the projection's time grid, for the engine to apply.

The forecast engine knows nothing about levers: it takes a :class:`ScenarioEffects` whose arrays
say, for each projection step, how entry rates, exit hazards and placement choices change, and
which forced moves apply. Keeping the translation here means a new lever never touches the
engine unless it needs a new kind of effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from carecast.scenarios.levers import CapStay, FosteringMix, RaiseExits, ReduceEntries, StepDown
from carecast.scenarios.model import Scenario


@dataclass(frozen=True)
class ForcedMove:
    """Children in ``from_index`` for at least ``after_steps`` steps move to ``to_index``
    with probability ``probability[step]`` (a one-off chance when they reach the threshold for
    step-down; certainty for a cap)."""

    label: str
    from_index: int
    to_index: int
    after_steps: int
    probability: np.ndarray  # (n_steps,)


@dataclass(frozen=True)
class EntryLever:
    """An entry-reducing lever, for costing it: the share of the affected bands' baseline entries
    it prevents on each step, and the cost for each such baseline entry (cost per child supported
    × children supported per baseline entry)."""

    label: str
    bands: tuple[int, ...]  # age-band columns affected
    share: np.ndarray  # (n_steps,) fraction of baseline entries prevented
    cost_per_baseline_entry: float


@dataclass
class ScenarioEffects:
    """Multipliers and moves per projection step. Neutral (all ones, no moves) for the baseline."""

    entry_multiplier: np.ndarray  # (n_steps, n_age_bands): scales entry rates
    exit_multiplier: np.ndarray  # (n_steps, n_categories): scales exit hazards
    redirect: (
        np.ndarray
    )  # (n_steps, n_categories, n_categories): row-stochastic, placement choice remap
    forced_moves: list[ForcedMove] = field(default_factory=list)
    entry_levers: list[EntryLever] = field(default_factory=list)

    @property
    def is_neutral(self) -> bool:
        return (
            np.all(self.entry_multiplier == 1.0)
            and np.all(self.exit_multiplier == 1.0)
            and np.allclose(self.redirect, np.eye(self.redirect.shape[1])[None])
            and not self.forced_moves
        )


def neutral_effects(n_steps: int, n_age_bands: int, n_categories: int) -> ScenarioEffects:
    return ScenarioEffects(
        entry_multiplier=np.ones((n_steps, n_age_bands)),
        exit_multiplier=np.ones((n_steps, n_categories)),
        redirect=np.broadcast_to(
            np.eye(n_categories), (n_steps, n_categories, n_categories)
        ).copy(),
    )


def scenario_effects(
    scenario: Scenario,
    dates: np.ndarray,
    categories: list[str],
    age_bands: list[str],
    step_days: float,
) -> ScenarioEffects:
    """Effects of ``scenario`` on the grid ``dates`` (datetime64[D], one per step)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    n = len(dates)
    eff = neutral_effects(n, len(age_bands), len(categories))
    cat = {c: i for i, c in enumerate(categories)}
    for lever in scenario.levers:
        ramp = lever.ramp(dates)
        if isinstance(lever, ReduceEntries):
            bands = lever.age_bands or age_bands
            cols = [age_bands.index(b) for b in bands]
            cut = ramp * lever.percent / 100.0
            eff.entry_multiplier[:, cols] *= (1.0 - cut)[:, None]
            eff.entry_levers.append(
                EntryLever(
                    lever.label,
                    tuple(cols),
                    cut,
                    lever.cost_per_child_supported * lever.supported_per_baseline_entry,
                )
            )
        elif isinstance(lever, RaiseExits):
            cols = [cat[c] for c in (lever.categories or categories)]
            eff.exit_multiplier[:, cols] *= (1.0 + ramp * lever.percent / 100.0)[:, None]
        elif isinstance(lever, FosteringMix):
            i, j = cat[lever.from_category], cat[lever.to_category]
            share = ramp * lever.percent / 100.0
            moved = eff.redirect[:, :, i] * share[:, None]
            eff.redirect[:, :, i] -= moved
            eff.redirect[:, :, j] += moved
        elif isinstance(lever, StepDown):
            eff.forced_moves.append(
                ForcedMove(
                    lever.label,
                    cat[lever.from_category],
                    cat[lever.to_category],
                    int(round(lever.after_weeks * 7 / step_days)),
                    ramp * lever.percent / 100.0,
                )
            )
        elif isinstance(lever, CapStay):
            eff.forced_moves.append(
                ForcedMove(
                    lever.label,
                    cat[lever.category],
                    cat[lever.to_category],
                    int(round(lever.max_weeks * 7 / step_days)),
                    (ramp > 0).astype(float),
                )
            )
    return eff
