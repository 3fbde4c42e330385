"""Projected placement cost by week, month, financial quarter and financial year, with bands.

Input is what a forecast produces (and what a test can write by hand): step dates, category ids
and ``sim_counts`` of shape (simulations, steps, categories) = children in each category at each
step. Each date starts a step that lasts until the next date (the last step lasts as long as the
one before it; a single date lasts 7 days). The children counted at a step are costed for every
day of it at that day's price, so a step that straddles 31 March / 1 April is split between the
two financial years at the new year's uprated price.

Bands are quantiles over simulations of each period's *total* (per-simulation sums), never sums
of per-category quantiles, so the band of a year's total is the band of the thing a budget pays.

Example (two IFA children for a year, ten identical simulations)::

    dates = [dt.date(2024, 4, 1) + dt.timedelta(weeks=k) for k in range(52)]
    proj = project_costs(dates, ["fostering_ifa"], np.full((10, 52, 1), 2.0))
    proj.by_financial_year   # 2 × 364 days × the 2024-25 IFA weekly price / 7
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from carecast.costs.mix import CostMix, default_cost_mix, mix_frame, mix_matrix
from carecast.costs.unit_costs import UnitCosts, default_unit_costs
from carecast.errors import InputError
from carecast.schema import financial_year_label
from carecast.schema.years import financial_year_array, financial_year_starts

QUANTILES = (5, 25, 50, 75, 95)
BAND_COLUMNS = ["cost_mean", *[f"cost_p{q}" for q in QUANTILES]]


@dataclass
class CostProjection:
    """Projected cost tables (each with mean and p5-p95 of per-simulation totals) and their inputs.

    ``sim_by_financial_year_`` (simulations × financial years) holds the per-simulation totals
    the bands were taken from, and ``sim_by_financial_year_cost_group_`` (simulations × years ×
    cost groups, groups in ``cost_groups_`` order) the same split by cost group, so callers
    (budget monitoring) can combine them exactly.
    """

    by_week: pl.DataFrame
    by_month: pl.DataFrame
    by_quarter: pl.DataFrame
    by_financial_year: pl.DataFrame
    by_financial_year_category: pl.DataFrame
    by_financial_year_cost_group: pl.DataFrame
    sim_by_financial_year_: np.ndarray
    sim_by_financial_year_cost_group_: np.ndarray
    financial_years_: list[int]
    cost_groups_: list[str]
    assumptions: dict[str, Any] = field(default_factory=dict)
    cost_mix: pl.DataFrame = field(default_factory=pl.DataFrame)

    def records(self, table: str = "by_financial_year") -> list[dict[str, Any]]:
        """A table as JSON records with band keys ``mean, p5, ... p95`` (the forecast JSON shape)."""
        df = getattr(self, table)
        return df.rename({c: c.removeprefix("cost_") for c in BAND_COLUMNS}).to_dicts()

    def __repr__(self) -> str:
        n_sims = self.sim_by_financial_year_.shape[0]
        return (
            f"<CostProjection {n_sims} simulations, {self.by_week.height} steps, "
            f"financial years {[financial_year_label(y) for y in self.financial_years_]}>"
        )


def as_days(dates: Sequence[dt.date] | np.ndarray) -> np.ndarray:
    """Dates (list of date, numpy datetime64 of any unit, Polars/Pandas series) as datetime64[D]."""
    arr = np.asarray(dates)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    try:
        return np.array([np.datetime64(d, "D") for d in list(dates)], dtype="datetime64[D]")
    except (TypeError, ValueError):
        raise InputError(
            "step dates are not dates", fix="pass a list of datetime.date or numpy datetime64"
        ) from None


def _period_keys(days: np.ndarray, freq: str) -> np.ndarray:
    """A non-decreasing integer key per day identifying its calendar period."""
    if freq == "month":
        return days.astype("datetime64[M]").astype(np.int64)
    fy = financial_year_array(days).astype(np.int64)
    if freq == "financial_year":
        return fy
    if freq == "quarter":
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        return fy * 4 + ((month - 4) % 12) // 3
    raise ValueError(freq)


def _validate(dates: np.ndarray, categories: list[str], counts: np.ndarray) -> None:
    if counts.ndim != 3:
        raise InputError(
            f"sim_counts has {counts.ndim} dimensions; expected 3 (simulations, steps, categories)",
            fix="pass an array shaped (n_sims, n_steps, n_categories); use counts[None] for one path",
        )
    n_sims, n_steps, n_cats = counts.shape
    if n_steps != len(dates):
        raise InputError(
            f"sim_counts has {n_steps} steps but {len(dates)} dates were given",
            fix="pass one date per step",
        )
    if n_cats != len(categories):
        raise InputError(
            f"sim_counts has {n_cats} categories but {len(categories)} category ids were given",
            fix="pass one category id per last-axis column",
        )
    if n_steps == 0 or n_sims == 0:
        raise InputError("sim_counts is empty", fix="pass at least one simulation and one step")
    if len(dates) > 1 and np.any(np.diff(dates).astype(int) <= 0):
        raise InputError(
            "step dates are not strictly increasing", fix="sort the dates and remove duplicates"
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise InputError(
            "sim_counts holds negative or missing numbers of children",
            fix="check the forecast output",
        )


def _step_lengths(dates: np.ndarray) -> np.ndarray:
    if len(dates) == 1:
        return np.array([7])
    gaps = np.diff(dates).astype(np.int64)
    return np.append(gaps, gaps[-1])


@dataclass(frozen=True)
class _Pieces:
    """Runs of days lying in one step and one period: the unit of cost allocation."""

    step: np.ndarray  # (K,) step index of each piece
    period: np.ndarray  # (K,) period key of each piece
    price: np.ndarray  # (K, G) sum over the piece's days of each group's daily price
    days: np.ndarray  # (K,) days in the piece


def _pieces(day_step: np.ndarray, keys: np.ndarray, price: np.ndarray) -> _Pieces:
    change = np.ones(len(keys), dtype=bool)
    change[1:] = (np.diff(keys) != 0) | (np.diff(day_step) != 0)
    starts = np.flatnonzero(change)
    return _Pieces(
        day_step[starts],
        keys[starts],
        np.add.reduceat(price, starts, axis=0),
        np.diff(np.append(starts, len(keys))),
    )


def _per_period(
    counts: np.ndarray, pieces: _Pieces, price: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cost per simulation, period and column: (S, P, N) from counts (S, T, N), and the period keys.

    Builds the step → period price matrix of each column (T × P) and multiplies, so memory stays
    O(S·P·N) rather than O(S·pieces·N).
    """
    starts = np.flatnonzero(np.r_[True, np.diff(pieces.period) != 0])
    period_idx = np.cumsum(np.r_[False, np.diff(pieces.period) != 0])
    n_steps, n_periods, n_cols = counts.shape[1], len(starts), counts.shape[2]
    weights = np.zeros((n_steps, n_periods, n_cols))
    np.add.at(weights, (pieces.step, period_idx), price)
    out = np.empty((counts.shape[0], n_periods, n_cols))
    for j in range(n_cols):
        out[:, :, j] = counts[:, :, j] @ weights[:, :, j]
    return out, pieces.period[starts]


def _bands(per_sim: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and quantiles over the simulation axis (axis 0)."""
    out = {"cost_mean": per_sim.mean(axis=0)}
    qs = np.percentile(per_sim, QUANTILES, axis=0)
    for q, v in zip(QUANTILES, qs, strict=True):
        out[f"cost_p{q}"] = v
    return out


def _key_frame(keys: np.ndarray, freq: str) -> dict[str, Any]:
    if freq == "month":
        start = keys.astype("datetime64[M]").astype("datetime64[D]")
        return {"month": start.astype(dt.date).tolist()}
    if freq == "quarter":
        fy, q = keys // 4, keys % 4
        first = financial_year_starts(fy).astype("datetime64[M]") + 3 * q
        return {
            "financial_year": [financial_year_label(int(y)) for y in fy],
            "quarter": (q + 1).astype(int).tolist(),
            "quarter_start": first.astype("datetime64[D]").astype(dt.date).tolist(),
        }
    return {
        "financial_year": [financial_year_label(int(y)) for y in keys],
        "fy": keys.astype(int).tolist(),
    }


def _period_length(keys: np.ndarray, freq: str) -> np.ndarray:
    if freq == "financial_year":
        starts, ends = financial_year_starts(keys), financial_year_starts(keys + 1)
    elif freq == "month":
        starts = keys.astype("datetime64[M]")
        return ((starts + 1).astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(int)
    else:
        fy, q = keys // 4, keys % 4
        first = financial_year_starts(fy).astype("datetime64[M]") + 3 * q
        starts, ends = first.astype("datetime64[D]"), (first + 3).astype("datetime64[D]")
    return (ends - starts).astype(int)


def project_costs(
    dates: Sequence[dt.date] | np.ndarray,
    categories: Sequence[str],
    sim_counts: np.ndarray,
    unit_costs: UnitCosts | None = None,
    *,
    category_cost_mix: CostMix | None = None,
) -> CostProjection:
    """Cost the children of each simulation and step; summarise by week, month, quarter, year.

    Parameters
    ----------
    dates : step start dates (list of ``datetime.date`` or numpy datetime64), strictly increasing.
    categories : placement category id of each column of ``sim_counts``.
    sim_counts : (n_sims, n_steps, n_categories) children in each category at each step.
    unit_costs : prices per cost group (default: the shipped cited defaults).
    category_cost_mix : {category: {cost_group: share}} (default: :func:`default_cost_mix`).

    Cost of simulation *s* in period *p* is
    ``sum over days d in p, categories c, groups g of counts[s, step(d), c] * mix[c, g] * weekly[g, d] / 7``.
    """
    days0 = as_days(dates)
    cats = list(categories)
    counts = np.asarray(sim_counts, dtype=float)
    _validate(days0, cats, counts)
    uc = unit_costs or default_unit_costs()
    mix_used = category_cost_mix if category_cost_mix is not None else default_cost_mix()
    groups = uc.groups
    mix = mix_matrix(cats, groups, mix_used)  # (C, G)
    lengths = _step_lengths(days0)
    day_step = np.repeat(np.arange(len(days0)), lengths)
    days = days0[0] + np.arange(lengths.sum())
    price = uc.daily_price(days0[0].astype(dt.date), len(days), groups)  # (D, G)
    counts_g = counts @ mix  # (S, T, G)

    # Weeks: 7-day blocks from the first step (one per step when steps are weekly).
    if np.all(lengths == 7):
        step_price = np.add.reduceat(price, np.r_[0, np.cumsum(lengths)[:-1]], axis=0)  # (T, G)
        week_sims, week_days = np.einsum("stg,tg->st", counts_g, step_price), lengths
    else:
        pieces = _pieces(day_step, (days - days0[0]).astype(np.int64) // 7, price)
        per_week, _ = _per_period(counts_g, pieces, pieces.price)
        week_sims = per_week.sum(axis=2)
        week_days = np.add.reduceat(
            pieces.days, np.flatnonzero(np.r_[True, np.diff(pieces.period) != 0])
        )
    week_start = days0[0] + 7 * np.arange(len(week_days))
    by_week = pl.DataFrame(
        {
            "week_start": week_start.astype(dt.date).tolist(),
            "days": week_days.tolist(),
            **_bands(week_sims),
        }
    )

    tables: dict[str, pl.DataFrame] = {}
    fy_detail: dict[str, Any] = {}
    for freq in ("month", "quarter", "financial_year"):
        pieces = _pieces(day_step, _period_keys(days, freq), price)
        per_group, keys = _per_period(counts_g, pieces, pieces.price)  # (S, P, G)
        covered = np.add.reduceat(
            pieces.days, np.flatnonzero(np.r_[True, np.diff(pieces.period) != 0])
        )
        totals = per_group.sum(axis=2)
        frame = {
            **_key_frame(keys, freq),
            "days_covered": covered.astype(int).tolist(),
            "days_in_period": _period_length(keys, freq).tolist(),
        }
        tables[freq] = pl.DataFrame({**frame, **_bands(totals)}).with_columns(
            (pl.col("days_covered") == pl.col("days_in_period")).alias("is_complete")
        )
        if freq == "financial_year":
            per_cat, _ = _per_period(counts, pieces, pieces.price @ mix.T)  # (S, P, C)
            fy_detail = {"keys": keys, "totals": totals, "per_group": per_group, "per_cat": per_cat}

    fy_labels = [financial_year_label(int(y)) for y in fy_detail["keys"]]
    by_fy_cat = _long_bands(fy_labels, cats, fy_detail["per_cat"], "category")
    by_fy_group = _long_bands(fy_labels, groups, fy_detail["per_group"], "cost_group")
    assumptions = {
        "unit_costs": uc.as_dict(),
        "cost_mix": "given"
        if category_cost_mix is not None
        else "default: equal shares of each category's cost groups",
        "simulations": int(counts.shape[0]),
        "steps": int(counts.shape[1]),
        "first_step": str(days0[0]),
        "last_step": str(days0[-1]),
        "bands": "quantiles over simulations of per-simulation period totals",
    }
    return CostProjection(
        by_week=by_week,
        by_month=tables["month"],
        by_quarter=tables["quarter"],
        by_financial_year=tables["financial_year"],
        by_financial_year_category=by_fy_cat,
        by_financial_year_cost_group=by_fy_group,
        sim_by_financial_year_=fy_detail["totals"],
        sim_by_financial_year_cost_group_=fy_detail["per_group"],
        financial_years_=[int(y) for y in fy_detail["keys"]],
        cost_groups_=list(groups),
        assumptions=assumptions,
        cost_mix=mix_frame(mix_used),
    )


def _long_bands(
    fy_labels: list[str], names: list[str], per: np.ndarray, name_col: str
) -> pl.DataFrame:
    """(S, P, N) per-simulation costs → long table financial_year × name with bands."""
    bands = _bands(per)  # each (P, N)
    n_p, n_n = per.shape[1], per.shape[2]
    return pl.DataFrame(
        {
            "financial_year": np.repeat(fy_labels, n_n).tolist(),
            name_col: names * n_p,
            **{k: v.reshape(-1) for k, v in bands.items()},
        }
    )
