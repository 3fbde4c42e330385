"""Matching settings: the cited defaults in ``data/matching.yaml``, overridable from a YAML file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carecast.errors import Location, ParameterError
from carecast.parameters import shipped
from carecast.yamlfile import read_yaml

PARTS = ("distance_home", "distance_important_places", "rating", "track_record", "price")


@dataclass(frozen=True)
class MatchSettings:
    weights: dict[str, float]
    distance_half_life_miles: float
    rating_scores: dict[str, float]
    track_record_prior: dict[str, float]
    price_ratio_full_score: float
    price_ratio_zero_score: float
    excluded_ratings: tuple[str, ...]
    vacancy_stale_after_days: int
    sources: tuple[str, ...]


def _defaults() -> dict:
    return shipped("carecast.market", "matching.yaml").values()


def load_settings(overrides: str | Path | dict | None = None) -> MatchSettings:
    """Defaults, with any keys of ``overrides`` (a YAML file or a dict) replacing them.

    An override may give a parameter's value directly (``weights: {price: 0.3}``) or in the
    cited form (``weights: {value: {...}}``); weights given are merged into the default weights.
    Unknown keys or parts are rejected before anything is used.
    """
    values = _defaults()
    sources = ["carecast/market/data/matching.yaml"]
    if overrides is not None:
        where = "weights override"
        if not isinstance(overrides, dict):
            p = Path(overrides)
            where = str(p)
            overrides = (
                read_yaml(
                    p,
                    "weights",
                    missing_fix="give a YAML file shaped like carecast/market/data/matching.yaml",
                )
                or {}
            )
            sources.append(str(p))
        if not isinstance(overrides, dict):
            raise ParameterError("the weights file must be a mapping", where=Location(file=where))
        for key, val in overrides.items():
            if key not in values:
                raise ParameterError(
                    f"'{key}' is not a matching parameter",
                    where=Location(file=where, field=key),
                    fix=f"use one of {', '.join(values)}",
                )
            if isinstance(val, dict) and "value" in val:
                val = val["value"]
            if isinstance(values[key], dict):
                if not isinstance(val, dict):
                    raise ParameterError(
                        f"'{key}' must be a mapping", where=Location(file=where, field=key)
                    )
                bad = [k for k in val if k not in values[key]]
                if bad:
                    raise ParameterError(
                        f"unknown {key} entries: {', '.join(map(str, bad))}",
                        where=Location(file=where, field=key),
                        fix=f"use {', '.join(values[key])}",
                    )
                values[key] = {**values[key], **val}
            else:
                values[key] = val
    w = values["weights"]
    for part, weight in w.items():
        if not isinstance(weight, int | float) or weight < 0:
            raise ParameterError(
                f"weight of '{part}' must be a number 0 or more (got {weight!r})",
                where=Location(field=f"weights.{part}"),
            )
    if sum(w.values()) <= 0:
        raise ParameterError(
            "all the weights are zero", fix="give at least one part a positive weight"
        )
    if not values["price_ratio_zero_score"] > values["price_ratio_full_score"] >= 0:
        raise ParameterError(
            "price_ratio_zero_score must be above price_ratio_full_score (and both 0 or more)",
            where=Location(field="price_ratio_zero_score"),
        )
    if values["distance_half_life_miles"] <= 0:
        raise ParameterError(
            "distance_half_life_miles must be above 0",
            where=Location(field="distance_half_life_miles"),
        )
    return MatchSettings(
        weights={p: float(w[p]) for p in PARTS},
        distance_half_life_miles=float(values["distance_half_life_miles"]),
        rating_scores={k: float(v) for k, v in values["rating_scores"].items()},
        track_record_prior={k: float(v) for k, v in values["track_record_prior"].items()},
        price_ratio_full_score=float(values["price_ratio_full_score"]),
        price_ratio_zero_score=float(values["price_ratio_zero_score"]),
        excluded_ratings=tuple(values["excluded_ratings"]),
        vacancy_stale_after_days=int(values["vacancy_stale_after_days"]),
        sources=tuple(sources),
    )
