"""Exits from care by reason: labels, what actually happened, and the backtest of simulated shares.

The simulation reports exits by the model's REC groups plus ageing out on the 18th birthday
(:attr:`ForecastResult.sim_exits_`). Allowances (special guardianship, adoption, child
arrangements) and care leavers start from these flows, so their shares are scored against what
happened after a past origin: :func:`exit_reason_backtest` forecasts from ``at`` with only what was
known then and sets each reason's simulated exits and share beside the actual ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from carecast.forecast.calendar import add_months
from carecast.forecast.prepare import EXIT_PREFIX, CareHistory
from carecast.forecast.result import ForecastResult

AGED_OUT = "aged_out"  # the exit on the 18th birthday, reported beside the hazard reasons

LABELS = {
    "returned_home": "Returned home",
    "adopted": "Adopted",
    "special_guardianship": "Special guardianship order",
    "child_arrangements": "Child arrangements order",
    "independent_living": "Independent living or adult care",
    "other": "Other reasons",
    AGED_OUT: "Reached 18 in care",
}


def label(reason: str) -> str:
    """What people read for an exit reason (a council's own group keeps its name, spaced)."""
    return LABELS.get(reason, reason.replace("_", " ").capitalize())


def actual_exits(histories: list[CareHistory], lo: dt.date, hi: dt.date) -> pl.DataFrame:
    """Children who left care in (lo, hi] by reason, summed over councils: ``reason``, ``exits``.

    A period ending before the 18th birthday counts under its REC group; a child still in care on
    the 18th birthday (whatever the episode's REC says) counts as reaching 18 in care, as the
    simulation does.
    """
    frames = []
    for h in histories:
        e = h.episodes
        hazard = e.filter(
            pl.col("event").str.starts_with(EXIT_PREFIX)
            & (pl.col("end") > lo)
            & (pl.col("end") <= hi)
            & (pl.col("end") < pl.col("bday18"))
        )
        frames.append(hazard.select(pl.col("event").str.strip_prefix(EXIT_PREFIX).alias("reason")))
        aged = e.filter(
            (pl.col("bday18") > lo)
            & (pl.col("bday18") <= hi)
            & (pl.col("decom") < pl.col("bday18"))
            & (pl.col("end").is_null() | (pl.col("end") >= pl.col("bday18")))
        )
        frames.append(
            aged.with_columns(pl.lit(AGED_OUT).alias("reason")).select("reason")
        )  # one row each
    return pl.concat(frames).group_by("reason").agg(pl.len().cast(pl.Int64).alias("exits"))


def simulated_exits(result: ForecastResult, until: dt.date) -> np.ndarray:
    """Exits per simulation and reason over the steps that end on or before ``until``: (sims, reasons)."""
    if result.sim_exits_ is None:
        raise ValueError(
            "this forecast carries no exits by reason (made before they were simulated)"
        )
    steps = sum(1 for d in result.dates_[1:] if d <= until)
    return result.sim_exits_[:, :steps].sum(axis=1)


def reason_table(
    result: ForecastResult, histories: list[CareHistory], at: dt.date, horizon_months: int
) -> pl.DataFrame:
    """Per reason over the horizon: actual exits and share beside the simulated mean and 90% band."""
    until = add_months(at, horizon_months)
    sims = simulated_exits(result, until).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = sims / sims.sum(axis=1, keepdims=True)
    actual = dict(actual_exits(histories, at, until).iter_rows())
    total = sum(actual.values())
    rows: list[dict[str, Any]] = []
    for i, reason in enumerate(result.exit_reasons):
        n = actual.get(reason, 0)
        lo, hi = np.quantile(sims[:, i], [0.05, 0.95])
        rows.append(
            {
                "reason": label(reason),
                "actual_exits": n,
                "actual_share": n / total if total else np.nan,
                "simulated_exits": float(sims[:, i].mean()),
                "simulated_p5": float(lo),
                "simulated_p95": float(hi),
                "simulated_share": float(np.nanmean(shares[:, i])),
                "inside_90_band": bool(lo <= n <= hi),
            }
        )
    return pl.DataFrame(rows)


def exit_reason_backtest(
    episodes: pl.DataFrame, at: dt.date, horizon_months: int = 12, **forecast_options: Any
) -> pl.DataFrame:
    """Forecast from ``at`` knowing only what was known then; score exits by reason over the horizon
    (the table each :class:`~carecast.forecast.backtest.OriginBacktest` carries)."""
    from carecast.forecast.backtest import backtest_origin

    table = backtest_origin(episodes, at, horizon_months, **forecast_options).exit_reasons
    if table is None:
        raise ValueError(
            "the backtest made no exit-reason table"
        )  # backtest_origin always makes one
    return table
