"""Forecasting several councils: one model per council, simulations summed council by council.

Simulation k of the region is the sum of simulation k of each council, so bands of the sum are
honest (not sums of bands). Councils are simulated independently except for their entries, which
share a regional monthly shock (:class:`~carecast.forecast.entrants.RegionalShock`, variance σc²
estimated from every council's monthly entries over the common window before the councils are
dispatched): councils of a region co-move, and a region summed from independent councils would have
too narrow a band. Each council gets its own seed from one ``SeedSequence`` and the shock depends on
the user's seed alone, so results do not depend on the order or the number of workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError
from carecast.execution import Caught, Pool, executor, raise_again, recorded_warnings
from carecast.forecast.entrants import (
    RegionalShock,
    load_population,
    shared_entry_variance,
    shared_entry_variance_se,
    shock_correlation,
)
from carecast.forecast.model import DemandModel
from carecast.forecast.params import defaults
from carecast.forecast.persistence import EntryPersistence, shared_persistence
from carecast.forecast.prepare import CareHistory, care_history
from carecast.forecast.result import ForecastResult
from carecast.forecast.states import StateSpace


@dataclass
class RegionForecast:
    combined: ForecastResult
    space: StateSpace
    results: dict[str, ForecastResult] = field(
        default_factory=dict
    )  # per council, monthly only (when kept)
    assumptions: dict[str, dict[str, Any]] = field(default_factory=dict)  # per council


def _one(args: tuple) -> tuple[str, ForecastResult, Caught]:
    """Fit and simulate one council; its warnings are returned, to be raised again by the caller
    (in a worker process the main process's warning filters do not apply)."""
    council, history, start, model_options, sim_options, user_seed = args
    with recorded_warnings() as caught:
        model = DemandModel(**model_options).fit(history, start=start)
        result = model.simulate(**sim_options)
    result.assumptions_ |= {"seed": user_seed, "council_seed": sim_options["seed"]}
    return council, result, caught


def _group(jobs: list[tuple]) -> tuple[dict[str, dict[str, Any]], ForecastResult, Caught]:
    """Several councils in one worker, summed there: only one set of arrays travels back."""
    total: ForecastResult | None = None
    assumptions = {}
    caught: Caught = []
    for job in jobs:
        council, result, council_caught = _one(job)
        assumptions[council] = result.assumptions_
        caught += council_caught
        total = (
            result
            if total is None
            else ForecastResult.combine([total, result], name="all councils")
        )
    assert total is not None
    return assumptions, total, caught


def _population(population: str | Path | None, council: str) -> dict[str, Any]:
    return {} if population is None else {"population": load_population(population, council)}


def _ready() -> None:
    """A first task for each worker: it imports carecast while the main process reads the histories."""


def balanced(jobs: list[tuple], workers: int) -> list[list[tuple]]:
    """Split councils into one group per worker with near-equal work (largest first, each to the
    least-loaded group). The region takes as long as its slowest worker, and councils differ tenfold
    in size, so a round-robin split left one worker with ~16% more children than the other.
    Work is estimated by episode rows, which grow with children in care and entrants alike."""
    groups: list[list[tuple]] = [[] for _ in range(workers)]
    loads = np.zeros(workers)
    for job in sorted(jobs, key=lambda job: job[1].episodes.height, reverse=True):
        i = int(np.argmin(loads))
        groups[i].append(job)
        loads[i] += job[1].episodes.height
    return [group for group in groups if group]


def regional_shock(
    histories: dict[str, CareHistory],
    start: dt.date,
    probe: DemandModel,
    seed: int | None,
    parameter_uncertainty: bool,
) -> tuple[RegionalShock | None, dict[str, Any]]:
    """The region's shared monthly entry shock, estimated from every council's entries over the
    common window (see :mod:`carecast.forecast.entrants`), and how it is described in the assumptions.

    None (councils' entries independent) when the shock is 0 or simulations have no parameter
    uncertainty.
    """
    out: dict[str, Any] = {
        "method": "method of moments: mean over months and council pairs of the products of the councils' "
        "relative residuals (entries - fitted) / fitted of monthly entries over the reference window, "
        "floored at 0; simulated as one log-normal multiplier (mean 1) per simulation and month shared "
        "by every council; each council's own monthly frailty reduced so its total variance is kept. "
        "The products at lags of 1 to 12 months measure how long the shared shock persists (an AR(1) "
        "fitted by the method of moments, the trend fit accounted for); a persistent part is "
        "simulated as one path per simulation over the horizon, shared by every council",
    }
    models = [probe.entrant_model(h, start) for h in histories.values()]
    entering = [m for m in models if m.monthly_fitted_.size]
    months = max((m.monthly_fitted_.size for m in entering), default=0)
    entering = [m for m in entering if m.monthly_fitted_.size == months]
    counts = np.array([m.monthly_counts_ for m in entering]).reshape(len(entering), months)
    fitted = np.array([m.monthly_fitted_ for m in entering]).reshape(len(entering), months)
    variance = shared_entry_variance(counts, fitted)
    raw, se = shared_entry_variance_se(counts, fitted)
    persistent, one_month = (
        shared_persistence(counts, fitted) if len(entering) > 1 else (EntryPersistence(), 0.0)
    )
    if persistent.present:  # the lag-0 products are then the persistent part plus a one-month part
        variance = one_month
    out |= {
        "variance": round(variance, 6),
        "estimate_before_floor": round(raw, 6),
        "standard_error": round(se, 6),
        "monthly_multiplier_cv": round(float(np.sqrt(variance)), 4),
        "persistent": persistent.describe(),
        "councils_with_entries": len(entering),
        "months": months,
    }
    if len(entering) < 2 or months < defaults().regional_shock_min_months:
        return None, out | {
            "applied": False,
            "reason": f"needs at least 2 councils with entries and "
            f"{defaults().regional_shock_min_months} months in the window",
        }
    if variance <= 0 and not persistent.present:
        return None, out | {
            "applied": False,
            "mean_between_council_correlation": 0.0,
            "reason": "the councils' monthly entries do not move together beyond chance",
        }
    shock = RegionalShock.from_seed(variance, seed, persistent)
    for m in entering:
        m.shock = shock
    out |= {"mean_between_council_correlation": round(shock_correlation(entering), 4)}
    if not parameter_uncertainty:
        return None, out | {"applied": False, "reason": "simulations without parameter uncertainty"}
    return shock, out | {"applied": True}


def region_histories(
    episodes: pl.DataFrame,
    councils: list[str],
    start: dt.date,
    model_options: dict[str, Any],
    *,
    seed: int | None,
    parameter_uncertainty: bool,
) -> tuple[dict[str, CareHistory], dict[str, Any], dict[str, Any]]:
    """Every council's care history, the model options with the region's shared entry shock, and the
    shock's assumptions. All histories are read before any council is fitted, because the shock is
    estimated from all of them; a single council gets no shock (its forecast is unchanged)."""
    probe = DemandModel(**model_options)
    frames = episodes.partition_by("council", as_dict=True, maintain_order=False)
    histories = {
        c: care_history(frames[(c,)], categories=probe.categories, uasc=probe.uasc)
        for c in councils
    }
    shock, assumptions = None, {}
    if len(councils) > 1:
        shock, assumptions = regional_shock(histories, start, probe, seed, parameter_uncertainty)
    return (
        histories,
        model_options | ({"regional_shock": shock} if shock is not None else {}),
        assumptions,
    )


def forecast_councils(
    episodes: pl.DataFrame,
    *,
    start: dt.date | None = None,
    horizon_years: float = 5,
    n_sims: int = 1000,
    seed: int | None = None,
    parameter_uncertainty: bool = True,
    population: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    keep_councils: bool = True,
    progress: Callable[[str], None] | None = None,
    **model_options: Any,
) -> RegionForecast:
    """Fit and simulate every council in ``episodes`` from a common ``start`` (default: the earliest data end).

    Councils run on ``workers`` local processes, or on the Dask cluster at ``scheduler`` (default:
    ``CARECAST_SCHEDULER``; see :mod:`carecast.execution`); the numbers are the same either way.
    Several councils are simulated on the compiled kernel unless ``compiled=False`` is given
    (loading numba, ~0.7 s per process, pays for itself from the second council on); one council
    on the NumPy engine unless ``compiled=True``."""
    if episodes.height == 0:
        raise InsufficientDataError(
            "there are no episodes to forecast from", fix="load SSDA903 returns first"
        )
    ends = episodes.group_by("council").agg(
        pl.col("data_end").max(), pl.col("decom").max().alias("last")
    )
    ends = ends.with_columns(pl.coalesce("data_end", "last").alias("end"))
    start = start or ends.get_column("end").min()
    councils = sorted(ends.get_column("council").to_list())
    seeds = (
        np.random.SeedSequence(seed).generate_state(len(councils)).tolist()
        if seed is not None
        else [None] * len(councils)
    )
    sim_options = {
        "horizon_years": horizon_years,
        "n_sims": n_sims,
        "parameter_uncertainty": parameter_uncertainty,
    }
    model_options = {"compiled": len(councils) > 1} | model_options
    with executor(workers=workers, scheduler=scheduler, units=len(councils)) as pool:
        if pool is not None and pool.local:
            for _ in range(
                pool.slots
            ):  # start the workers now: they import while the histories are read
                pool.executor.submit(_ready)
        histories, council_options, shock_assumptions = region_histories(
            episodes,
            councils,
            start,
            model_options,
            seed=seed,
            parameter_uncertainty=parameter_uncertainty,
        )
        # each council's population is read here: a worker on another machine cannot open the file
        jobs = [
            (
                c,
                histories[c],
                start,
                council_options | _population(population, c),
                sim_options | {"seed": s},
                seed,
            )
            for c, s in zip(councils, seeds, strict=True)
        ]
        combined, kept, assumptions = _run(jobs, pool, keep_councils, progress)
    if len(councils) > 1:
        combined.assumptions_ = {
            "councils": assumptions,
            "seed": seed,
            "regional_entry_shock": shock_assumptions,
        }
    space = DemandModel(
        **{k: v for k, v in model_options.items() if k in ("by_duration", "categories")}
    ).space
    return RegionForecast(combined, space, kept, assumptions)


def _run(
    jobs: list[tuple],
    pool: Pool | None,
    keep_councils: bool,
    progress: Callable[[str], None] | None,
) -> tuple[ForecastResult, dict[str, ForecastResult], dict[str, dict[str, Any]]]:
    """Fit and simulate the councils (on ``pool`` when given) and sum them as they come back."""
    combined: ForecastResult | None = None
    kept: dict[str, ForecastResult] = {}
    assumptions: dict[str, dict[str, Any]] = {}

    def absorb(council: str, result: ForecastResult, caught: Caught) -> None:
        nonlocal combined
        raise_again(caught, 4)
        assumptions[council] = result.assumptions_
        if (
            keep_councils
        ):  # per council at the monthly resolution its tables need (see ForecastResult.monthly)
            kept[council] = result if len(jobs) == 1 else result.monthly()
        combined = (
            result
            if combined is None
            else ForecastResult.combine([combined, result], name="all councils")
        )
        if progress:
            progress(council)

    if pool is not None and len(jobs) > 1:
        if keep_councils:
            for council, result, caught in pool.executor.map(_one, jobs):
                absorb(council, result, caught)
        else:  # sum inside the workers; far less to send back
            for part_assumptions, part, caught in pool.executor.map(
                _group, balanced(jobs, pool.slots)
            ):
                raise_again(caught, 3)
                assumptions.update(part_assumptions)
                combined = (
                    part
                    if combined is None
                    else ForecastResult.combine([combined, part], name="all councils")
                )
                if progress:
                    for council in part_assumptions:
                        progress(council)
    else:
        for job in jobs:
            absorb(*_one(job))
    assert combined is not None
    return combined, kept, assumptions
