"""Demand against capacity: the gap per category and financial year, and the plan that closes it.

Demand is a monthly table of quantiles per category (``date, category, p50, p90, ...``: what the
forecast or a scenario gives). For each financial year the gap is taken at the *peak* month
(sufficiency has to cover the busiest month, not the average). Positive gap = shortfall.

The plan:
* foster households — the smallest extra number of approvals a year that keeps in-house foster
  places at or above demand in every month (closed form, because households grow linearly in
  approvals: H(t; x) = H(t; 0) + x·g(t));
* bed-based categories (homes, block contracts) — places to commission in each year;
* categories with no capacity of the council's own are met by the market (spot purchase), and
  the table says so — except family placements (kinship, placed with parents: ``data/plan.yaml``),
  which are not bought.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from carecast.errors import ParameterError
from carecast.parameters import shipped
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema.years import financial_year_expr, financial_year_label
from carecast.sufficiency.capacity import Capacity


@dataclass
class SufficiencyResult:
    monthly: pl.DataFrame  # date, category, demand quantiles, places, gap_<q>
    by_year: (
        pl.DataFrame
    )  # financial_year, category, peak demand per quantile, places, gap per quantile
    plan: pl.DataFrame  # action, category, quantile, amount, unit, from_year, reason
    quantiles: tuple[str, ...]


@cache
def family_categories() -> frozenset[str]:
    return frozenset(shipped("carecast.sufficiency", "plan.yaml").value("family_categories"))


def _growth_factor(capacity: Capacity, years: np.ndarray) -> np.ndarray:
    """g(t): households added by one extra approval a year, after t years."""
    fh = capacity.foster_households
    assert fh is not None
    if fh.deregistration_rate:
        r = fh.deregistration_rate
        return (1.0 - np.exp(-r * years)) / r
    return years


def sufficiency_gap(
    demand: pl.DataFrame, capacity: Capacity, *, quantiles: tuple[str, ...] = ("p50", "p90")
) -> SufficiencyResult:
    missing = {"date", "category", *quantiles} - set(demand.columns)
    if missing:
        raise ParameterError(
            f"demand table lacks column(s) {sorted(missing)}",
            fix="pass the forecast's by-category monthly table (date, category, p50, p90, ...)",
        )
    demand = demand.with_columns(pl.col("date").cast(pl.Date))
    dates = demand.get_column("date").unique().sort()
    places = (
        capacity.places(dates.to_numpy()).group_by("date", "category").agg(pl.col("places").sum())
    )
    monthly = (
        demand.select("date", "category", *quantiles)
        .join(places, on=["date", "category"], how="left")
        .with_columns(pl.col("places").fill_null(0.0))
        .with_columns([(pl.col(q) - pl.col("places")).alias(f"gap_{q}") for q in quantiles])
        .with_columns(financial_year_expr("date").alias("fy"))
        .sort("category", "date")
    )
    own = set(places.get_column("category").unique().to_list())
    by_year = (
        monthly.group_by("fy", "category")
        .agg(
            [pl.col(q).max() for q in quantiles]
            + [pl.col("places").min().alias("places")]
            + [pl.col(f"gap_{q}").max() for q in quantiles]
        )
        .sort("fy", "category")
        .with_columns(
            pl.col("fy")
            .map_elements(financial_year_label, return_dtype=pl.Utf8)
            .alias("financial_year"),
            pl.col("category").is_in(list(own)).alias("has_own_capacity"),
        )
        .drop("fy")
        .select(
            "financial_year",
            "category",
            "has_own_capacity",
            *quantiles,
            "places",
            *[f"gap_{q}" for q in quantiles],
        )
    )
    plan = _plan(monthly, capacity, quantiles, own)
    return SufficiencyResult(monthly.drop("fy"), by_year, plan, quantiles)


RECRUITMENT_LEAD_DAYS = 365
"""Approvals asked of the plan count from a year after the capacity date: assessing and approving a
foster household takes months, so a shortfall before then is met by the market, and dividing it by
the few households a month of extra approvals adds would ask for hundreds a year."""


def _foster_plan(
    m: pl.DataFrame,
    q: str,
    need: np.ndarray,
    have: np.ndarray,
    years: np.ndarray,
    capacity: Capacity,
) -> list[dict]:
    """The extra approvals a year that keep foster places at ``q`` demand from the lead time on, with
    the arithmetic of the month that needs the most, and what is left to the market before then."""
    fh = capacity.foster_households
    assert fh is not None
    g = _growth_factor(capacity, years)
    shortfall = need - have
    late = (years * 365.25 >= RECRUITMENT_LEAD_DAYS - 0.5) & (g > 1e-9)
    rows = []
    early = np.where(~late, shortfall, 0.0)
    if early.max(initial=0.0) > 0:
        k = int(np.argmax(early))
        rows.append(
            {
                "action": f"place up to {early[k] * fh.places_per_household:.0f} children in fostering "
                "through the market until new households are approved",
                "category": fh.category,
                "quantile": q,
                "amount": math.ceil(early[k] * fh.places_per_household),
                "unit": "children",
                "from_year": financial_year_label(int(m["fy"][k])),
                "reason": f"in the first {RECRUITMENT_LEAD_DAYS} days new approvals cannot add households in time",
            }
        )
    per_year = np.where(late, shortfall / np.where(late, g, 1.0), 0.0)
    extra = math.ceil(float(per_year.max(initial=0.0)) - 1e-6)
    if extra > 0:
        k = int(np.argmax(per_year))
        date = m.get_column("date")[k]
        rows.append(
            {
                "action": f"approve {extra} more fostering households a year",
                "category": fh.category,
                "quantile": q,
                "amount": extra,
                "unit": "households a year",
                "from_year": financial_year_label(int(m["fy"].min())),
                "reason": (
                    f"by {date:%d/%m/%Y} ({years[k]:.1f} years on) {q} demand of {need[k] * fh.places_per_household:.0f} "
                    f"children needs {need[k]:.0f} households ({fh.places_per_household:.2f} children each); "
                    f"{have[k]:.0f} are expected, {shortfall[k]:.0f} short; one more approval a year adds "
                    f"{g[k]:.2f} households by then, so {shortfall[k]:.1f} ÷ {g[k]:.2f} = {extra} a year"
                ),
            }
        )
    return rows


def _plan(
    monthly: pl.DataFrame, capacity: Capacity, quantiles: tuple[str, ...], own: set[str]
) -> pl.DataFrame:
    rows = []
    fh = capacity.foster_households
    for q in quantiles:
        if fh is not None:
            m = monthly.filter(pl.col("category") == fh.category).sort("date")
            if m.height:
                years = np.maximum(
                    (
                        m.get_column("date").to_numpy().astype("datetime64[D]")
                        - np.datetime64(capacity.as_at, "D")
                    ).astype(float)
                    / DAYS_PER_YEAR,
                    0.0,
                )
                need = m.get_column(q).to_numpy() / fh.places_per_household
                have = fh.households(years)
                rows += _foster_plan(m, q, need, have, years, capacity)
        beds = monthly.filter(
            pl.col("category").is_in(list(own - ({fh.category} if fh else set())))
        )
        if beds.height:
            yearly = (
                beds.group_by("category", "fy")
                .agg(pl.col(f"gap_{q}").max().alias("gap"))
                .sort("category", "fy")
            )
            for cat, grp in yearly.group_by("category", maintain_order=True):
                commissioned = 0
                for fy, gap in grp.select("fy", "gap").iter_rows():
                    need = math.ceil(max(gap, 0.0) - 1e-9) - commissioned
                    if need > 0:
                        rows.append(
                            {
                                "action": f"commission {need} more {cat[0].replace('_', ' ')} places in {financial_year_label(fy)}",
                                "category": cat[0],
                                "quantile": q,
                                "amount": need,
                                "unit": "places",
                                "from_year": financial_year_label(fy),
                                "reason": f"peak {q} demand exceeds places by {gap:.1f}",
                            }
                        )
                        commissioned += need
        for cat in sorted(
            set(monthly.get_column("category").unique().to_list()) - own - family_categories()
        ):
            peak = monthly.filter(pl.col("category") == cat).get_column(q).max()
            if peak and peak > 0:
                rows.append(
                    {
                        "action": f"buy up to {math.ceil(peak)} {cat.replace('_', ' ')} placements from the market",
                        "category": cat,
                        "quantile": q,
                        "amount": math.ceil(peak),
                        "unit": "placements (spot)",
                        "from_year": "",
                        "reason": "no capacity of the council's own in this category",
                    }
                )
    schema = {
        "action": pl.Utf8,
        "category": pl.Utf8,
        "quantile": pl.Utf8,
        "amount": pl.Int64,
        "unit": pl.Utf8,
        "from_year": pl.Utf8,
        "reason": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)
