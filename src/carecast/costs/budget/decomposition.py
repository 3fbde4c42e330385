"""Why placement spend changed between two years: the CCN/Newton decomposition.

Spend is children × average weekly cost × W weeks (DOMAIN.md §5.2 writes W = 52; carecast uses
365.25 ÷ 7 = 52.18, costing's own convention, see :mod:`carecast.plumbing.constants`; the
shares below do not depend on W). Writing children = child population × rate in care, and
weekly cost = price level × real cost per child-week, the change from year 0 to year 1 splits exactly (sequentially: cost per child first, at year-0 children;
then children, at year-1 cost) into::

    price inflation           N0 · c0 · (I1/I0 − 1) · W
    spend per child per week  N0 · (c1 − c0 · I1/I0) · W       placement mix + real unit cost
    child population          N0 · (P1/P0 − 1) · c1 · W
    more children             (N1 − N0 · P1/P0) · c1 · W       a higher rate in care

which add up to N1·c1·W − N0·c0·W. With children and weekly cost by cost group, "spend per
child per week" splits further into placement mix (shares moving between groups at year-0 real
prices) and unit cost (each group's real price change at year-1 shares). This ordering is the one
that reproduces the report's published split from its published children and weekly costs (the
volume/cost halves 46%/54%); the report does not publish its population or price series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from carecast.errors import Location, ParameterError
from carecast.plumbing.constants import WEEKS_PER_YEAR
from carecast.schema import financial_year_bounds
from carecast.schema.years import financial_year_label


@dataclass(frozen=True)
class SpendYear:
    """One year's inputs. ``by_group`` maps cost group → (children, weekly cost), optional."""

    label: str
    children: float
    weekly_cost: float
    child_population: float = 1.0
    price_index: float = 1.0
    by_group: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def spend(self) -> float:
        return self.children * self.weekly_cost * WEEKS_PER_YEAR


def decompose_spend_change(y0: SpendYear, y1: SpendYear) -> pl.DataFrame:
    """Components of the change in spend from ``y0`` to ``y1`` (driver, amount_gbp, share)."""
    n0, n1, c0, c1 = y0.children, y1.children, y0.weekly_cost, y1.weekly_cost
    infl = y1.price_index / y0.price_index
    pop = y1.child_population / y0.child_population
    w = WEEKS_PER_YEAR
    per_child = n0 * (c1 - c0 * infl) * w
    rows = [
        ("more children", (n1 - n0 * pop) * c1 * w),
        ("child population", n0 * (pop - 1) * c1 * w),
        ("price inflation", n0 * c0 * (infl - 1) * w),
    ]
    if y0.by_group and y1.by_group:
        mix, unit = _mix_and_unit(y0, y1, infl)
        rows += [("placement mix", n0 * mix * w), ("unit cost", n0 * unit * w)]
    else:
        rows.append(("spend per child per week (mix and unit cost)", per_child))
    total = y1.spend - y0.spend
    return pl.DataFrame(
        {
            "driver": [r[0] for r in rows],
            "amount_gbp": [r[1] for r in rows],
            "share": [r[1] / total if total else None for r in rows],
        }
    )


def _mix_and_unit(y0: SpendYear, y1: SpendYear, infl: float) -> tuple[float, float]:
    groups = sorted(set(y0.by_group) | set(y1.by_group))
    n0 = sum(v[0] for v in y0.by_group.values())
    n1 = sum(v[0] for v in y1.by_group.values())
    s0 = {g: y0.by_group.get(g, (0.0, 0.0))[0] / n0 for g in groups}
    s1 = {g: y1.by_group.get(g, (0.0, 0.0))[0] / n1 for g in groups}
    c0 = {g: y0.by_group.get(g, (0.0, 0.0))[1] for g in groups}
    c1 = {g: y1.by_group.get(g, (0.0, c0[g] * infl))[1] for g in groups}
    mix = sum((s1[g] - s0[g]) * c0[g] * infl for g in groups)
    unit = sum(s1[g] * (c1[g] - c0[g] * infl) for g in groups)
    return mix, unit


def implied_population_and_prices(
    y0: SpendYear, y1: SpendYear, population_share: float, inflation_share: float
) -> tuple[float, float]:
    """The population ratio P1/P0 and price ratio I1/I0 that give the stated shares.

    For checking a published decomposition whose population and price series are not given.
    """
    total = y1.spend - y0.spend
    pop = 1 + population_share * total / (y0.children * y1.weekly_cost * WEEKS_PER_YEAR)
    infl = 1 + inflation_share * total / (y0.children * y0.weekly_cost * WEEKS_PER_YEAR)
    return pop, infl


_YEAR_KEYS = {"label", "children", "weekly_cost", "child_population", "price_index", "by_group"}


def load_decomposition_inputs(path: str | Path) -> tuple[SpendYear, SpendYear, dict[str, Any]]:
    """Read ``from:`` and ``to:`` years (and optional ``reference``) from a YAML file."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ParameterError(
            f"decomposition inputs {p} do not exist", fix="check the path"
        ) from None
    if not isinstance(doc, dict) or not {"from", "to"} <= set(doc):
        raise ParameterError(
            "the decomposition file needs 'from:' and 'to:' years",
            where=Location(file=str(p)),
            fix="see carecast/costs/data/ccn_england_2015_2020.yaml for the shape",
        )
    years = []
    for key in ("from", "to"):
        y = doc[key]
        bad = set(y) - _YEAR_KEYS
        if bad:
            raise ParameterError(
                f"unknown key(s) {sorted(bad)}",
                where=Location(file=str(p), field=key),
                fix=f"allowed keys are {sorted(_YEAR_KEYS)}",
            )
        for need in ("children", "weekly_cost"):
            v = y.get(need)
            if isinstance(v, dict):
                v = v.get("value")
            if not isinstance(v, int | float) or v <= 0:
                raise ParameterError(
                    f"'{need}' must be a positive number",
                    where=Location(file=str(p), field=f"{key}.{need}"),
                    fix="give the count of children and the average weekly cost in pounds",
                )

        def val(name: str, default: float, y: dict = y) -> float:
            v = y.get(name, default)
            return float(v["value"] if isinstance(v, dict) else v)

        groups = {g: (float(v[0]), float(v[1])) for g, v in (y.get("by_group") or {}).items()}
        years.append(
            SpendYear(
                str(y.get("label", key)),
                val("children", 0),
                val("weekly_cost", 0),
                val("child_population", 1.0),
                val("price_index", 1.0),
                groups,
            )
        )
    return years[0], years[1], {k: v for k, v in doc.items() if k not in ("from", "to")}


def uprating_ratio(unit_costs: Any, by_fy_group: pl.DataFrame, fy_from: int, fy_to: int) -> float:
    """How much the unit costs' own uprating raised prices from ``fy_from`` to ``fy_to``: the weekly
    costs of 1 April of each year at ``fy_from``'s mix of child-days. Episodes costed with uprated
    unit costs carry this inflation; without it, it would be booked as "unit cost" (real change)."""
    mix = by_fy_group.filter(pl.col("fy") == fy_from).select("cost_group", "days")
    weights = {g: d for g, d in mix.iter_rows() if d > 0 and g in unit_costs.groups}
    if not weights:
        return 1.0
    start, end = financial_year_bounds(fy_from)[0], financial_year_bounds(fy_to)[0]
    then = sum(d * unit_costs.weekly_cost(g, start) for g, d in weights.items())
    now = sum(d * unit_costs.weekly_cost(g, end) for g, d in weights.items())
    return now / then if then > 0 else 1.0


def spend_years_from_actuals(
    by_fy_group: pl.DataFrame,
    fy_from: int,
    fy_to: int,
    *,
    population_ratio: float = 1.0,
    price_ratio: float = 1.0,
) -> tuple[SpendYear, SpendYear]:
    """Two :class:`SpendYear` from historic cost (``ActualCosts.by_financial_year_cost_group``).

    Children are average children in care over the year (child-days / days in year); weekly cost
    is cost per child-day × 7; by cost group likewise, so mix and unit cost are split.
    ``population_ratio`` (P1/P0) and ``price_ratio`` (I1/I0) are the user's own indices.
    """
    years = []
    for fy, pop, price in ((fy_from, 1.0, 1.0), (fy_to, population_ratio, price_ratio)):
        part = by_fy_group.filter(pl.col("fy") == fy)
        if part.height == 0 or part["days"].sum() == 0:
            raise ParameterError(
                f"no placement days in financial year {fy}",
                fix="choose years the data covers (see `carecast costs actual`)",
            )
        if "is_complete" in part.columns and not part["is_complete"].all():
            raise ParameterError(
                f"financial year {fy} is only partly covered by the returns, so its spend is undercounted",
                fix="choose years marked is_complete in `carecast costs actual`",
            )
        first, last = financial_year_bounds(fy)
        span = (last - first).days + 1
        groups = {
            r["cost_group"]: (r["days"] / span, r["cost"] / r["days"] * 7)
            for r in part.iter_rows(named=True)
            if r["days"] > 0
        }
        days, cost = part["days"].sum(), part["cost"].sum()
        label = financial_year_label(fy)
        years.append(SpendYear(label, days / span, cost / days * 7, pop, price, groups))
    return years[0], years[1]
