"""The demand model's cited defaults, read once from ``forecast/data/model.yaml`` (a parameter tree)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from carecast.parameters import ParameterTree, shipped


@dataclass(frozen=True)
class ModelDefaults:
    window_years: float
    step_days: int
    duration_labels: tuple[str, ...]
    duration_lowers: tuple[int, ...]  # days since the period of care started
    prior_days: float
    entry_half_life_years: float
    leaving_age: int
    quantiles: tuple[float, ...]
    rolling_origins: int
    regional_shock_min_months: int  # fewer months in the window: no regional entry shock
    exit_reasons: dict[str, tuple[str, ...]]  # group -> REC codes


@cache
def defaults() -> ModelDefaults:
    """The shipped defaults (each value's reference is in the YAML file beside it)."""
    return from_tree(shipped("carecast.forecast", "model.yaml"))


def from_tree(tree: ParameterTree) -> ModelDefaults:
    """The model's defaults from a parameter tree in ``model.yaml``'s shape (a council's copy)."""
    v = tree.values()
    bands = v["duration_bands"]
    return ModelDefaults(
        window_years=float(v["window_years"]),
        step_days=int(v["step_days"]),
        duration_labels=tuple(str(b["label"]) for b in bands),
        duration_lowers=tuple(int(b["lower"]) for b in bands),
        prior_days=float(v["prior_days"]),
        entry_half_life_years=float(v["entry_half_life_years"]),
        leaving_age=int(v["leaving_age"]),
        quantiles=tuple(float(q) for q in v["quantiles"]),
        rolling_origins=int(v["rolling_origins"]),
        regional_shock_min_months=int(v["regional_shock_min_months"]),
        exit_reasons={k: tuple(codes) for k, codes in v["exit_reasons"].items()},
    )
