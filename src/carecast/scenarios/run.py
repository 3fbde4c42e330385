"""Run scenarios side by side on a council's data with common random numbers, and cost them.

Each council's demand model is fitted once; every scenario is then simulated from the same fit
with the same seed, so the differences between scenarios come from the levers, not from a fresh
draw of the noise (as far as the engine allows: the entrants, their ages and first placements and
the hazard draws are identical; children's individual paths diverge once a lever changes who is in
care). Savings are taken simulation by simulation — baseline cost of simulation *k* minus the
scenario's cost of simulation *k* — so the band of a saving is the band of the difference, not a
difference of bands.

The cost of the levers themselves (edge-of-care support) is the baseline entries of the bands a
lever affects × the lever's ramped share × children supported per baseline entry × cost per child,
per simulation and financial year; the **net** saving is the gross placement saving minus it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from carecast.costs import (
    CostProjection,
    UnitCosts,
    default_unit_costs,
    derive_cost_mix,
    project_costs,
)
from carecast.costs.mix import CostMix
from carecast.costs.unit_costs import DatedValue
from carecast.errors import InsufficientDataError, ParameterError
from carecast.execution import Caught, executor, raise_again, recorded_warnings
from carecast.forecast import DemandModel, ForecastResult
from carecast.forecast.region import balanced, region_histories
from carecast.forecast.result import band_table
from carecast.scenarios.effects import ScenarioEffects, scenario_effects
from carecast.scenarios.levers import UnitCosts as UnitCostLever
from carecast.scenarios.model import Scenario
from carecast.schema import financial_year_label
from carecast.schema.years import financial_year_of

Progress = Callable[[str, str], None]  # (scenario, council) after each simulation


@dataclass
class ScenarioRun:
    """One scenario's simulations (all councils summed) and their costs."""

    scenario: Scenario
    result: ForecastResult
    costs: CostProjection
    unit_costs: UnitCosts
    lever_labels: list[str]
    sim_lever_cost_: (
        np.ndarray
    )  # (sims, financial years, entry levers): cost of the levers themselves

    @property
    def sim_placement_cost_(self) -> np.ndarray:
        """(sims, financial years) placement cost."""
        return self.costs.sim_by_financial_year_

    @property
    def sim_total_cost_(self) -> np.ndarray:
        """(sims, financial years) placement cost plus the levers' own cost."""
        return self.sim_placement_cost_ + self.sim_lever_cost_.sum(axis=2)

    @property
    def sim_entrants_(self) -> np.ndarray:
        """(sims, steps) children entering care."""
        return self.result.sim_entrants_.sum(axis=2)


@dataclass
class ScenarioComparison:
    """Scenarios run with the same seeds; the first is the baseline savings are measured against."""

    runs: list[ScenarioRun]
    start: dt.date
    horizon_years: float
    n_sims: int
    seed: int | None
    councils: list[str]
    assumptions: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> ScenarioRun:
        return self.runs[0]

    @property
    def financial_years(self) -> list[int]:
        return self.baseline.costs.financial_years_

    def children_by_category(self) -> pl.DataFrame:
        """Monthly children per scenario and category (and ``total``): mean and p5-p95 across simulations."""
        frames = []
        for run in self.runs:
            r = run.result
            sims = r.sim_month_states_.sum(axis=2).astype(np.float64)  # (S, M, C)
            sims = np.concatenate([sims, sims.sum(axis=2, keepdims=True)], axis=2)
            bands = band_table(sims)
            groups = [*r.categories, "total"]
            n_m = len(r.month_dates_)
            frames.append(
                pl.DataFrame(
                    {
                        "scenario": run.scenario.scenario,
                        "date": np.repeat(
                            np.asarray(r.month_dates_, dtype="datetime64[D]"), len(groups)
                        ),
                        "category": groups * n_m,
                        **{k: v.ravel() for k, v in bands.items()},
                    }
                ).with_columns(pl.col("date").cast(pl.Date))
            )
        return pl.concat(frames)

    def children_by_financial_year(self) -> pl.DataFrame:
        """Average children in care over each financial year, per scenario and category, with bands."""
        frames = []
        for run in self.runs:
            r = run.result
            fy = np.array([financial_year_of(d) for d in r.month_dates_])
            sims = r.sim_month_states_.sum(axis=2).astype(np.float64)
            sims = np.concatenate([sims, sims.sum(axis=2, keepdims=True)], axis=2)
            groups = [*r.categories, "total"]
            for y in np.unique(fy):
                bands = band_table(sims[:, fy == y].mean(axis=1))
                frames.append(
                    pl.DataFrame(
                        {
                            "scenario": run.scenario.scenario,
                            "financial_year": financial_year_label(int(y)),
                            "category": groups,
                            **bands,
                        }
                    )
                )
        return pl.concat(frames)

    def entrants_by_financial_year(self) -> pl.DataFrame:
        """Children entering care per scenario and financial year (bands), and those the levers prevented."""
        rows = []
        for run in self.runs:
            r = run.result
            fy = np.array([financial_year_of(d) for d in r.dates_])
            for y in np.unique(fy):
                entered = r.sim_entrants_[:, fy == y].sum(axis=(1, 2)).astype(float)
                prevented = r.sim_prevented_[:, fy == y].sum(axis=(1, 2)).astype(float)
                b = band_table(entered)
                rows.append(
                    {
                        "scenario": run.scenario.scenario,
                        "financial_year": financial_year_label(int(y)),
                        "entrants_mean": float(b["mean"]),
                        "entrants_p5": float(b["p5"]),
                        "entrants_p95": float(b["p95"]),
                        "prevented_mean": float(prevented.mean()),
                    }
                )
        return pl.DataFrame(rows)

    def cost_by_financial_year(self) -> pl.DataFrame:
        """Per scenario and financial year: placement cost, lever cost and total, mean and p5-p95."""
        frames = []
        labels = [financial_year_label(y) for y in self.financial_years]
        complete = self.baseline.costs.by_financial_year.get_column("is_complete").to_list()
        for run in self.runs:
            cols: dict[str, Any] = {
                "scenario": run.scenario.scenario,
                "financial_year": labels,
                "is_complete": complete,
            }
            for name, sims in (
                ("placement_cost", run.sim_placement_cost_),
                ("lever_cost", run.sim_lever_cost_.sum(axis=2)),
                ("total_cost", run.sim_total_cost_),
            ):
                for band, v in band_table(sims).items():
                    cols[f"{name}_{band}"] = v
            frames.append(pl.DataFrame(cols))
        return pl.concat(frames)

    def net_saving(self) -> pl.DataFrame:
        """Each scenario against the baseline, per financial year and over the whole horizon.

        ``gross`` = baseline placement cost − scenario placement cost; ``net`` = gross − the
        scenario's lever cost; bands are quantiles of the per-simulation differences, and
        ``p_net_saving`` is the share of simulations in which the scenario saves money.
        """
        base = self.baseline
        labels = [*(financial_year_label(y) for y in self.financial_years), "whole horizon"]
        frames = []
        for run in self.runs[1:]:
            gross = base.sim_placement_cost_ - run.sim_placement_cost_
            lever = run.sim_lever_cost_.sum(axis=2) - base.sim_lever_cost_.sum(axis=2)
            gross = np.concatenate([gross, gross.sum(axis=1, keepdims=True)], axis=1)
            lever = np.concatenate([lever, lever.sum(axis=1, keepdims=True)], axis=1)
            net = gross - lever
            cols: dict[str, Any] = {
                "scenario": run.scenario.scenario,
                "against": base.scenario.scenario,
                "financial_year": labels,
            }
            for name, sims in (("gross_saving", gross), ("lever_cost", lever), ("net_saving", net)):
                for band, v in band_table(sims).items():
                    if name == "net_saving" or band in ("mean", "p5", "p50", "p95"):
                        cols[f"{name}_{band}"] = v
            cols["p_net_saving"] = (net > 0).mean(axis=0)
            frames.append(pl.DataFrame(cols))
        if not frames:
            return pl.DataFrame()
        return pl.concat(frames)

    def levers(self) -> pl.DataFrame:
        """Every lever of every scenario, with its parameters and reference."""
        rows = []
        for run in self.runs:
            for lv in run.scenario.levers:
                params = lv.model_dump(
                    exclude={"lever", "name", "start", "ramp_months", "reference"},
                    exclude_none=True,
                )
                rows.append(
                    {
                        "scenario": run.scenario.scenario,
                        "lever": lv.label,
                        "type": lv.lever,
                        "start": lv.start,
                        "ramp_months": lv.ramp_months,
                        "parameters": ", ".join(f"{k}={v}" for k, v in params.items()),
                        "reference": lv.reference or "",
                    }
                )
        schema = {
            "scenario": pl.Utf8,
            "lever": pl.Utf8,
            "type": pl.Utf8,
            "start": pl.Date,
            "ramp_months": pl.Int64,
            "parameters": pl.Utf8,
            "reference": pl.Utf8,
        }
        return pl.DataFrame(rows, schema=schema)


def apply_unit_cost_levers(unit_costs: UnitCosts, scenario: Scenario) -> UnitCosts:
    """Unit costs with the scenario's ``unit_costs`` levers: each new weekly cost or inflation rate
    takes effect on the lever's start date (price changes are not ramped)."""
    weekly = dict(unit_costs.weekly)
    inflation = dict(unit_costs.inflation)
    changed = False
    for lever in scenario.levers:
        if not isinstance(lever, UnitCostLever):
            continue
        for table, values in ((weekly, lever.weekly), (inflation, lever.inflation)):
            for group, value in values.items():
                if group not in table:
                    raise ParameterError(
                        f"cost group '{group}' has no unit cost",
                        fix=f"use one of {unit_costs.groups}",
                    )
                kept = tuple(v for v in table[group] if v.effective < lever.start)
                later = tuple(v for v in table[group] if v.effective > lever.start)
                table[group] = (
                    *kept,
                    DatedValue(lever.start, float(value), note=f"scenario {scenario.scenario}"),
                    *later,
                )
                changed = True
    if not changed:
        return unit_costs
    return dataclasses.replace(
        unit_costs,
        weekly=weekly,
        inflation=inflation,
        source=f"{unit_costs.source} + scenario {scenario.scenario}",
    )


def lever_costs(
    result: ForecastResult, effects: ScenarioEffects | None, financial_years: list[int]
) -> np.ndarray:
    """(sims, financial years, entry levers): baseline entries in the lever's bands × its share × cost."""
    levers = effects.entry_levers if effects is not None else []
    n_sims = result.sim_entrants_.shape[0]
    out = np.zeros((n_sims, len(financial_years), len(levers)))
    if not levers:
        return out
    baseline_entries = result.sim_entrants_.astype(np.float64) + result.sim_prevented_  # (S, T, A)
    year_index = {y: i for i, y in enumerate(financial_years)}
    step_year = np.array([year_index[financial_year_of(d)] for d in result.dates_])
    to_year = np.zeros((len(result.dates_), len(financial_years)))
    to_year[np.arange(len(result.dates_)), step_year] = 1.0
    for j, lever in enumerate(levers):
        per_step = baseline_entries[:, :, list(lever.bands)].sum(axis=2) * lever.share[None, :]
        out[:, :, j] = (per_step @ to_year) * lever.cost_per_baseline_entry
    return out


def check_names(scenarios: list[Scenario]) -> None:
    """At least one scenario, each with its own name (results are labelled by name)."""
    if not scenarios:
        raise ParameterError(
            "no scenarios to run", fix="give at least a baseline scenario, e.g. 'baseline'"
        )
    names = [s.scenario for s in scenarios]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(
            f"two scenarios are called '{repeated[0]}'; results are labelled by name",
            fix="give each scenario file its own 'scenario:' name",
        )


def run_scenarios(
    episodes: pl.DataFrame,
    scenarios: list[Scenario],
    *,
    start: dt.date | None = None,
    horizon_years: float = 5,
    n_sims: int = 500,
    seed: int | None = None,
    unit_costs: UnitCosts | None = None,
    cost_mix: CostMix | None = None,
    parameter_uncertainty: bool = True,
    progress: Progress | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    **model_options: Any,
) -> ScenarioComparison:
    """Fit each council once, simulate every scenario with the same seeds, sum councils, cost.

    The first scenario is the baseline that savings are measured against (usually ``baseline``).
    ``model_options`` go to :class:`~carecast.forecast.DemandModel` (window_years, trend, ...).
    Councils run on ``workers`` local processes or the Dask cluster at ``scheduler`` (default:
    ``CARECAST_SCHEDULER``), each group of councils fitted once and summed per scenario where it
    ran (see :mod:`carecast.execution`); the numbers are the same wherever they run.
    """
    check_names(scenarios)
    if episodes.height == 0:
        raise InsufficientDataError(
            "there are no episodes to forecast from", fix="load SSDA903 returns first"
        )
    councils = sorted(episodes.get_column("council").unique().to_list())
    if start is None:
        ends = episodes.group_by("council").agg(
            pl.coalesce(pl.col("data_end").max(), pl.col("decom").max()).alias("e")
        )
        start = ends.get_column("e").min()
    seeds = (
        np.random.SeedSequence(seed).generate_state(len(councils)).tolist()
        if seed is not None
        else [int(s) for s in np.random.SeedSequence().generate_state(len(councils))]
    )
    # councils of a region share its entry shock, in every scenario alike
    histories, options, shock_assumptions = region_histories(
        episodes,
        councils,
        start,
        model_options,
        seed=seed,
        parameter_uncertainty=parameter_uncertainty,
    )
    with warnings.catch_warnings():  # its warnings come again from its own fit below
        warnings.simplefilter("ignore")
        first = DemandModel(**options).fit(
            histories[councils[0]], start=start
        )  # the dates and states of all
    dates = first.step_dates(horizon_years)
    end = dates[-1]
    for s in scenarios:
        s.check_against(start=start, end=end, source=f"scenario '{s.scenario}'")
    base_costs = unit_costs or default_unit_costs()
    mix = (
        cost_mix
        if cost_mix is not None
        else derive_cost_mix(episodes.filter(pl.col("cost_group").is_not_null()), end=start)
    )
    effects = [
        scenario_effects(
            scenario,
            np.asarray(dates, dtype="datetime64[D]"),
            list(first.space.categories),
            list(first.space.age_labels),
            float(first.step_days),
        )
        for scenario in scenarios
    ]
    sim_options = {
        "horizon_years": horizon_years,
        "n_sims": n_sims,
        "parameter_uncertainty": parameter_uncertainty,
    }
    jobs = [(c, histories[c], start, options, s) for c, s in zip(councils, seeds, strict=True)]
    council_assumptions: dict[str, dict[str, Any]] = {}
    totals: list[ForecastResult | None] = [None] * len(scenarios)
    with executor(workers=workers, scheduler=scheduler, units=len(councils)) as pool:
        groups = [[job] for job in jobs] if pool is None else balanced(jobs, pool.slots)
        parts = (map if pool is None else pool.executor.map)(
            _simulate_councils, groups, [effects] * len(groups), [sim_options] * len(groups)
        )
        for part_assumptions, part, caught in parts:
            raise_again(caught, 2)
            council_assumptions.update(part_assumptions)
            totals = [
                r if t is None else ForecastResult.combine([t, r], name="all councils")
                for t, r in zip(totals, part, strict=True)
            ]
            if progress:
                for council in part_assumptions:
                    for scenario in scenarios:
                        progress(scenario.scenario, council)
    runs = []
    for scenario, scenario_effect, result in zip(scenarios, effects, totals, strict=True):
        assert result is not None
        uc = apply_unit_cost_levers(base_costs, scenario)
        costs = project_costs(
            result.dates_, list(result.categories), result.sim_counts_, uc, category_cost_mix=mix
        )
        runs.append(
            ScenarioRun(
                scenario,
                result,
                costs,
                uc,
                [lv.label for lv in scenario_effect.entry_levers],
                lever_costs(result, scenario_effect, costs.financial_years_),
            )
        )
    assumptions = {
        "councils": {c: council_assumptions[c] for c in councils},
        "common_random_numbers": "every scenario (the baseline too) simulated from the same fit with the same "
        "per-council seeds, each child drawing its own random numbers",
        "lever_cost": "baseline entries in the lever's age bands × ramped share prevented × children supported "
        "per baseline entry × cost per child supported",
        "savings": "per-simulation differences against the first scenario; bands are quantiles of the differences",
        "unit_costs": base_costs.as_dict(),
    } | ({"regional_entry_shock": shock_assumptions} if shock_assumptions else {})
    return ScenarioComparison(runs, start, horizon_years, n_sims, seed, councils, assumptions)


def _simulate_councils(
    jobs: list[tuple], effects: list[ScenarioEffects], sim_options: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], list[ForecastResult], Caught]:
    """A unit of work: fit a group of councils once each, simulate every scenario with each council's
    seed, and sum the group per scenario, so one result per scenario travels back."""
    assumptions: dict[str, dict[str, Any]] = {}
    totals: list[ForecastResult | None] = [None] * len(effects)
    with recorded_warnings() as caught:
        for council, history, start, options, seed in jobs:
            model = DemandModel(**options).fit(history, start=start)
            assumptions[council] = model.assumptions()
            for i, scenario_effect in enumerate(effects):
                result = model.simulate(seed=seed, effects=scenario_effect, **sim_options)
                totals[i] = (
                    result
                    if totals[i] is None
                    else ForecastResult.combine([totals[i], result], name="all councils")
                )
    return assumptions, [t for t in totals if t is not None], caught


__all__ = [
    "ScenarioComparison",
    "ScenarioRun",
    "apply_unit_cost_levers",
    "lever_costs",
    "run_scenarios",
]
