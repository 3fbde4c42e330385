"""Plotly charts in the style of Under pressure's own: ranked council bars with the chosen council
highlighted, scatter plots with their fitted line and R², grouped bars for the quadrants, and bars
of each category's contribution to growth. Every chart is drawn from a table in the same report
section, so each number on it can be found in the Excel output.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from carecast.benchmark.regression import LineFit

HIGHLIGHT, BASE, OTHER = "#C00000", "#1F3864", "#8EA9DB"


def _layout(
    fig: go.Figure, title: str, xtitle: str = "", ytitle: str = "", height: int = 420
) -> go.Figure:
    # Colours set directly: a named template is deep-copied into every figure, which is slow.
    fig.update_layout(
        title=title,
        xaxis_title=xtitle,
        yaxis_title=ytitle,
        height=height,
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        margin={"l": 60, "r": 20, "t": 60, "b": 120},
        showlegend=True,
    )
    fig.update_xaxes(gridcolor="#E5E5E5", zerolinecolor="#BBBBBB")
    fig.update_yaxes(gridcolor="#E5E5E5", zerolinecolor="#BBBBBB")
    return fig


def ranked_bars(
    frame: pl.DataFrame,
    value: str,
    title: str,
    ytitle: str,
    chosen: str | None,
    mean: float | None = None,
    percent: bool = False,
) -> go.Figure:
    """One bar per council, highest first; the chosen council in red; the mean as a dashed line."""
    d = frame.sort(value, descending=True)
    colours = [HIGHLIGHT if c == chosen else BASE for c in d["council"]]
    fig = go.Figure(
        go.Bar(
            x=d["council"].to_list(),
            y=d[value].to_list(),
            marker_color=colours,
            name=ytitle,
            hovertemplate="%{x}: %{y:" + (".1%" if percent else ",.0f") + "}<extra></extra>",
        )
    )
    if mean is not None:
        fig.add_hline(
            y=mean, line_dash="dash", line_color="#555", annotation_text="mean of councils"
        )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title, "", ytitle)


def scatter_fit(
    points: pl.DataFrame,
    fit: LineFit | None,
    title: str,
    xtitle: str,
    ytitle: str,
    chosen: str | None,
) -> go.Figure:
    """Councils as points, the least-squares line and its R² (as the report's scatter charts)."""
    fig = go.Figure()
    others = points.filter(pl.col("council") != (chosen or ""))
    fig.add_trace(
        go.Scatter(
            x=others["x"].to_list(),
            y=others["y"].to_list(),
            mode="markers",
            name="Councils",
            text=others["council"].to_list(),
            marker={"color": BASE, "size": 9},
            hovertemplate="%{text}: x=%{x:,.1f}, y=%{y:,.1f}<extra></extra>",
        )
    )
    own = points.filter(pl.col("council") == (chosen or ""))
    if own.height:
        fig.add_trace(
            go.Scatter(
                x=own["x"].to_list(),
                y=own["y"].to_list(),
                mode="markers+text",
                name=chosen,
                text=own["council"].to_list(),
                textposition="top center",
                marker={"color": HIGHLIGHT, "size": 12},
            )
        )
    if fit is not None and points.height:
        xs = [points["x"].min(), points["x"].max()]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=fit.predict(xs).tolist(),
                mode="lines",
                name=f"R² = {fit.r_squared:.0%}",
                line={"color": "#555", "dash": "dash"},
            )
        )
    return _layout(fig, f"{title} (n = {points.height})", xtitle, ytitle)


def quadrant_bars(growth: pl.DataFrame, title: str) -> go.Figure:
    """Growth of each spend component, grouped by quadrant."""
    fig = go.Figure()
    for quadrant in growth["quadrant"].unique(maintain_order=True).to_list():
        d = growth.filter(pl.col("quadrant") == quadrant)
        n = d["n"].max()
        fig.add_trace(
            go.Bar(
                x=d["component_label"].to_list(),
                y=d["growth_pct"].to_list(),
                name=f"{quadrant} (n = {n})",
                hovertemplate="%{x}: %{y:.1%}<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig.update_layout(barmode="group"), title, "", "Growth first to last year")


def quadrant_scatter(assigned: pl.DataFrame, chosen: str | None) -> go.Figure:
    """Change in LAC against change in spend per head, with the axes splitting the four groups."""
    fig = go.Figure()
    for quadrant in assigned["quadrant"].unique(maintain_order=True).to_list():
        d = assigned.filter(pl.col("quadrant") == quadrant)
        fig.add_trace(
            go.Scatter(
                x=d["lac_change_pct"].to_list(),
                y=d["per_head_change_pct"].to_list(),
                mode="markers",
                name=f"{quadrant} ({d.height})",
                text=d["council"].to_list(),
                marker={"size": 10},
                hovertemplate="%{text}: LAC %{x:.1%}, spend per head %{y:.1%}<extra></extra>",
            )
        )
    own = assigned.filter(pl.col("council") == (chosen or ""))
    if own.height:
        fig.add_trace(
            go.Scatter(
                x=own["lac_change_pct"].to_list(),
                y=own["per_head_change_pct"].to_list(),
                mode="text",
                text=own["council"].to_list(),
                textposition="top center",
                showlegend=False,
            )
        )
    fig.add_hline(y=0, line_color="#555")
    fig.add_vline(x=0, line_color="#555")
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    return _layout(
        fig,
        f"Four quadrants (n = {assigned.height})",
        "Change in children looked after",
        "Change in CSC spend per head",
    )


def contribution_bars(frame: pl.DataFrame, title: str) -> go.Figure:
    """Change in each component, labelled with its share of the total change."""
    d = frame.sort("change_gbp", descending=True)
    labels = [f"{s:.0%}" if s is not None else "" for s in d["contribution_share"].to_list()]
    fig = go.Figure(
        go.Bar(
            x=d["component_label"].to_list(),
            y=d["change_gbp"].to_list(),
            text=labels,
            textposition="outside",
            marker_color=BASE,
            name="Change (£)",
            hovertemplate="%{x}: £%{y:,.0f}<extra></extra>",
        )
    )
    return _layout(fig, title, "", "Change in spend, first to last year (£)")


def trend_lines(yearly: pl.DataFrame, measures: list[str], title: str, ytitle: str) -> go.Figure:
    fig = go.Figure()
    for m in measures:
        d = yearly.filter(pl.col("measure") == m).sort("year")
        if d.height:
            fig.add_trace(
                go.Scatter(
                    x=d["year_label"].to_list(),
                    y=d["total"].to_list(),
                    mode="lines+markers",
                    name=f"{d['label'][0]} (n = {d['n'][0]})",
                )
            )
    return _layout(fig, title, "", ytitle)


def deficit_trend(summary: pl.DataFrame, title: str) -> go.Figure:
    """Pooled in-year deficit % by year for each service, over the complete-series councils."""
    fig = go.Figure()
    for label in summary["service_label"].unique(maintain_order=True).to_list():
        d = summary.filter(pl.col("service_label") == label).sort("year")
        fig.add_trace(
            go.Scatter(
                x=d["year_label"].to_list(),
                y=d["deficit_pct"].to_list(),
                mode="lines+markers",
                name=f"{label} (n = {d['n'].max()})",
                hovertemplate="%{x}: %{y:.1%}<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title, "", "Deficit % of budget")
