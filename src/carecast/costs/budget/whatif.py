"""The what-ifs budget reports make by hand, made repeatable.

* :func:`at_neighbours_rate`: "if our rate of children looked after per 10,000 were our statistical
  neighbours', at similar average cost" (Lewisham 2018: 71.8 vs 63.8 per 10,000 on 68,272 children
  → ~55 fewer children, about £3.4m).
* :func:`at_neighbours_mix`: the same children placed in the neighbours' mix of placement types.
* :func:`move_children`: N children moved from one cost group to another (residential → fostering,
  IFA → in-house): the saving per child per year and in total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from carecast.costs.unit_costs import UnitCosts
from carecast.errors import ParameterError
from carecast.plumbing.constants import WEEKS_PER_YEAR


@dataclass(frozen=True)
class NeighbourRate:
    own_rate: float
    neighbour_rate: float
    child_population: float
    children_now: float
    fewer_children: float
    annual_cost_per_child: float
    saving: float

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([self.__dict__])


def at_neighbours_rate(
    own_rate: float,
    neighbour_rate: float,
    child_population: float,
    *,
    placement_spend: float,
    children: float | None = None,
) -> NeighbourRate:
    """Fewer children at the neighbours' rate per 10,000, and the spend saved at today's average cost.

    ``placement_spend`` is this year's (forecast) placement spend; ``children`` today's children
    looked after (default: ``own_rate`` × population / 10,000). Average cost per child is
    ``placement_spend / children``.
    """
    for name, v in (
        ("own_rate", own_rate),
        ("neighbour_rate", neighbour_rate),
        ("child_population", child_population),
        ("placement_spend", placement_spend),
    ):
        if v < 0:
            raise ParameterError(
                f"{name} is negative ({v})", fix=f"give {name} as a positive number"
            )
    if child_population == 0:
        raise ParameterError(
            "child_population is 0", fix="give the number of children aged 0-17 in the area"
        )
    now = children if children is not None else own_rate * child_population / 10_000
    fewer = (own_rate - neighbour_rate) * child_population / 10_000
    per_child = placement_spend / now if now else 0.0
    return NeighbourRate(
        own_rate, neighbour_rate, child_population, now, fewer, per_child, fewer * per_child
    )


def _price(unit_costs: UnitCosts, group: str, on: dt.date) -> float:
    if group not in unit_costs.groups:
        raise ParameterError(f"unknown cost group '{group}'", fix=f"use one of {unit_costs.groups}")
    return unit_costs.weekly_cost(group, on)


def move_children(
    n: float,
    from_group: str,
    to_group: str,
    unit_costs: UnitCosts,
    *,
    on: dt.date,
    weekly_from: float | None = None,
    weekly_to: float | None = None,
) -> pl.DataFrame:
    """Saving from moving ``n`` children between cost groups for a year (365.25 ÷ 7 = 52.18 weeks, as costing counts)."""
    if n < 0:
        raise ParameterError(
            f"cannot move {n} children", fix="give a number of children of 0 or more"
        )
    wf = weekly_from if weekly_from is not None else _price(unit_costs, from_group, on)
    wt = weekly_to if weekly_to is not None else _price(unit_costs, to_group, on)
    per_child = (wf - wt) * WEEKS_PER_YEAR
    return pl.DataFrame(
        [
            {
                "children": n,
                "from_group": from_group,
                "to_group": to_group,
                "weekly_cost_from": wf,
                "weekly_cost_to": wt,
                "saving_per_child_per_year": per_child,
                "saving_per_year": n * per_child,
            }
        ]
    )


def at_neighbours_mix(
    children: dict[str, float],
    neighbour_shares: dict[str, float],
    unit_costs: UnitCosts,
    *,
    on: dt.date,
    weekly: dict[str, float] | None = None,
) -> pl.DataFrame:
    """Annual cost of today's children at today's mix vs at the neighbours' shares (same total).

    Groups missing from ``neighbour_shares`` keep their own share; the given shares are scaled so
    all shares add to 1. Returns one row per group plus a ``total`` row; ``share_from`` says, for
    each group, whether its share is the neighbours' or its own rescaled (and from what to what),
    because a single neighbour share silently moves every other group (:func:`rescaled_note`).
    """
    weekly = weekly or {}
    total = sum(children.values())
    if total <= 0:
        raise ParameterError(
            "no children to re-mix", fix="give the number of children in each cost group"
        )
    own = {g: n / total for g, n in children.items()}
    given = sum(neighbour_shares.values())
    if given > 1 + 1e-9 or any(v < 0 for v in neighbour_shares.values()):
        raise ParameterError(
            "neighbour shares must be 0-1 and add to at most 1", fix="give shares as fractions"
        )
    rest = [g for g in children if g not in neighbour_shares]
    rest_total = sum(own[g] for g in rest)
    shares = dict(neighbour_shares)
    for g in rest:
        shares[g] = own[g] / rest_total * (1 - given) if rest_total else 0.0
    rows = []
    for g in sorted(set(children) | set(shares)):
        w = weekly.get(g, _price(unit_costs, g, on))
        now, then = children.get(g, 0.0), shares.get(g, 0.0) * total
        source = (
            "neighbours' share"
            if g in neighbour_shares
            else f"own share {own.get(g, 0.0):.1%} rescaled to {shares.get(g, 0.0):.1%} so all shares add to 100%"
        )
        rows.append(
            {
                "cost_group": g,
                "children_now": now,
                "children_at_neighbours_mix": then,
                "share_from": source,
                "weekly_cost": w,
                "annual_cost_now": now * w * WEEKS_PER_YEAR,
                "annual_cost_at_mix": then * w * WEEKS_PER_YEAR,
            }
        )
    df = pl.DataFrame(rows)
    df = pl.concat(
        [
            df,
            df.select(
                pl.lit("total").alias("cost_group"),
                pl.col("children_now").sum(),
                pl.col("children_at_neighbours_mix").sum(),
                pl.lit("").alias("share_from"),
                pl.lit(None, dtype=pl.Float64).alias("weekly_cost"),
                pl.col("annual_cost_now").sum(),
                pl.col("annual_cost_at_mix").sum(),
            ),
        ]
    )
    return df.with_columns(
        (pl.col("annual_cost_now") - pl.col("annual_cost_at_mix")).alias("saving_per_year")
    )


def rescaled_note(df: pl.DataFrame) -> str | None:
    """What the what-if changed beyond the shares it was given, in a sentence (None when nothing)."""
    moved = df.filter(pl.col("share_from").str.starts_with("own share"))
    if not moved.height:
        return None
    parts = "; ".join(
        f"{r['cost_group']}: {r['share_from'].removeprefix('own share ').split(' so ')[0]}"
        for r in moved.iter_rows(named=True)
    )
    return (
        f"Only some neighbour shares were given, so the other groups' own shares were rescaled to fill the "
        f"rest ({parts}). Give every group's neighbour share to compare like with like."
    )
