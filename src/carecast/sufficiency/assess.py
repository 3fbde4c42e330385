"""Sufficiency end to end: forecast (or scenario) demand for a council or a region against capacity.

>>> run = assess(episodes, load_capacity("capacity.yaml"), n_sims=300, seed=1)   # doctest: +SKIP
>>> run.result.by_year    # gap per category and financial year at p50 and p90   # doctest: +SKIP
>>> run.result.plan       # the capacity plan that closes it                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from carecast.forecast import ForecastResult
from carecast.scenarios import Scenario, load_scenario, run_scenarios
from carecast.sufficiency.capacity import Capacity, combine_capacity, with_scenario
from carecast.sufficiency.demand import category_demand, group_demand
from carecast.sufficiency.gap import SufficiencyResult, sufficiency_gap
from carecast.sufficiency.region import (
    RESIDENTIAL,
    AdolescentGap,
    adolescent_gap,
    check_region_data,
    regional_parameters,
    register_beds,
    with_register,
)


@dataclass
class SufficiencyRun:
    name: str
    councils: list[str]
    scenario: str
    forecast: ForecastResult
    demand: pl.DataFrame  # date, category, mean, p10, p50, p90
    capacity: Capacity
    result: SufficiencyResult
    register: pl.DataFrame | None = None  # region: register places used, per type and category
    adolescents: AdolescentGap | None = None
    notes: list[str] = field(default_factory=list)


def forecast_demand(
    episodes: pl.DataFrame, scenario: Scenario | None, **options: Any
) -> ForecastResult:
    """The councils' simulations (summed) under ``scenario`` (default: the baseline)."""
    comparison = run_scenarios(episodes, [scenario or load_scenario("baseline")], **options)
    return comparison.runs[0].result


def assess(
    episodes: pl.DataFrame,
    capacity: Capacity,
    *,
    scenario: Scenario | None = None,
    start: dt.date | None = None,
    horizon_years: float = 5,
    n_sims: int = 300,
    seed: int | None = None,
    **model_options: Any,
) -> SufficiencyRun:
    """One council's (or several councils' pooled) demand against ``capacity``."""
    forecast = forecast_demand(
        episodes,
        scenario,
        start=start,
        horizon_years=horizon_years,
        n_sims=n_sims,
        seed=seed,
        **model_options,
    )
    cap = with_scenario(capacity, scenario) if scenario else capacity
    demand = category_demand(forecast)
    names = sorted(episodes.get_column("council").unique().to_list())
    return SufficiencyRun(
        ", ".join(names),
        names,
        scenario.scenario if scenario else "baseline",
        forecast,
        demand,
        cap,
        sufficiency_gap(demand, cap),
    )


def assess_region(
    episodes: pl.DataFrame,
    capacities: list[Capacity],
    *,
    label: str,
    members: list[str],
    providers: pl.DataFrame | None = None,
    register_share: float | None = None,
    scenario: Scenario | None = None,
    start: dt.date | None = None,
    horizon_years: float = 5,
    n_sims: int = 300,
    seed: int | None = None,
    **model_options: Any,
) -> SufficiencyRun:
    """A group of councils: summed demand against pooled capacity plus the region's register places.

    ``register_share`` is the share of the register's places the group can count on (default: equal
    shares per council, councils in the data ÷ councils in the region; see ``data/regional.yaml``).
    """
    in_data = sorted(episodes.get_column("council").unique().to_list())
    present = check_region_data(members, in_data, label)
    group = episodes.filter(pl.col("council").is_in(present))
    forecast = forecast_demand(
        group,
        scenario,
        start=start,
        horizon_years=horizon_years,
        n_sims=n_sims,
        seed=seed,
        **model_options,
    )
    own = [c for c in capacities if c.council is None or c.council in present]
    cap = combine_capacity(own, label) if own else Capacity(council=label, as_at=forecast.start)
    notes = [
        f"Demand covers {len(present)} of the {len(members)} councils of {label} ({', '.join(present)})."
    ]
    missing = sorted(set(present) - {c.council for c in own})
    if missing:
        notes.append(
            f"No capacity file for {', '.join(missing)}: their own foster carers and homes are not counted."
        )
    register = None
    if providers is not None:
        share = register_share if register_share is not None else len(present) / len(members)
        beds, register = register_beds(providers, members, label, share)
        cap = with_register(cap, beds)
        notes.append(
            f"Provider-register places in {label} serve every council placing there; {share:.1%} of them "
            "are counted for this group"
            + (" (equal shares per council)." if register_share is None else " (--register-share).")
        )
    if scenario:
        cap = with_scenario(cap, scenario)
    demand = category_demand(forecast)
    age_from = int(regional_parameters()["adolescent_age_from"])
    adolescent = adolescent_gap(
        group_demand(forecast, RESIDENTIAL, age_from, f"residential aged {age_from}-17"), cap
    )
    result = sufficiency_gap(demand, cap)
    if missing:
        result = _without_recruitment(result, missing)
        notes.append(
            "No foster recruitment is worked out for the group: the in-house fostering demand of "
            f"{', '.join(missing)} would be set against the other councils' carers."
        )
    return SufficiencyRun(
        label,
        present,
        scenario.scenario if scenario else "baseline",
        forecast,
        demand,
        cap,
        result,
        register,
        adolescent,
        notes,
    )


def _without_recruitment(result: SufficiencyResult, missing: list[str]) -> SufficiencyResult:
    """The plan with its foster-recruitment rows withheld: with some councils' carers unknown, the
    group's whole in-house demand over the known carers asks for thousands of approvals a year."""
    recruit = pl.col("unit") == "households a year"
    plan = result.plan.with_columns(
        pl.when(recruit)
        .then(pl.lit(f"not worked out: no capacity file for {', '.join(missing)}"))
        .otherwise(pl.col("action"))
        .alias("action"),
        pl.when(recruit).then(None).otherwise(pl.col("amount")).alias("amount"),
        pl.when(recruit)
        .then(pl.lit("give every council's capacity file to plan foster recruitment for the group"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    return replace(result, plan=plan)
