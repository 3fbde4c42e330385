"""Forecast outturn per budget line, and its variance against budget.

For each line, in pounds of the council's (social care) share::

    forecast outturn = actual to date + commitments to 31 March
                       + expected cost of starters and leavers − planned management actions
    variance         = forecast outturn − budget          (positive = overspend)

Placement lines take actuals and commitments from the placements of their cost groups (the
general-ledger actual (and commitment), when given in the ledger file, replaces the
placement-level figure and the gap is shown as ``ledger_gap``); other lines from the ledger file. Starters and leavers come from the forecast
model's simulations when supplied (so the line and total bands are quantiles of per-simulation
sums) or else from a stated run-rate; see :func:`starters_leavers_from_forecast` and
:func:`starters_leavers_run_rate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from carecast.costs.budget.inputs import Actions, BudgetPlan, LedgerEntry
from carecast.costs.budget.placements import cost_placements
from carecast.costs.mix import CostMix
from carecast.costs.projection import as_days, project_costs
from carecast.costs.unit_costs import UnitCosts
from carecast.errors import InputError, ParameterError
from carecast.plumbing.episodes import in_care_on


@dataclass
class StartersLeavers:
    """Expected net cost of children starting and leaving after ``as_of``, per line.

    ``sims[line]`` is an array over simulations (length 1 for a deterministic run-rate).
    """

    sims: dict[str, np.ndarray]
    method: str

    def mean(self, line: str) -> float:
        return float(np.mean(self.sims.get(line, np.zeros(1))))


def starters_leavers_run_rate(
    episodes: pl.DataFrame,
    plan: BudgetPlan,
    unit_costs: UnitCosts,
    *,
    as_of: dt.date,
    weeks: int = 26,
) -> StartersLeavers:
    """Continue the last ``weeks`` weeks' net change in open placements to 31 March.

    If a line had ``r`` more children a week, the child count rises by ``r/7`` a day, so over the
    ``D`` days left the extra child-days are ``r/7 · D(D+1)/2``, priced at the line's unit costs.
    """
    fy_end = plan.bounds[1]
    days_left = max((fy_end - as_of).days, 0)
    then = as_of - dt.timedelta(weeks=weeks)
    eps = episodes
    if "is_short_break" in eps.columns:
        eps = eps.filter(~pl.col("is_short_break").fill_null(False))

    def open_on(day: dt.date) -> pl.DataFrame:
        return eps.filter(in_care_on(day)).group_by("cost_group").len()

    now, before = open_on(as_of), open_on(then)
    change = now.join(before, on="cost_group", how="full", coalesce=True, suffix="_then").fill_null(
        0
    )
    sims: dict[str, np.ndarray] = {}
    for row in change.iter_rows(named=True):
        line = plan.line_of_group().get(row["cost_group"])
        if line is None:
            continue
        rate = (row["len"] - row["len_then"]) / weeks
        weekly = unit_costs.weekly_cost(row["cost_group"], as_of)
        cost = rate / 7 * days_left * (days_left + 1) / 2 * weekly / 7
        sims[line] = sims.get(line, np.zeros(1)) + cost
    return StartersLeavers(
        sims,
        f"run-rate: net change in open placements over the {weeks} weeks to "
        f"{as_of.isoformat()} continued to {fy_end.isoformat()}, at unit cost",
    )


def starters_leavers_from_forecast(
    dates: Sequence[dt.date] | np.ndarray,
    categories: Sequence[str],
    sim_counts: np.ndarray,
    plan: BudgetPlan,
    costed: pl.DataFrame,
    unit_costs: UnitCosts,
    *,
    as_of: dt.date,
    category_cost_mix: CostMix | None = None,
) -> StartersLeavers:
    """Forecast cost from the day after ``as_of`` to 31 March, less current commitments, per line.

    ``costed`` is :func:`cost_placements` output (its ``commitment`` is what the children placed
    today cost if they stay as planned); the forecast's children include them plus entrants and
    minus leavers, so the difference is the net cost of starters and leavers, per simulation.
    """
    days = as_days(dates)
    fy_start, fy_end = plan.bounds
    keep = (days > np.datetime64(as_of, "D")) & (days <= np.datetime64(fy_end, "D"))
    if not keep.any():
        raise InputError(
            f"the forecast has no steps between {as_of} and {fy_end}",
            fix="run the forecast from the monitoring date (--start) to at least 31 March",
        )
    proj = project_costs(
        days[keep],
        categories,
        np.asarray(sim_counts)[:, keep, :],
        unit_costs,
        category_cost_mix=category_cost_mix,
    )
    col = proj.financial_years_.index(plan.financial_year)
    per_group = proj.sim_by_financial_year_cost_group_[:, col, :]  # (S, G)
    committed = costed.group_by("cost_group").agg(pl.col("commitment").sum())
    commit = dict(zip(committed["cost_group"], committed["commitment"], strict=True))
    sims = {}
    for ln in plan.lines:
        if not ln.is_placements:
            continue
        idx = [proj.cost_groups_.index(g) for g in ln.cost_groups]
        sims[ln.line] = per_group[:, idx].sum(axis=1) - sum(
            commit.get(g, 0.0) for g in ln.cost_groups
        )
    return StartersLeavers(
        sims,
        f"forecast model: {per_group.shape[0]} simulations to {fy_end.isoformat()}, "
        "net of current commitments",
    )


@dataclass
class LineForecast:
    """A non-placement line forecast by its capability: per-simulation cost from the day after the
    monitoring date to 31 March (length 1 when deterministic), and how it was made."""

    remaining: np.ndarray
    method: str


@dataclass
class Monitoring:
    """One month's budget monitoring: lines, checks, placements, actions and how they were made."""

    council: str
    financial_year: int
    as_of: dt.date
    lines: pl.DataFrame
    checks: pl.DataFrame
    placements: pl.DataFrame
    actions: pl.DataFrame
    line_sims: dict[str, np.ndarray] = field(default_factory=dict)
    assumptions: dict[str, Any] = field(default_factory=dict)

    @property
    def total_outturn(self) -> float:
        return float(self.lines["forecast_outturn"].sum())

    def total_band(self) -> tuple[float, float]:
        """p5 and p95 of the total outturn: quantiles of per-simulation sums over lines."""
        total = sum((np.asarray(v, dtype=float) for v in self.line_sims.values()), np.zeros(1))
        return float(np.percentile(total, 5)), float(np.percentile(total, 95))

    def __repr__(self) -> str:
        return (
            f"<Monitoring {self.council} {self.financial_year} at {self.as_of}: outturn £{self.total_outturn:,.0f} "
            f"vs budget £{self.lines['budget'].sum():,.0f}>"
        )


def monitor(
    plan: BudgetPlan,
    placements: pl.DataFrame,
    unit_costs: UnitCosts,
    *,
    as_of: dt.date,
    ledger: dict[str, LedgerEntry] | None = None,
    actions: Actions | None = None,
    starters_leavers: StartersLeavers | None = None,
    line_forecasts: dict[str, LineForecast] | None = None,
) -> Monitoring:
    """Forecast outturn and variance per budget line at ``as_of`` (see module docstring)."""
    fy_start, fy_end = plan.bounds
    if not fy_start <= as_of <= fy_end:
        raise ParameterError(
            f"monitoring date {as_of} is outside financial year {plan.financial_year}",
            fix=f"give a date between {fy_start} and {fy_end}, or the right financial_year",
        )
    ledger = ledger or {}
    actions = actions or Actions()
    starters_leavers = starters_leavers or StartersLeavers(
        {}, "none: no forecast or episode history given"
    )
    costed = cost_placements(placements, unit_costs, as_of=as_of, fy_start=fy_start, fy_end=fy_end)
    costed = costed.filter((pl.col("days_to_date") > 0) | (pl.col("days_committed") > 0))
    line_of = plan.line_of_group()
    unmapped = sorted(set(costed["cost_group"].unique().to_list()) - set(line_of))
    if unmapped:
        n = costed.filter(pl.col("cost_group").is_in(unmapped)).height
        raise ParameterError(
            f"{n} placement(s) in cost group(s) {unmapped} have no budget line",
            fix=f"add the cost group(s) to a line's cost_groups in {plan.source}",
        )
    line_forecasts = line_forecasts or {}
    unforecast = [ln.line for ln in plan.lines if ln.forecast and ln.line not in line_forecasts]
    if unforecast:
        raise ParameterError(
            f"budget line(s) {unforecast} are to be forecast but no forecast was made for them",
            fix="give the inputs their forecast needs (--establishment for staffing, --episodes for "
            "allowances and leaving care), or remove `forecast:` from the line",
        )
    no_spend = [
        ln.line
        for ln in plan.lines
        if not ln.is_placements and not ln.forecast and ln.line not in ledger
    ]
    if no_spend:
        raise ParameterError(
            f"budget line(s) {no_spend} have no spend mapped to them",
            fix="give them cost_groups in the budget file or a row in the ledger file "
            "(line, actual_to_date, committed_to_year_end)",
        )
    costed = costed.with_columns(
        pl.col("cost_group").replace_strict(line_of, default=None).alias("line")
    )
    actions_frame = actions.frame(as_of, fy_end)
    rows, line_sims = [], {}
    by_line = costed.group_by("line").agg(
        (pl.col("actual_to_date") * pl.col("share_social_care")).sum().alias("actual"),
        (pl.col("commitment") * pl.col("share_social_care")).sum().alias("commitment"),
        (pl.col("full_year_cost") * pl.col("share_health")).sum().alias("health"),
        (pl.col("full_year_cost") * pl.col("share_education")).sum().alias("education"),
        pl.len().alias("placements"),
    )
    agg = {r["line"]: r for r in by_line.iter_rows(named=True)}
    for ln in plan.lines:
        a = agg.get(
            ln.line,
            {"actual": 0.0, "commitment": 0.0, "health": 0.0, "education": 0.0, "placements": 0},
        )
        entry = ledger.get(ln.line)
        placement_actual = a["actual"]
        actual = entry.actual_to_date if entry is not None else placement_actual
        forecast = line_forecasts.get(ln.line) if ln.forecast else None
        if forecast is not None:
            remaining = np.asarray(forecast.remaining, dtype=float)
            # without a ledger actual, spend to date is taken at the forecast's own daily rate
            actual = (
                entry.actual_to_date
                if entry is not None
                else float(np.mean(remaining)) * _elapsed_share(fy_start, as_of, fy_end)
            )
            commitment = float(np.mean(remaining))
        elif ln.is_placements:
            commitment = (
                a["commitment"]
                if entry is None or entry.committed_to_year_end is None
                else entry.committed_to_year_end
            )
        else:
            commitment = (
                entry.committed_to_year_end
                if entry.committed_to_year_end is not None
                else _run_rate(entry.actual_to_date, fy_start, as_of, fy_end)
            )
        sl = np.asarray(starters_leavers.sims.get(ln.line, np.zeros(1)), dtype=float)
        saving = float(actions_frame.filter(pl.col("line") == ln.line)["in_year_saving"].sum())
        sims = actual + (remaining if forecast is not None else commitment) + sl - saving
        line_sims[ln.line] = sims
        outturn = float(np.mean(sims))
        rows.append(
            {
                "line": ln.line,
                "label": ln.label,
                "budget": ln.budget,
                "actual_to_date": actual,
                "commitments": commitment,
                "starters_leavers": float(np.mean(sl)),
                "actions_saving": saving,
                "forecast_outturn": outturn,
                "variance": outturn - ln.budget,
                "variance_pct": (outturn - ln.budget) / ln.budget if ln.budget else None,
                "outturn_p5": float(np.percentile(sims, 5)),
                "outturn_p95": float(np.percentile(sims, 95)),
                "placements": int(a["placements"]),
                "ledger_gap": (
                    (actual + commitment) - (placement_actual + a["commitment"])
                    if (entry is not None and ln.is_placements)
                    else 0.0
                ),
                "health_contribution": a["health"],
                "education_contribution": a["education"],
                "forecast_basis": (
                    forecast.method
                    if forecast is not None
                    else "placements and starters/leavers"
                    if ln.is_placements
                    else "ledger commitments"
                ),
            }
        )
    lines = pl.DataFrame(rows)
    checks = pl.concat(
        [plan.totals_check(), _components_check(lines), _ledger_checks(lines, plan, ledger)]
    )
    return Monitoring(
        council=plan.council,
        financial_year=plan.financial_year,
        as_of=as_of,
        lines=lines,
        checks=checks,
        placements=costed,
        actions=actions_frame,
        line_sims=line_sims,
        assumptions={
            "budget": plan.as_dict(),
            "starters_leavers": starters_leavers.method,
            "non_placement_lines": "ledger commitments, else actual to date continued at the same daily rate",
            "unit_costs": unit_costs.source,
            "as_of": as_of.isoformat(),
        },
    )


def _elapsed_share(fy_start: dt.date, as_of: dt.date, fy_end: dt.date) -> float:
    """Days elapsed ÷ days left: spend to date at the same daily rate as the rest of the year."""
    left = (fy_end - as_of).days
    return ((as_of - fy_start).days + 1) / left if left > 0 else 0.0


def _run_rate(actual: float, fy_start: dt.date, as_of: dt.date, fy_end: dt.date) -> float:
    elapsed = (as_of - fy_start).days + 1
    return actual / elapsed * (fy_end - as_of).days if elapsed > 0 else 0.0


def _components_check(lines: pl.DataFrame) -> pl.DataFrame:
    parts = (
        lines["actual_to_date"]
        + lines["commitments"]
        + lines["starters_leavers"]
        - lines["actions_saving"]
    ).sum()
    total = lines["forecast_outturn"].sum()
    diff = total - parts
    return pl.DataFrame(
        [
            {
                "check": "forecast outturn = actuals + commitments + starters/leavers − actions",
                "expected_gbp": parts,
                "found_gbp": total,
                "difference_gbp": diff,
                "ok": abs(diff) < 0.5,
                "note": "",
            }
        ]
    )


LEDGER_TOLERANCE = 0.01  # share of the line's outturn within which ledger and placement list agree


def _ledger_checks(
    lines: pl.DataFrame, plan: BudgetPlan, ledger: dict[str, LedgerEntry]
) -> pl.DataFrame:
    """For placement lines with ledger figures: do the ledger and the placement list agree?

    A ledger above the placement-level figure suggests over-commitments or placements missing from
    the list; below it, pressures not yet on the ledger (DOMAIN.md §5.3: reconcile with reasons).
    """
    rows = []
    placement_lines = {ln.line for ln in plan.lines if ln.is_placements}
    for r in lines.filter(
        pl.col("line").is_in([k for k in ledger if k in placement_lines])
    ).iter_rows(named=True):
        gap = r["ledger_gap"]
        ledger_total = r["actual_to_date"] + r["commitments"]
        ok = abs(gap) <= LEDGER_TOLERANCE * max(abs(r["forecast_outturn"]), 1.0)
        why = (
            "ledger above the placement list: over-commitments, or placements missing from the list"
            if gap > 0
            else "ledger below the placement list: pressures not yet on the ledger"
        )
        rows.append(
            {
                "check": f"ledger agrees with placements ({r['line']})",
                "expected_gbp": ledger_total - gap,
                "found_gbp": ledger_total,
                "difference_gbp": gap,
                "ok": ok,
                "note": "" if ok else f"{r['label']}: {why} (£{abs(gap):,.0f})",
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "check": pl.Utf8,
            "expected_gbp": pl.Float64,
            "found_gbp": pl.Float64,
            "difference_gbp": pl.Float64,
            "ok": pl.Boolean,
            "note": pl.Utf8,
        },
    )
