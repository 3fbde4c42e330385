"""Costs by financial year: what the council's placements cost, from its own episodes priced at
the cited unit costs (``carecast.costs.actual_costs``). Forecast cost is on the Forecast page."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
from fastapi import APIRouter, Request

from carecast.outputs import Report, Section, run_metadata
from carecast.schema import load_categories
from carecast.web.access import Principal
from carecast.web.datastore import CouncilData, load_council
from carecast.web.deps import CurrentUser, DbDep, SettingsDep
from carecast.web.templating import capability_ready, render

router = APIRouter(tags=["costs"])
_CACHE: dict[str, Report] = {}


def cost_report(data: CouncilData) -> Report:
    """Historic cost by financial year and cost group, cached by the data set's hash."""
    if data.content_hash in _CACHE:
        return _CACHE[data.content_hash]
    from carecast.costs import actual_costs, default_unit_costs

    unit_costs = default_unit_costs()
    actual = actual_costs(data.episodes, unit_costs)
    by_fy = actual.by_financial_year.drop("fy", strict=False)
    groups = load_categories().cost_groups
    by_group = actual.by_financial_year_cost_group.drop("fy", strict=False)
    if "cost_group" in by_group.columns:
        by_group = by_group.with_columns(pl.col("cost_group").replace_strict(groups, default=pl.col("cost_group")))
    fy_col = by_fy.columns[0]
    fig = go.Figure(go.Bar(x=by_fy[fy_col].to_list(), y=by_fy["cost"].to_list(), marker={"color": "#1d70b8"},
                           hovertemplate="%{x}: £%{y:,.0f}<extra></extra>"))
    fig.update_layout(title="Placement cost by financial year", template="simple_white", height=340,
                      yaxis={"title": "£", "tickformat": ",.0f"}, margin={"l": 80, "r": 20, "t": 50, "b": 40})
    weekly = pl.DataFrame([{"Cost group": groups.get(g, g), "Weekly cost (£)": max(v.values()) if v else None,
                            "From": max(v) if v else None}
                           for g, v in unit_costs.as_dict()["weekly_cost"].items()])
    report = Report(
        title=f"{data.council}: placement cost by financial year",
        metadata=run_metadata(command="web costs", parameters={"unit_costs": unit_costs.source},
                              coverage={"councils": [data.council], "dataset": data.content_hash}),
        sections=[
            Section("Cost by financial year",
                    text="Days in each placement × the weekly unit cost of its cost group ÷ 7, split at 1 April. "
                    "Open placements are costed to the end of the data.",
                    tables={"by_financial_year": by_fy, "by_cost_group": by_group}, figures=[fig],
                    notes=[f"Left out: {r['episodes']:,} episode(s), {r['reason']}"
                           for r in actual.excluded.iter_rows(named=True)]),
            Section("Unit costs used", text=f"Latest weekly unit cost of each cost group, from {unit_costs.source}.",
                    tables={"unit_costs": weekly}),
        ],
        primary_table="by_financial_year",
    )
    _CACHE[data.content_hash] = report
    return report


def costs_for(db, settings, user: Principal) -> Report:
    user.require(user.may_run, "see council costs")
    return cost_report(load_council(db, settings.data_dir, user.council))


@router.get("/costs")
def costs_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser):
    if not capability_ready("carecast.costs", "actual_costs"):
        return render(request, "unavailable.html", {"feature": "Costs by financial year"})
    return render(request, "costs.html", {"report": costs_for(db, settings, user), "council": user.council})


@router.get("/api/costs")
def costs_api(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    report = costs_for(db, settings, user)
    return {"council": user.council,
            "by_financial_year": report.sections[0].tables["by_financial_year"].to_dicts()}
