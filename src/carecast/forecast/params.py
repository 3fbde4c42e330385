"""The demand model's cited defaults, read once from ``forecast/data/model.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


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
    text = resources.files("carecast.forecast").joinpath("data/model.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    bands = doc["duration_bands"]["value"]
    return ModelDefaults(
        window_years=float(doc["window_years"]["value"]),
        step_days=int(doc["step_days"]["value"]),
        duration_labels=tuple(str(b["label"]) for b in bands),
        duration_lowers=tuple(int(b["lower"]) for b in bands),
        prior_days=float(doc["prior_days"]["value"]),
        entry_half_life_years=float(doc["entry_half_life_years"]["value"]),
        leaving_age=int(doc["leaving_age"]["value"]),
        quantiles=tuple(float(q) for q in doc["quantiles"]["value"]),
        rolling_origins=int(doc["rolling_origins"]["value"]),
        regional_shock_min_months=int(doc["regional_shock_min_months"]["value"]),
        exit_reasons={k: tuple(v) for k, v in doc["exit_reasons"]["value"].items()},
    )
