"""The SEND model: the children's-care demand engine run on the high-needs state space.

States are age (single years 0-25) × setting (mainstream, resourced, special, INMSS, FE college,
alternative provision, other), passed as ``DemandModel(space=send_space())``. Everything else is
the engine of :mod:`carecast.forecast` unchanged: hazards of moving between settings and of a plan ceasing are occurrences ÷ days at
risk with Gamma posteriors shrunk to the setting's rate; a plan's age changes exactly on birthdays
(single-year ages let moves cluster at the phase-transfer ages 4-5, 10-11, 15-16, 18-19); every
plan has ceased by the 26th birthday; new plans arrive as the engine's entrants (by default a
fitted log-linear trend, as plans have grown every year since 2014) with their age and first
setting drawn from the window's new plans; bands come from simulation.

An EHC plan is read as a "period of care": its setting spells are episodes, a change of setting
is a move, the plan ceasing is the one exit. :func:`send_history` builds the engine's
:class:`~carecast.forecast.prepare.CareHistory` from cleaned records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError, Location, ParameterError
from carecast.forecast import DemandModel, ForecastResult, Population
from carecast.forecast.ages import birthday_expr
from carecast.forecast.calendar import add_months
from carecast.forecast.model import history_counts
from carecast.forecast.prepare import CareHistory
from carecast.forecast.states import StateSpace
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.send.params import send_params

EXIT = "ceased"
NOT_PLANS = ("post19_pathway",)  # lever columns counted and costed, but not EHC plans


def send_space() -> StateSpace:
    """Single-year ages 0-25 × settings, no time-in-plan bands, one exit (the plan ceases)."""
    p = send_params()
    ages = tuple(range(p.leaving_age))
    return StateSpace(
        categories=p.settings,
        age_labels=tuple(str(a) for a in ages),
        age_lowers=ages,
        duration_labels=("any",),
        duration_lowers=(0,),
        exit_groups=(EXIT,),
        leaving_age=p.leaving_age,
    )


def send_history(records: pl.DataFrame, *, data_start: dt.date | None = None) -> CareHistory:
    """One council's cleaned EHCP records as the engine's event history.

    A setting spell ends in a move (the next spell of the same plan starts the day it ends, in
    another setting), in the plan ceasing (it ends and nothing follows), or is still open.
    ``bday18`` (the engine's name) holds the 26th birthday, when every plan has ceased.
    """
    councils = records.get_column("council").unique().to_list()
    if len(councils) != 1:
        raise ParameterError(
            f"the SEND model is fitted per council; got {len(councils)} councils",
            fix="filter the records to one council (--council NAME)",
        )
    if records.height == 0:
        raise InsufficientDataError(
            "there are no EHCP records to fit the model to", fix="load EHCP records first"
        )
    p = send_params()
    frame = records.sort("child_id", "setting_start").with_columns(
        pl.coalesce("setting_end", "plan_end").alias("end"),
        pl.col("setting_start").shift(-1).over("child_id").alias("_next_start"),
        pl.col("setting").shift(-1).over("child_id").alias("_next_setting"),
        birthday_expr("dob", p.leaving_age).alias("bday18"),
    )
    continues = (
        pl.col("_next_start").is_not_null()
        & pl.col("end").is_not_null()
        & (pl.col("_next_start") == pl.col("end"))
    )
    frame = frame.with_columns(
        pl.when(continues & (pl.col("_next_setting") != pl.col("setting")))
        .then(pl.col("_next_setting"))
        .when(continues | pl.col("end").is_null())
        .then(pl.lit(None, pl.Utf8))
        .otherwise(pl.lit(f"exit:{EXIT}"))
        .alias("event"),
        pl.col("plan_start").alias("period_start"),
    ).select(
        "child_id",
        pl.col("setting_start").alias("decom"),
        "end",
        "event",
        pl.col("setting").alias("category"),
        "dob",
        "period_start",
        pl.col("setting_start").alias("category_since"),
        "bday18",
    )
    start = data_start or records.get_column("setting_start").min()
    end = records.get_column("data_end").max()
    return CareHistory(str(councils[0]), frame, start, end, {})


AGE_GROUPS = {
    "0-4": range(0, 5),
    "5-10": range(5, 11),
    "11-15": range(11, 16),
    "16-19": range(16, 20),
    "20-25": range(20, 26),
}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def age_group_expr(age: pl.Expr) -> pl.Expr:
    """The age group (of :data:`AGE_GROUPS`) of a single-year age."""
    expr = pl.lit(None, pl.Utf8)
    for label, ages in AGE_GROUPS.items():
        expr = (
            pl.when(age.is_between(ages.start, ages.stop - 1)).then(pl.lit(label)).otherwise(expr)
        )
    return expr


def band_summary(
    dates: list[dt.date],
    states: np.ndarray,
    columns: tuple[str, ...],
    plans: np.ndarray,
    quantiles: tuple[float, ...] = QUANTILES,
) -> pl.DataFrame:
    """Bands over simulations of ``states`` (sims × dates × ages × columns): the total of ``plans`` (the plan
    columns of ``states``), each column, and each age group of ``plans``; one row per date and group."""
    parts = [("total", "total", plans.sum(axis=(2, 3)))]
    parts += [("setting", c, states[:, :, :, j].sum(axis=2)) for j, c in enumerate(columns)]
    parts += [
        ("age_group", g, plans[:, :, list(r), :].sum(axis=(2, 3))) for g, r in AGE_GROUPS.items()
    ]
    frames = []
    for breakdown, group, sims in parts:
        q = np.quantile(sims, quantiles, axis=0)
        frames.append(
            pl.DataFrame(
                {
                    "date": dates,
                    "breakdown": breakdown,
                    "group": group,
                    "mean": sims.mean(axis=0),
                    **{f"p{round(x * 100)}": q[i] for i, x in enumerate(quantiles)},
                }
            )
        )
    return pl.concat(frames)


@dataclass
class SendForecast:
    """A SEND projection: the engine's result plus the monthly plans by age and setting (levers applied).

    ``states_[s, m, a, c]``: plans in simulation s on ``month_dates[m]`` at age a in column c of
    ``columns`` (the settings, then any lever's own column such as new local special places).
    """

    council: str
    engine: ForecastResult
    columns: tuple[str, ...]
    month_dates: list[dt.date]
    states_: np.ndarray
    assumptions: dict[str, Any] = field(default_factory=dict)
    lever_notes: list[str] = field(default_factory=list)

    @property
    def n_sims(self) -> int:
        return int(self.states_.shape[0])

    def plan_columns(self) -> list[int]:
        return [j for j, c in enumerate(self.columns) if c not in NOT_PLANS]

    def totals(self) -> np.ndarray:
        """Plans per simulation and month: (n_sims, n_months)."""
        return self.states_[:, :, :, self.plan_columns()].sum(axis=(2, 3))

    def summary(self, quantiles: tuple[float, ...] = QUANTILES) -> pl.DataFrame:
        """Monthly bands of plans: total, by setting and by age group (0-4, 5-10, 11-15, 16-19, 20-25)."""
        plans = self.states_[:, :, :, self.plan_columns()]
        return band_summary(self.month_dates, self.states_, self.columns, plans, quantiles)


class SendModel:
    """Fit the engine to one council's EHCP records and project plans by age and setting.

    Parameters
    ----------
    window_years : reference window for rates, ending at the start (default 3).
    trend : new plans: "fitted" (log-linear, default), "flat" or "population" (needs ``population``,
        the 0-25 population by year; new plans are then a rate per 10,000 children).
    prior_days : shrinkage strength (default: the engine's).
    """

    def __init__(
        self,
        *,
        window_years: float = 3,
        step_days: int = 7,
        trend: str = "fitted",
        population: Population | None = None,
        prior_days: float | None = None,
    ):
        self.window_years, self.step_days, self.trend = window_years, step_days, trend
        self.population, self.prior_days = population, prior_days
        self.space = send_space()

    def fit(
        self,
        records: pl.DataFrame,
        *,
        start: dt.date | None = None,
        data_start: dt.date | None = None,
    ) -> SendModel:
        self.records = records
        self.history = send_history(records, data_start=data_start)
        engine = DemandModel(
            window_years=self.window_years,
            step_days=self.step_days,
            by_duration=False,
            trend=self.trend,
            population=self.population,
            prior_days=self.prior_days,
            space=self.space,
        )
        self.engine = engine.fit(self.history, start=start)
        return self

    @property
    def start(self) -> dt.date:
        return self.engine.start_

    def rates(self) -> pl.DataFrame:
        """Annual hazards per age and setting: moves to each other setting and ceasing (per plan-year)."""
        return self.engine.summary.rename({"category": "setting", "age_band": "age"}).drop(
            "time_in_care"
        )

    def move_rates_by_age(self) -> pl.DataFrame:
        """Per age: plan-years at risk, moves between settings and the move rate per plan-year (all settings)."""
        sp = self.space
        occ = self.engine.occurrences_.reshape(sp.n_age, sp.n_cat, -1)
        exp = self.engine.exposure_.reshape(sp.n_age, sp.n_cat).sum(axis=1) / DAYS_PER_YEAR
        moves = occ[:, :, : sp.n_cat].sum(axis=(1, 2))
        ceased = occ[:, :, sp.n_cat :].sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            return pl.DataFrame(
                {
                    "age": list(range(sp.n_age)),
                    "plan_years": exp,
                    "moves": moves.astype(np.int64),
                    "ceased": ceased.astype(np.int64),
                    "move_rate": np.where(exp > 0, moves / exp, np.nan),
                    "cease_rate": np.where(exp > 0, ceased / exp, np.nan),
                }
            )

    def new_plans_by_age(self, population_by_age: pl.DataFrame | None = None) -> pl.DataFrame:
        """New plans a year in the window by age at start; per 10,000 children when ``population_by_age``
        (columns age, population: the council's population at each age) is given."""
        ages = self.engine.entrant_age_days_ // DAYS_PER_YEAR
        years = (self.engine.window_[1] - self.engine.window_[0]).days / DAYS_PER_YEAR
        n = np.bincount(ages.astype(np.int64), minlength=self.space.n_age)[: self.space.n_age]
        out = pl.DataFrame(
            {
                "age": list(range(self.space.n_age)),
                "new_plans": n.astype(np.int64),
                "new_plans_per_year": n / years,
            }
        )
        if population_by_age is not None:
            out = out.join(
                population_by_age.select(pl.col("age").cast(pl.Int64), "population"),
                on="age",
                how="left",
            ).with_columns(
                (pl.col("new_plans_per_year") / pl.col("population") * 10_000).alias(
                    "per_10000_children"
                )
            )
        return out

    def simulate(
        self,
        *,
        horizon_years: float = 5,
        n_sims: int = 500,
        seed: int | None = None,
        scenario: Any = None,
        parameter_uncertainty: bool = True,
    ) -> SendForecast:
        """Bands of plans by month, age and setting; ``scenario`` (a :class:`~carecast.send.levers.SendScenario`)
        applies its levers."""
        from carecast.send.levers import apply_levers, send_effects

        effects = send_effects(
            scenario, self.engine.step_dates(horizon_years), self.space.n_age, self.space.n_cat
        )
        result = self.engine.simulate(
            horizon_years=horizon_years,
            n_sims=n_sims,
            seed=seed,
            parameter_uncertainty=parameter_uncertainty,
            effects=effects,
        )
        states = result.sim_month_states_.astype(np.float64)
        columns = self.space.categories
        notes: list[str] = []
        if scenario is not None and scenario.levers:
            states, columns, notes = apply_levers(states, columns, result.month_dates_, scenario)
        assumptions = result.assumptions_ | {
            "ageing": "exactly on each birthday; every plan has ceased by the 26th birthday (ages 0-25)",
            "states": {"ages": "single years 0-25", "settings": list(self.space.categories)},
            "exits": "a plan ceasing (any reason)",
            "exclusions": {},
            "scenario": scenario.scenario if scenario is not None else "baseline",
        }
        return SendForecast(
            self.history.council,
            result,
            tuple(columns),
            result.month_dates_,
            states,
            assumptions,
            notes,
        )


def as_known_at(records: pl.DataFrame, at: dt.date) -> pl.DataFrame:
    """The records as they stood on ``at``: later starts removed, later ends reopened, data ending at ``at``."""
    return records.filter(pl.col("setting_start") <= at).with_columns(
        pl.when(pl.col("setting_end") > at)
        .then(None)
        .otherwise(pl.col("setting_end"))
        .alias("setting_end"),
        pl.when(pl.col("plan_end") > at).then(None).otherwise(pl.col("plan_end")).alias("plan_end"),
        pl.lit(at, pl.Date).alias("data_end"),
    )


def _linear(
    origin: dt.date, points: list[tuple[dt.date, float]], targets: list[dt.date]
) -> np.ndarray:
    x = np.asarray([(d - origin).days for d, _ in points], float)
    y = np.asarray([c for _, c in points], float)
    slope, intercept = np.polyfit(x, y, 1) if len(points) > 1 else (0.0, y[-1])
    return intercept + slope * np.asarray([(d - origin).days for d in targets], float)


def send_backtest(
    records: pl.DataFrame,
    origins: list[dt.date],
    *,
    horizon_months: int = 12,
    n_sims: int = 200,
    seed: int = 0,
    data_start: dt.date | None = None,
    **model_options: Any,
) -> pl.DataFrame:
    """Forecast from each past ``origin`` with only what was known then, and score total plans against what
    happened, next to a linear trend through the counts on the same day of each earlier year and the last value.

    Returns one row per origin and method: MAPE over months 1..horizon, APE at the horizon, bias, and the
    share of actuals inside the p5-p95 band (model only).
    """
    full = send_history(records, data_start=data_start)
    space = send_space()
    rows = []
    for origin in origins:
        months = [add_months(origin, k) for k in range(horizon_months + 1)]
        if months[-1] > full.data_end:
            raise InsufficientDataError(
                f"the data ends {full.data_end:%d/%m/%Y}, before {horizon_months} months after the origin "
                f"{origin:%d/%m/%Y}",
                where=Location(field="origins"),
                fix="choose earlier origins",
            )
        actual = (
            history_counts(full, space, months)
            .group_by("date")
            .agg(pl.col("children").sum())
            .sort("date")
            .get_column("children")
            .to_numpy()
            .astype(float)
        )
        model = SendModel(**model_options).fit(
            as_known_at(records, origin), start=origin, data_start=data_start
        )
        fc = model.simulate(horizon_years=(horizon_months + 1) / 12, n_sims=n_sims, seed=seed)
        sims = fc.totals()[:, : horizon_months + 1]
        years_back = [add_months(origin, -12 * k) for k in range(0, 5)]
        years_back = [d for d in years_back if d >= full.data_start]
        annual = (
            history_counts(full, space, sorted(years_back))
            .group_by("date")
            .agg(pl.col("children").sum())
            .sort("date")
        )
        points = list(
            zip(
                annual.get_column("date").to_list(),
                annual.get_column("children").to_list(),
                strict=True,
            )
        )
        forecasts = {
            "model": sims.mean(axis=0),
            "naive_linear_trend": _linear(origin, points, months),
            "naive_last_value": np.full(len(months), actual[0]),
        }
        lo, hi = np.quantile(sims, [0.05, 0.95], axis=0)
        for method, f in forecasts.items():
            err = (f[1:] - actual[1:]) / np.where(actual[1:] == 0, np.nan, actual[1:])
            rows.append(
                {
                    "origin": origin,
                    "method": method,
                    "horizon_months": horizon_months,
                    "actual_at_horizon": float(actual[-1]),
                    "forecast_at_horizon": float(f[-1]),
                    "mape_pct": float(np.nanmean(np.abs(err))),
                    "ape_at_horizon_pct": float(abs(err[-1])),
                    "bias_pct": float(np.nanmean(err)),
                    "coverage_90": (
                        float(np.mean((actual[1:] >= lo[1:]) & (actual[1:] <= hi[1:])))
                        if method == "model"
                        else None
                    ),
                }
            )
    return pl.DataFrame(rows)
