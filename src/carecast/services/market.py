"""The commissioning jobs: ``run_match`` (a ranked shortlist of homes for a referral) and
``run_riskpool`` (very-high-cost spend with and without a shared pool), for ``carecast match`` /
``riskpool`` and the web Directory page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from carecast.logs import job_logged
from carecast.market.matching import MatchResult, match
from carecast.market.referral import Referral
from carecast.market.reports import match_report, riskpool_report
from carecast.market.riskpool import (
    group_councils,
    load_pool_data,
    load_population,
    riskpool_defaults,
    simulate_pool,
)
from carecast.outputs import Report
from carecast.services.base import Progress, Request, quiet
from carecast.services.inputs import existing_file
from carecast.store import open_store

RISKPOOL_SEED = (
    20240401  # the pool's fixed default seed (a date, as the commissioning partners chose)
)


class MatchRequest(Request):
    """A referral (read and checked) against a directory file or folder, else the stored directory."""

    referral: Referral
    referral_file: Path | None = None
    directory: Path | None = None
    postcodes: Path | None = None
    weights: Path | None = None  # YAML overriding market/data/matching.yaml
    on: dt.date | None = None  # the date of the search (default: the referral's, else today)
    db: str | None = None


@dataclass(frozen=True)
class MatchRun:
    result: MatchResult
    report: Report


def match_directory(path: Path | None, postcodes: Path | None, db: str | None):
    """The directory of provision from a file or folder, else the store's (with ``postcodes`` to locate)."""
    from carecast.market.directory import load_directory
    from carecast.market.store import load_stored_directory
    from carecast.plumbing.geo import read_directory as load_postcodes

    if path is not None:
        return load_directory(path, postcodes=postcodes)
    directory = load_stored_directory(open_store(db))
    if postcodes is not None:
        directory.postcodes = load_postcodes(postcodes)
    return directory


def run_match(
    request: MatchRequest, *, directory: Any | None = None, command: str = "carecast match"
) -> MatchRun:
    """Hard filters first, then a transparent weighted score; ``directory`` is one already loaded."""
    with job_logged("match", weights="own file" if request.weights else "shipped"):
        existing_file(request.weights, "matching weights", "check the path, or leave out --weights")
        if directory is None:
            directory = match_directory(request.directory, request.postcodes, request.db)
        result = match(
            request.referral,
            directory,
            weights=str(request.weights) if request.weights else None,
            on=request.on,
        )
        inputs: list[str | Path] = [p for p in (request.referral_file,) if p]
        inputs += list(directory.sources) if request.directory else []
        inputs += [request.weights] if request.weights else []
        return MatchRun(result, match_report(result, command=command, inputs=inputs))


class RiskpoolRequest(Request):
    """Placements (or a forecast) of a group of councils, and how the pool shares the cost."""

    data: Path
    group: str | None = None
    councils: tuple[str, ...] | None = None
    rule: str = "mixed"  # population, use or mixed (checked by carecast.market.riskpool)
    cover: str = "whole"  # whole or excess
    threshold: float | None = Field(default=None, gt=0)  # None: riskpool.yaml's weekly threshold
    population: Path | None = None
    population_share: float | None = Field(default=None, ge=0, le=1)
    simulations: int | None = Field(default=None, ge=1, le=1_000_000)  # None: riskpool.yaml's
    seed: int = Field(default=RISKPOOL_SEED, ge=0, le=2**32 - 1)
    charge_councils_without_data: bool = False  # else a group council with no rows is refused


@dataclass(frozen=True)
class RiskpoolRun:
    result: Any  # carecast.market.riskpool's simulation (summary per council)
    report: Report


def run_riskpool(
    request: RiskpoolRequest, *, progress: Progress = quiet, command: str = "carecast riskpool"
) -> RiskpoolRun:
    """Each council's annual very-high-cost spend with and without a shared pool."""
    defaults = riskpool_defaults()
    threshold = float(
        defaults["weekly_threshold"] if request.threshold is None else request.threshold
    )
    sims = int(defaults["simulations"] if request.simulations is None else request.simulations)
    with job_logged(
        "riskpool", rule=request.rule, cover=request.cover, simulations=sims, seed=request.seed
    ):
        existing_file(request.population, "population", "check the path, or leave out --population")
        names = group_councils(request.group, list(request.councils) if request.councils else None)
        pdata = load_pool_data(
            request.data,
            names,
            threshold=threshold,
            charge_councils_without_data=request.charge_councils_without_data,
        )
        pop = load_population(request.population) if request.population else None
        progress(0.2, f"Simulating {sims:,} years")
        result = simulate_pool(
            pdata,
            rule=request.rule,
            cover=request.cover,
            threshold=threshold,
            population=pop,
            simulations=sims,
            seed=request.seed,
            population_share=request.population_share,
        )
        share = (
            request.population_share
            if request.population_share is not None
            else defaults["mixed_population_share"]
        )
        params = {
            "rule": request.rule,
            "cover": request.cover,
            "threshold_weekly": threshold,
            "simulations": sims,
            "group": request.group,
            "population_share": share,
            "seed": request.seed,
        }
        inputs = [request.data] + ([request.population] if request.population else [])
        return RiskpoolRun(
            result,
            riskpool_report(result, pdata, command=command, inputs=inputs, parameters=params),
        )
