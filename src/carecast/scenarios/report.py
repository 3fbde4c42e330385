"""A scenario comparison as a :class:`carecast.outputs.Report`: side-by-side tables and charts.

Sheets: the net saving of each scenario against the baseline (with its band), cost by financial
year per scenario (placement, levers, total), children by financial year and month per category,
entrants, the levers with their references, and the assumptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from carecast.outputs import Report, Section, run_metadata
from carecast.outputs.periods import label_coverage
from carecast.scenarios.run import ScenarioComparison

COLOURS = ("#1F3864", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def cost_figure(cost: pl.DataFrame) -> go.Figure:
    """Total cost (placements + levers) by financial year per scenario, bars with 90% bands."""
    fig = go.Figure()
    for i, (name, part) in enumerate(cost.group_by("scenario", maintain_order=True)):
        mean = part.get_column("total_cost_mean")
        fig.add_trace(
            go.Bar(
                x=part.get_column("financial_year").to_list(),
                y=mean.to_list(),
                name=str(name[0]),
                marker_color=COLOURS[i % len(COLOURS)],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (part.get_column("total_cost_p95") - mean).to_list(),
                    "arrayminus": (mean - part.get_column("total_cost_p5")).to_list(),
                },
            )
        )
    fig.update_layout(
        title="Cost by financial year (placements + levers; mean, 90% band)",
        barmode="group",
        yaxis_title="£",
        height=400,
        legend={"orientation": "h"},
    )
    return fig


def saving_figure(net: pl.DataFrame) -> go.Figure:
    """Net saving against the baseline per financial year, with the band of the per-simulation difference."""
    fig = go.Figure()
    years = net.filter(pl.col("financial_year") != "whole horizon")
    for i, (name, part) in enumerate(years.group_by("scenario", maintain_order=True)):
        colour = COLOURS[(i + 1) % len(COLOURS)]
        x = part.get_column("financial_year").to_list()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=part.get_column("net_saving_p95").to_list()
                + part.get_column("net_saving_p5").to_list()[::-1],
                fill="toself",
                mode="lines",
                fillcolor=_rgba(colour, 0.2),
                line={"width": 0},
                name=f"{name[0]}: 90% band",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=part.get_column("net_saving_mean").to_list(),
                name=f"{name[0]}: net saving",
                line={"color": colour},
                mode="lines+markers",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=part.get_column("gross_saving_mean").to_list(),
                name=f"{name[0]}: gross (before lever cost)",
                line={"color": colour, "dash": "dot"},
            )
        )
    fig.add_hline(y=0, line={"color": "#888", "width": 1})
    fig.update_layout(
        title="Net saving against the baseline (positive = saves money)",
        yaxis_title="£",
        height=400,
        legend={"orientation": "h"},
    )
    return fig


def children_figure(monthly: pl.DataFrame) -> go.Figure:
    """Children per category over time, one panel per category, one line (median) and band per scenario."""
    cats = [c for c in monthly.get_column("category").unique(maintain_order=True).to_list()]
    cols = 3
    rows = -(-len(cats) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[c.replace("_", " ") for c in cats],
        shared_xaxes=True,
        vertical_spacing=0.06,
    )
    for i, (name, part) in enumerate(monthly.group_by("scenario", maintain_order=True)):
        colour = COLOURS[i % len(COLOURS)]
        for k, cat in enumerate(cats):
            p = part.filter(pl.col("category") == cat)
            x = p.get_column("date").to_list()
            r, c = k // cols + 1, k % cols + 1
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=p.get_column("p95").to_list() + p.get_column("p5").to_list()[::-1],
                    fill="toself",
                    mode="lines",
                    fillcolor=_rgba(colour, 0.15),
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=r,
                col=c,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=p.get_column("p50").to_list(),
                    name=str(name[0]),
                    legendgroup=str(name[0]),
                    showlegend=k == 0,
                    line={"color": colour},
                ),
                row=r,
                col=c,
            )
    fig.update_layout(
        title="Children in care by placement category (median and 90% band)",
        height=260 * rows,
        legend={"orientation": "h"},
    )
    return fig


def scenario_report(
    comparison: ScenarioComparison, *, inputs: list[str | Path], parameters: dict[str, Any]
) -> Report:
    """The ``carecast scenario run`` report."""
    net = comparison.net_saving()
    cost = comparison.cost_by_financial_year()
    monthly = comparison.children_by_category()
    by_fy = comparison.children_by_financial_year()
    names = [r.scenario.scenario for r in comparison.runs]
    meta = run_metadata(
        command="scenario run",
        inputs=inputs,
        parameters=parameters,
        seed=comparison.seed,
        coverage={
            "councils": comparison.councils,
            "start": comparison.start.isoformat(),
            "scenarios": names,
        },
    )
    headline = Section(
        "Net saving against the baseline",
        text=(
            f"{', '.join(names[1:]) or 'No scenario'} against {names[0]}, from {comparison.start:%d/%m/%Y} for "
            f"{comparison.horizon_years:g} years, {comparison.n_sims} simulations (seed {comparison.seed}), "
            "every scenario simulated with the same seeds."
        ),
        tables={"net_saving": net} if net.height else {},
        figures=[saving_figure(net)] if net.height else [],
        notes=[
            "Gross saving = baseline placement cost − scenario placement cost; net saving = gross saving − "
            "the cost of the levers (edge-of-care support). Bands are quantiles of the per-simulation "
            "differences, not differences of bands; the chance of a net saving is the share of simulations that save money.",
            "Financial years the horizon covers only in part are marked 'no' under 'Whole year covered' in the cost table.",
        ],
    )
    costs = Section(
        "Cost by financial year",
        tables={"cost_by_financial_year": label_coverage(cost)},
        figures=[cost_figure(cost)],
    )
    children = Section(
        "Children in care",
        tables={
            "children_by_financial_year": by_fy,
            "children_by_month_category": monthly,
            "entrants_by_financial_year": comparison.entrants_by_financial_year(),
        },
        figures=[children_figure(monthly)],
    )
    levers = Section(
        "Levers",
        tables={"levers": comparison.levers()},
        notes=[
            "Levers ramp up linearly from their start over ramp_months. Step-down and cap-stay "
            "count a child's weeks in the category from when the child entered it (consecutive "
            "episodes in the same category, e.g. a change of legal status, count as one), "
            "including children already in care at the start."
        ],
    )
    payload = {
        "metadata": meta,
        "scenarios": names,
        "net_saving": net.to_dicts(),
        "cost_by_financial_year": cost.to_dicts(),
        "children_by_financial_year": by_fy.to_dicts(),
        "levers": comparison.levers().to_dicts(),
        "assumptions": {k: v for k, v in comparison.assumptions.items() if k != "councils"},
    }
    return Report(
        title="carecast scenario comparison",
        metadata=meta,
        sections=[headline, costs, children, levers],
        payload=payload,
        primary_table="net_saving" if net.height else "cost_by_financial_year",
    )
