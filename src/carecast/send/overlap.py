"""Children both looked after (or in need) and on an EHC plan, and what they cost both services.

Where a council's SSDA903 episodes and EHCP records are both loaded, the two are linked on the
council and the child id (the same pseudonymisation key must have been used for both). On a
given day it counts plans, looked-after children and children who are both, the shares each way
(Under pressure: ~25% of children in need had a plan, 12% of plans were children in need), and
the combined annual cost: the plan's annual cost (its own, else its setting's) plus the
placement's weekly unit cost × 52.18.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from carecast.costs.unit_costs import UnitCosts, default_unit_costs
from carecast.plumbing.constants import WEEKS_PER_YEAR
from carecast.plumbing.episodes import in_care_on
from carecast.send.params import AnnualCosts, default_annual_costs

FAR = dt.date(9999, 12, 31)


@dataclass
class Overlap:
    summary: pl.DataFrame  # per council: plans, looked_after, both, shares, combined cost
    children: (
        pl.DataFrame
    )  # one row per child in both: setting, need, category, annual costs (no id shown)


def plans_open_on(records: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    return records.filter(
        (pl.col("setting_start") <= on) & (pl.coalesce("setting_end", pl.lit(FAR)) > on)
    )


def overlap(
    records: pl.DataFrame,
    episodes: pl.DataFrame,
    on: dt.date,
    *,
    children_in_need: pl.DataFrame | None = None,
    costs: AnnualCosts | None = None,
    unit_costs: UnitCosts | None = None,
) -> Overlap:
    """Link plans open on ``on`` with children looked after on ``on`` (and, if given, children in need:
    a frame of council, child_id)."""
    costs = costs or default_annual_costs()
    uc = unit_costs or default_unit_costs()
    plans = (
        plans_open_on(records, on)
        .unique(["council", "child_id"], keep="last")
        .with_columns(
            pl.coalesce(
                "annual_cost",
                pl.col("setting").replace_strict(costs.per_setting, return_dtype=pl.Float64),
            ).alias("send_annual_cost")
        )
    )
    lac = (
        episodes.filter(in_care_on(on) & ~pl.col("is_short_break").fill_null(False))
        .unique(["council", "child_id"], keep="last")
        .select("council", "child_id", "category", "cost_group")
    )
    groups = [
        g for g in lac.get_column("cost_group").drop_nulls().unique().to_list() if g in uc.groups
    ]
    weekly = {g: uc.weekly_cost(g, on) for g in groups}
    lac = lac.with_columns(
        (
            pl.col("cost_group").replace_strict(weekly, default=None, return_dtype=pl.Float64)
            * WEEKS_PER_YEAR
        ).alias("csc_annual_cost")
    )
    both = plans.join(lac, on=["council", "child_id"], how="inner").with_columns(
        (pl.col("send_annual_cost") + pl.col("csc_annual_cost").fill_null(0)).alias(
            "combined_annual_cost"
        )
    )
    councils = sorted(
        set(plans.get_column("council").to_list()) | set(lac.get_column("council").to_list())
    )
    base = pl.DataFrame({"council": councils}, schema={"council": pl.Utf8})

    def count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by("council").agg(pl.len().cast(pl.Int64).alias(name))

    summary = (
        base.join(count(plans, "plans"), on="council", how="left")
        .join(count(lac, "looked_after"), on="council", how="left")
        .join(
            both.group_by("council").agg(
                pl.len().cast(pl.Int64).alias("looked_after_with_plan"),
                pl.col("send_annual_cost").sum().alias("send_cost_of_both"),
                pl.col("csc_annual_cost").sum().alias("csc_cost_of_both"),
                pl.col("combined_annual_cost").sum().alias("combined_cost_of_both"),
            ),
            on="council",
            how="left",
        )
        .with_columns(pl.exclude("council").fill_null(0))
    )
    if children_in_need is not None:
        cin = children_in_need.select("council", "child_id").unique()
        cin_both = plans.join(cin, on=["council", "child_id"], how="semi")
        summary = (
            summary.join(count(cin, "children_in_need"), on="council", how="left")
            .join(count(cin_both, "in_need_with_plan"), on="council", how="left")
            .with_columns(pl.col("children_in_need", "in_need_with_plan").fill_null(0))
            .with_columns(
                (pl.col("in_need_with_plan") / pl.col("children_in_need") * 100).alias(
                    "pct_in_need_with_plan"
                )
            )
        )
    summary = summary.with_columns(
        (pl.col("looked_after_with_plan") / pl.col("looked_after") * 100).alias(
            "pct_looked_after_with_plan"
        ),
        (pl.col("looked_after_with_plan") / pl.col("plans") * 100).alias("pct_plans_looked_after"),
        pl.lit(on).alias("date"),
    )
    children = both.select(
        "council",
        "setting",
        "primary_need",
        "category",
        "send_annual_cost",
        "csc_annual_cost",
        "combined_annual_cost",
    ).sort("council", "combined_annual_cost", descending=[False, True])
    return Overlap(summary, children)
