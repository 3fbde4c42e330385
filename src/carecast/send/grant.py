"""High-needs spending against the grant: plan costs by financial year with bands, the high-needs
block allocation, transfers in, and the in-year and cumulative deficit.

Plan costs use the cost machinery of :mod:`carecast.costs` unchanged: each setting is a cost
group whose weekly price is its annual cost ÷ 52.18 (so a plan open all year costs the annual
figure), uprated each 1 April; :func:`carecast.costs.projection.project_costs` integrates the
simulated plans over every day, and bands are quantiles of per-simulation financial-year totals.

    in-year deficit   = spend − allocation − transfers in          (positive = overspend)
    deficit % (report) = (spend − allocation) ÷ allocation          (Under pressure: 3% → 7%)
    cumulative deficit = opening deficit + Σ in-year deficits

The year the cumulative deficit reaches the user's threshold is given per simulation, so its
probability by year is reported, not a single guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from carecast.costs.projection import project_costs
from carecast.costs.unit_costs import DatedValue, UnitCosts
from carecast.errors import InsufficientDataError, Location, ParameterError
from carecast.plumbing.constants import WEEKS_PER_YEAR
from carecast.schema import financial_year_label
from carecast.send.params import AnnualCosts, send_params
from carecast.yamlfile import parse_yaml_document, validation_error

TRANSFER_SOURCES = ("schools_block", "early_years_block", "general_fund", "reserves")
QUANTILES = (5, 25, 50, 75, 95)


def pct_change(before: float, after: float) -> float:
    """Percentage change from ``before`` to ``after`` (41,000 → 54,000 EHCPs: +31.7%)."""
    return (after - before) / before * 100


def deficit_pct(spend: float, allocation: float) -> float:
    """In-year deficit as a percentage of the allocation: (spend − allocation) ÷ allocation."""
    return (spend - allocation) / allocation * 100


def average_cost_per_plan(spend: float, plans: float) -> float:
    return spend / plans


class Grant(BaseModel):
    """The high-needs block and what tops it up, by financial year (numbered by its start year)."""

    model_config = ConfigDict(extra="forbid")

    council: str | None = None
    reference: str | None = None
    allocation: dict[int, float] = Field(
        description="high-needs block allocation by financial year, GBP"
    )
    allocation_growth: float = Field(
        0.0, ge=-0.5, le=1.0, description="yearly growth after the last given year"
    )
    transfers_in: dict[str, dict[int, float]] = Field(
        default_factory=dict,
        description="by source: schools_block, early_years_block, general_fund, reserves",
    )
    other_spend: dict[int, float] = Field(
        default_factory=dict,
        description="high-needs spend not on plans (SEN support, services), GBP",
    )
    opening_cumulative_deficit: float = Field(
        0.0, description="deficit carried in at the first year (positive)"
    )
    threshold: float | None = Field(None, description="cumulative deficit to warn at, GBP")

    @field_validator("transfers_in")
    @classmethod
    def _known_sources(cls, value: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        unknown = [k for k in value if k not in TRANSFER_SOURCES]
        if unknown:
            raise ValueError(
                f"unknown transfer source(s) {unknown}; use {', '.join(TRANSFER_SOURCES)}"
            )
        return value

    @field_validator("allocation")
    @classmethod
    def _some_allocation(cls, value: dict[int, float]) -> dict[int, float]:
        if not value:
            raise ValueError("give the allocation for at least one year")
        return value

    def _extend(self, values: dict[int, float], years: list[int], growth: float) -> np.ndarray:
        if not values:
            return np.zeros(len(years))
        last = max(values)
        return np.asarray(
            [
                values.get(
                    y,
                    values[last] * (1 + growth) ** (y - last) if y > last else values[min(values)],
                )
                for y in years
            ],
            float,
        )

    def allocation_for(self, years: list[int]) -> np.ndarray:
        return self._extend(self.allocation, years, self.allocation_growth)

    def transfers_for(self, years: list[int]) -> dict[str, np.ndarray]:
        return {
            s: np.asarray([v.get(y, 0.0) for y in years], float)
            for s, v in self.transfers_in.items()
        }

    def other_for(self, years: list[int]) -> np.ndarray:
        return self._extend(self.other_spend, years, self.allocation_growth)


GRANT_FIX = (
    "financial years are start years (2025 = 2025-26), amounts in pounds; see "
    "carecast/send/data/examples/grant.yaml"
)


def parse_grant(text: str, source: str = "grant") -> Grant:
    """Validate grant YAML as a whole; a problem names the line, the field and the fix."""
    doc = parse_yaml_document(text, "the grant", source)
    if not isinstance(doc.data, dict):
        raise ParameterError(
            "the grant must be a mapping with at least 'allocation:'",
            where=Location(file=source),
            fix="start from carecast/send/data/examples/grant.yaml",
        )
    try:
        return Grant.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(exc, source=source, doc=doc, fix=GRANT_FIX, what="a grant") from None


def load_grant(path: str | Path) -> Grant:
    """Read and validate a grant YAML file (see ``send/data/examples/grant.yaml``)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(
            f"grant file {p} does not exist",
            where=Location(file=str(p)),
            fix="start from carecast/send/data/examples/grant.yaml",
        )
    return parse_grant(p.read_text("utf-8"), str(p))


def setting_unit_costs(costs: AnnualCosts, extra: dict[str, float] | None = None) -> UnitCosts:
    """The annual costs as the cost machinery's weekly prices (annual ÷ WEEKS_PER_YEAR), uprated yearly."""
    per = dict(costs.per_setting) | (extra or {})
    weekly = {s: (DatedValue(costs.price_base, v / WEEKS_PER_YEAR),) for s, v in per.items()}
    inflation = {s: (DatedValue(costs.price_base, costs.annual_inflation),) for s in per}
    return UnitCosts(weekly, inflation, costs.source)


def very_high_cost_premium(
    records: pl.DataFrame, on: dt.date, costs: AnnualCosts
) -> tuple[float, pl.DataFrame]:
    """Placements open on ``on`` above the very-high-cost threshold: their cost above their setting's default."""
    thr = send_params().very_high_cost
    vhc = records.filter(
        (pl.col("setting_start") <= on)
        & (pl.coalesce("setting_end", pl.date(9999, 1, 1)) > on)
        & (pl.col("annual_cost") > thr)
    )
    table = vhc.group_by("setting").agg(
        pl.len().alias("placements"),
        pl.col("annual_cost").sum().alias("annual_cost"),
        pl.col("annual_cost").max().alias("highest"),
    )
    table = table.with_columns(
        (
            pl.col("annual_cost")
            - pl.col("placements") * pl.col("setting").replace_strict(costs.per_setting)
        ).alias("above_default")
    ).sort("setting")
    return float(table.get_column("above_default").sum()) if table.height else 0.0, table


@dataclass
class HighNeedsPosition:
    """Spend, grant and deficits by financial year, with bands over simulations."""

    table: pl.DataFrame  # one row per complete financial year
    by_setting: pl.DataFrame  # plan cost bands by financial year and setting
    sim_cumulative_: np.ndarray  # (n_sims, n_years)
    years: list[int]
    threshold_year: (
        pl.DataFrame
    )  # probability the cumulative deficit has reached the threshold, by year
    assumptions: dict[str, Any] = field(default_factory=dict)


def _bands(sims: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    out = {f"{prefix}_mean": sims.mean(axis=0)}
    q = np.percentile(sims, QUANTILES, axis=0)
    for i, x in enumerate(QUANTILES):
        out[f"{prefix}_p{x}"] = q[i]
    return out


def high_needs_position(
    month_dates: list[dt.date],
    columns: tuple[str, ...],
    sim_counts: np.ndarray,
    grant: Grant,
    costs: AnnualCosts,
    *,
    extra_costs: dict[str, float] | None = None,
    very_high_cost_premium: float = 0.0,
) -> HighNeedsPosition:
    """Cost ``sim_counts`` (simulations × months × columns) and set the spend against ``grant``.

    ``extra_costs``: annual cost of lever columns (e.g. new local special places). The very-high-cost
    premium (their cost above the setting default) is added each year at its value at the start.
    """
    uc = setting_unit_costs(costs, extra_costs)
    proj = project_costs(
        month_dates, list(columns), sim_counts, uc, category_cost_mix={c: {c: 1.0} for c in columns}
    )
    complete = proj.by_financial_year.get_column("is_complete").to_numpy()
    years = [y for y, ok in zip(proj.financial_years_, complete, strict=True) if ok]
    if not years:
        raise InsufficientDataError(
            "the projection covers no complete financial year (1 April to 31 March)",
            where=Location(field="horizon_years"),
            fix="forecast at least 2 years ahead",
        )
    keep = np.flatnonzero(complete)
    plan_cost = proj.sim_by_financial_year_[:, keep] + very_high_cost_premium
    other = grant.other_for(years)
    spend = plan_cost + other[None, :]
    allocation = grant.allocation_for(years)
    transfers = grant.transfers_for(years)
    transfer_total = sum(transfers.values(), np.zeros(len(years)))
    in_year = spend - allocation[None, :] - transfer_total[None, :]
    cumulative = grant.opening_cumulative_deficit + np.cumsum(in_year, axis=1)
    labels = [financial_year_label(y) for y in years]
    table = pl.DataFrame(
        {
            "financial_year": labels,
            "fy": years,
            **_bands(plan_cost, "plan_cost"),
            "other_spend": other,
            **_bands(spend, "spend"),
            "allocation": allocation,
            **{f"transfer_{k}": v for k, v in transfers.items()},
            "transfers_in": transfer_total,
            **_bands(in_year, "in_year_deficit"),
            "deficit_pct_of_allocation_p50": np.median(
                (spend - allocation[None, :]) / allocation[None, :] * 100, axis=0
            ),
            **_bands(cumulative, "cumulative_deficit"),
        }
    )
    if grant.threshold is not None:
        reached = cumulative >= grant.threshold
        first = np.where(reached.any(axis=1), np.argmax(reached, axis=1), -1)
        prob = reached.mean(axis=0)
        threshold_year = pl.DataFrame(
            {
                "financial_year": labels,
                "threshold": grant.threshold,
                "probability_reached_by_year": prob,
                "probability_first_reached_in_year": [
                    float(np.mean(first == i)) for i in range(len(years))
                ],
            }
        )
    else:
        threshold_year = pl.DataFrame()
    cat = proj.by_financial_year_category.filter(pl.col("financial_year").is_in(labels)).rename(
        {"category": "setting"}
    )
    assumptions = {
        "annual_costs": costs.per_setting | (extra_costs or {}),
        "cost_source": costs.source,
        "price_base": costs.price_base.isoformat(),
        "annual_inflation": costs.annual_inflation,
        "very_high_cost_premium_per_year": very_high_cost_premium,
        "grant": grant.model_dump(),
        "years": "complete financial years of the projection only",
    }
    return HighNeedsPosition(table, cat, cumulative, years, threshold_year, assumptions)


def threshold_summary(position: HighNeedsPosition) -> str:
    """One sentence: when the cumulative deficit reaches the threshold (median simulation), and how likely."""
    t = position.threshold_year
    if t.is_empty():
        return "No deficit threshold was set."
    prob = t.get_column("probability_reached_by_year").to_numpy()
    labels = t.get_column("financial_year").to_list()
    thr = t.get_column("threshold")[0]
    if prob[-1] < 0.5:
        return (
            f"The cumulative deficit stays below £{thr:,.0f} in most simulations to {labels[-1]} "
            f"({prob[-1]:.0%} reach it)."
        )
    i = int(np.argmax(prob >= 0.5))
    return (
        f"The cumulative deficit reaches £{thr:,.0f} in {labels[i]} in the median simulation "
        f"({prob[i]:.0%} of simulations by then; {prob[-1]:.0%} by {labels[-1]})."
    )
