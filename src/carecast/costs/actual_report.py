"""The historic placement cost report: cost by financial year and cost group, the cost mix, and
the unit costs used (``carecast costs actual`` and the web Costs page write this one report)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from carecast.costs.historic import ActualCosts
from carecast.costs.mix import CostMix, mix_frame
from carecast.costs.unit_costs import UnitCosts
from carecast.outputs import Report, Section
from carecast.outputs.periods import label_coverage
from carecast.schema.categories import PlacementCategories


def _cost_figure(by_fy: pl.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=by_fy["financial_year"].to_list(),
            y=by_fy["cost"].to_list(),
            marker={"color": "#1d70b8"},
            hovertemplate="%{x}: £%{y:,.0f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Placement cost by financial year",
        template="simple_white",
        height=340,
        yaxis={"title": "£", "tickformat": ",.0f"},
        margin={"l": 80, "r": 20, "t": 50, "b": 40},
    )
    return fig


def actual_cost_report(
    title: str,
    actual: ActualCosts,
    mix: CostMix,
    unit_costs: UnitCosts,
    categories: PlacementCategories,
    metadata: dict[str, Any],
) -> Report:
    groups = categories.cost_groups
    by_fy = label_coverage(actual.by_financial_year).drop("fy", strict=False)
    by_group = label_coverage(actual.by_financial_year_cost_group).drop("fy", strict=False)
    if "cost_group" in by_group.columns:
        by_group = by_group.with_columns(
            pl.col("cost_group").replace_strict(groups, default=pl.col("cost_group"))
        )
    weekly = pl.DataFrame(
        [
            {
                "Cost group": groups.get(g, g),
                "Weekly cost (£)": max(v.values()) if v else None,
                "From": max(v) if v else None,
            }
            for g, v in unit_costs.as_dict()["weekly_cost"].items()
        ]
    )
    return Report(
        title,
        metadata,
        [
            Section(
                "Cost by financial year",
                text="Days in each placement (start up to the day of leaving; open placements to the end of the "
                "data) × the weekly unit cost of its cost group ÷ 7, split at 1 April.",
                tables={"by_financial_year": by_fy, "by_cost_group": by_group},
                figures=[_cost_figure(by_fy)],
                notes=[
                    f"Left out: {r['episodes']:,} episode(s), {r['reason']}"
                    for r in actual.excluded.iter_rows(named=True)
                ]
                + [
                    "Years marked 'no' under 'Whole year covered' are only partly covered by the returns supplied "
                    "(episodes before the first return are only those still open then), so their cost is "
                    "undercounted."
                ],
            ),
            Section(
                "Cost mix",
                text="Share of each category's child-days in each cost group (last 3 years).",
                tables={"cost_mix": mix_frame(mix)},
            ),
            Section(
                "Unit costs used",
                text=f"Latest weekly unit cost of each cost group, from {unit_costs.source}.",
                tables={"unit_costs": weekly},
            ),
        ],
        primary_table="by_financial_year",
    )
