"""Forecasting several councils: one model per council, simulations summed council by council.

Councils are independent, so simulation k of the region is the sum of simulation k of each
council; bands of the sum are then honest (not sums of bands). Each council gets its own seed
from one ``SeedSequence``, so results do not depend on the order or the number of workers.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError
from carecast.forecast.entrants import load_population
from carecast.forecast.model import DemandModel
from carecast.forecast.result import ForecastResult
from carecast.forecast.states import StateSpace


@dataclass
class RegionForecast:
    combined: ForecastResult
    space: StateSpace
    results: dict[str, ForecastResult] = field(default_factory=dict)  # per council (when kept)
    assumptions: dict[str, dict[str, Any]] = field(default_factory=dict)  # per council


# The episode columns a council's fit reads (carecast.forecast.prepare.care_history, including the
# category rules' place/provider/legal status): only these are sliced and sent to workers, a third
# of a cleaned table's bytes. A column the fit starts to read must be added here (the tests comparing
# one and two workers fail otherwise).
MODEL_COLUMNS = ("council", "child_id", "decom", "dec", "rec", "category", "dob", "data_end", "collection_year",
                 "is_short_break", "is_uasc", "place", "place_provider", "ls")

Caught = list[tuple[type[Warning], str]]


def _one(args: tuple) -> tuple[str, ForecastResult, Caught]:
    """Fit and simulate one council; its warnings are returned, to be raised again by the caller
    (in a worker process the main process's warning filters do not apply)."""
    council, episodes, start, model_options, sim_options, population, user_seed = args
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if population is not None:
            model_options = model_options | {"population": load_population(population, council)}
        model = DemandModel(**model_options).fit(episodes, start=start)
        result = model.simulate(**sim_options)
    result.assumptions_ |= {"seed": user_seed, "council_seed": sim_options["seed"]}
    return council, result, [(w.category, str(w.message)) for w in caught]


def _group(jobs: list[tuple]) -> tuple[dict[str, dict[str, Any]], ForecastResult, Caught]:
    """Several councils in one worker, summed there: only one set of arrays travels back."""
    total: ForecastResult | None = None
    assumptions = {}
    caught: Caught = []
    for job in jobs:
        council, result, council_caught = _one(job)
        assumptions[council] = result.assumptions_
        caught += council_caught
        total = result if total is None else ForecastResult.combine([total, result], name="all councils")
    assert total is not None
    return assumptions, total, caught


def _raise_again(caught: Caught, depth: int) -> None:
    """Raise caught warnings again, attributed to the code ``depth`` calls up (the forecast's caller)."""
    for category, message in caught:
        warnings.warn(message, category, stacklevel=depth + 1)


def _balanced(jobs: list[tuple], workers: int) -> list[list[tuple]]:
    """Split councils into one group per worker with near-equal work (largest first, each to the
    least-loaded group). The region takes as long as its slowest worker, and councils differ tenfold
    in size, so a round-robin split left one worker with ~16% more children than the other.
    Work is estimated by episode rows, which grow with children in care and entrants alike."""
    groups: list[list[tuple]] = [[] for _ in range(workers)]
    loads = np.zeros(workers)
    for job in sorted(jobs, key=lambda job: job[1].height, reverse=True):
        i = int(np.argmin(loads))
        groups[i].append(job)
        loads[i] += job[1].height
    return [group for group in groups if group]


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _one_blas_thread_per_worker() -> Iterator[None]:
    """Workers started inside this block run BLAS on one thread.

    The workers already fill the cores; a BLAS thread pool in each of them only adds contention,
    and on a busy machine the many tiny ``expm`` solves of the expected path then cost ~0.5 s per
    council waiting for threads. Spawned workers read these variables when NumPy loads, so they are
    set while the pool starts and restored after.
    """
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def forecast_councils(episodes: pl.DataFrame, *, start: dt.date | None = None, horizon_years: float = 5,
                      n_sims: int = 1000, seed: int | None = None, parameter_uncertainty: bool = True,
                      population: str | Path | None = None, workers: int = 1, keep_councils: bool = True,
                      progress: Callable[[str], None] | None = None, **model_options: Any) -> RegionForecast:
    """Fit and simulate every council in ``episodes`` from a common ``start`` (default: the earliest data end)."""
    if episodes.height == 0:
        raise InsufficientDataError("there are no episodes to forecast from", fix="load SSDA903 returns first")
    ends = episodes.group_by("council").agg(pl.col("data_end").max(), pl.col("decom").max().alias("last"))
    ends = ends.with_columns(pl.coalesce("data_end", "last").alias("end"))
    start = start or ends.get_column("end").min()
    councils = sorted(ends.get_column("council").to_list())
    seeds = np.random.SeedSequence(seed).generate_state(len(councils)).tolist() if seed is not None else [None] * len(councils)
    sim_options = {"horizon_years": horizon_years, "n_sims": n_sims, "parameter_uncertainty": parameter_uncertainty}
    episodes = episodes.select([c for c in MODEL_COLUMNS if c in episodes.columns])
    jobs = [(c, episodes.filter(pl.col("council") == c), start, model_options, sim_options | {"seed": s},
             population, seed) for c, s in zip(councils, seeds, strict=True)]
    combined: ForecastResult | None = None
    kept: dict[str, ForecastResult] = {}
    assumptions: dict[str, dict[str, Any]] = {}

    def absorb(council: str, result: ForecastResult, caught: Caught) -> None:
        nonlocal combined
        _raise_again(caught, 3)
        assumptions[council] = result.assumptions_
        if keep_councils:
            kept[council] = result
        combined = result if combined is None else ForecastResult.combine([combined, result], name="all councils")
        if progress:
            progress(council)

    if workers > 1 and len(jobs) > 1:  # spawn, not fork: forking a process that has run Polars can deadlock
        with _one_blas_thread_per_worker(), ProcessPoolExecutor(max_workers=workers,
                                                                 mp_context=get_context("spawn")) as pool:
            if keep_councils:
                for council, result, caught in pool.map(_one, jobs):
                    absorb(council, result, caught)
            else:  # sum inside the workers; far less to send back
                for part_assumptions, part, caught in pool.map(_group, _balanced(jobs, workers)):
                    _raise_again(caught, 2)
                    assumptions.update(part_assumptions)
                    combined = part if combined is None else ForecastResult.combine([combined, part],
                                                                                    name="all councils")
                    if progress:
                        for council in part_assumptions:
                            progress(council)
    else:
        for job in jobs:
            absorb(*_one(job))
    assert combined is not None
    if len(councils) > 1:
        combined.assumptions_ = {"councils": assumptions, "seed": seed}
    space = DemandModel(**{k: v for k, v in model_options.items() if k in ("by_duration", "categories")}).space
    return RegionForecast(combined, space, kept, assumptions)
