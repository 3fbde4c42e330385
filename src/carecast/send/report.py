"""SEND reports in the forecast's style: fan chart of plans, history and forecast by setting and age group,
the grant position and the deficit against the user's threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from carecast.forecast.report import BAND_FILL, fan_figure
from carecast.outputs import Report, Section, run_metadata
from carecast.send.grant import HighNeedsPosition, threshold_summary
from carecast.send.model import SendForecast, SendModel, age_group_expr, band_summary
from carecast.send.params import send_params

# Okabe-Ito: distinguishable for the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#999999",
    "#F0E442",
    "#000000",
)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [
            row
            for k, v in value.items()
            for row in _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        ]
    return [(prefix, str(value))]


def history_by_group(history: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Plans on each history date by setting and by age group, from rows of date, setting, age, plans."""
    by_setting = (
        history.group_by("date", "setting").agg(pl.col("plans").sum()).sort("date", "setting")
    )
    by_age = (
        history.with_columns(age_group_expr(pl.col("age")).alias("age_group"))
        .group_by("date", "age_group")
        .agg(pl.col("plans").sum())
        .sort("date", "age_group")
    )
    return {"history_by_setting": by_setting, "history_by_age_group": by_age}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def group_figure(title: str, history: pl.DataFrame, bands: pl.DataFrame, column: str) -> go.Figure:
    """Each group's history (solid), forecast median (dashed) and 90% band (shaded), one colour per group.

    ``history``: date, ``column``, plans; ``bands``: date, ``column``, p5, p50, p95.
    """
    fig = go.Figure()
    groups = list(
        dict.fromkeys(bands.get_column(column).to_list() + history.get_column(column).to_list())
    )
    for i, group in enumerate(groups):
        colour = PALETTE[i % len(PALETTE)]
        h = history.filter(pl.col(column) == group)
        b = bands.filter(pl.col(column) == group)
        d = b.get_column("date").to_list()
        fig.add_trace(
            go.Scatter(
                x=d + d[::-1],
                y=b.get_column("p95").to_list() + b.get_column("p5").to_list()[::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.15),
                line={"width": 0},
                mode="lines",
                legendgroup=group,
                showlegend=False,
                hoverinfo="skip",
                name=f"{group} 90% band",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=h.get_column("date").to_list(),
                y=h.get_column("plans").to_list(),
                name=group,
                legendgroup=group,
                line={"color": colour},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=d,
                y=b.get_column("p50").to_list(),
                name=f"{group} (forecast median)",
                legendgroup=group,
                showlegend=False,
                line={"color": colour, "dash": "dash"},
            )
        )
    fig.update_layout(
        title=title,
        yaxis_title="EHC plans",
        height=420,
        margin={"t": 50, "b": 30},
        legend={"orientation": "h"},
    )
    return fig


def deficit_figure(position: HighNeedsPosition) -> go.Figure:
    """Cumulative deficit by financial year (median, 50% and 90% bands), in-year deficit bars, the threshold."""
    t = position.table
    years = t.get_column("financial_year").to_list()
    fig = go.Figure()
    for (lo, hi), fill, name in (
        (("p5", "p95"), BAND_FILL[0], "cumulative deficit, 90% band"),
        (("p25", "p75"), BAND_FILL[1], "cumulative deficit, 50% band"),
    ):
        fig.add_trace(
            go.Scatter(
                x=years + years[::-1],
                y=t[f"cumulative_deficit_{hi}"].to_list()
                + t[f"cumulative_deficit_{lo}"].to_list()[::-1],
                fill="toself",
                fillcolor=fill,
                line={"width": 0},
                mode="lines",
                name=name,
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=t["cumulative_deficit_p50"].to_list(),
            name="cumulative deficit (median)",
            mode="lines+markers",
            line={"color": "#1F3864"},
        )
    )
    fig.add_bar(
        x=years,
        y=t["in_year_deficit_p50"].to_list(),
        name="in-year deficit (median, 90% band)",
        marker_color="#D55E00",
        opacity=0.7,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": (t["in_year_deficit_p95"] - t["in_year_deficit_p50"]).to_list(),
            "arrayminus": (t["in_year_deficit_p50"] - t["in_year_deficit_p5"]).to_list(),
        },
    )
    if not position.threshold_year.is_empty():
        threshold = float(position.threshold_year["threshold"][0])
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[threshold] * len(years),
                name=f"threshold £{threshold:,.0f}",
                mode="lines",
                line={"color": "#C00000", "dash": "dash"},
            )
        )
    fig.update_layout(
        title="High-needs deficit (positive = overspend)",
        yaxis_title="£",
        height=380,
        margin={"t": 50, "b": 30},
        legend={"orientation": "h"},
    )
    return fig


def costs_section(position: HighNeedsPosition, vhc: pl.DataFrame | None = None) -> Section:
    """Spend by financial year with bands against the allocation and transfers; deficits; the threshold."""
    t = position.table
    fig = go.Figure()
    fig.add_bar(x=t["financial_year"].to_list(), y=t["allocation"].to_list(), name="allocation")
    fig.add_bar(
        x=t["financial_year"].to_list(),
        y=t["spend_p50"].to_list(),
        name="spend (median)",
        error_y={
            "type": "data",
            "symmetric": False,
            "array": (t["spend_p95"] - t["spend_p50"]).to_list(),
            "arrayminus": (t["spend_p50"] - t["spend_p5"]).to_list(),
        },
    )
    fig.add_scatter(
        x=t["financial_year"].to_list(),
        y=t["cumulative_deficit_p50"].to_list(),
        name="cumulative deficit (median)",
        mode="lines+markers",
    )
    fig.update_layout(
        title="High-needs spend against the grant", yaxis_title="£", barmode="group", height=380
    )
    tables = {"high_needs_position": t, "plan_cost_by_setting": position.by_setting}
    if not position.threshold_year.is_empty():
        tables["deficit_threshold"] = position.threshold_year
    if vhc is not None and vhc.height:
        tables["very_high_cost_placements"] = vhc
    return Section(
        "Costs and the high-needs block",
        text=threshold_summary(position),
        tables=tables,
        figures=[fig, deficit_figure(position)],
        notes=[
            "In-year deficit = spend − allocation − transfers in; deficit % of allocation = "
            "(spend − allocation) ÷ allocation, as Under pressure reports it.",
            "Only complete financial years of the projection are shown.",
        ],
    )


def _by_group_section(history: pl.DataFrame, summary: pl.DataFrame) -> Section:
    hist = history_by_group(history)
    setting = (
        summary.filter(pl.col("breakdown") == "setting")
        .rename({"group": "setting"})
        .drop("breakdown")
    )
    age = (
        summary.filter(pl.col("breakdown") == "age_group")
        .rename({"group": "age_group"})
        .drop("breakdown")
    )
    return Section(
        "Plans by setting and age group",
        text="History (solid) and forecast (median dashed, 90% band shaded) of plans in each setting "
        "and age group.",
        figures=[
            group_figure("EHC plans by setting", hist["history_by_setting"], setting, "setting"),
            group_figure("EHC plans by age group", hist["history_by_age_group"], age, "age_group"),
        ],
        tables={"plans_by_setting": setting, "plans_by_age_group": age, **hist},
    )


def forecast_report(
    model: SendModel,
    fc: SendForecast,
    position: HighNeedsPosition | None,
    *,
    inputs: list[str | Path],
    parameters: dict[str, Any],
    seed: int | None,
    vhc: pl.DataFrame | None = None,
    population_by_age: pl.DataFrame | None = None,
) -> Report:
    summary = fc.summary()
    total = summary.filter(pl.col("breakdown") == "total")
    history = fc.engine.history_total()
    fig = fan_figure(f"EHC plans, {fc.council}", history, total)
    fig.update_layout(yaxis_title="EHC plans")
    first, last = total.row(0, named=True), total.row(-1, named=True)
    text = (
        f"{first['mean']:,.0f} plans on {first['date']:%d/%m/%Y}; {last['p50']:,.0f} (90% band "
        f"{last['p5']:,.0f}-{last['p95']:,.0f}) by {last['date']:%d/%m/%Y}."
    )
    detail = fc.engine.history_.select(
        "date",
        pl.col("category").alias("setting"),
        pl.col("age_band").cast(pl.Int32).alias("age"),
        pl.col("children").alias("plans"),
    )
    sections = [
        Section(
            "EHC plans",
            text=text,
            tables={"plans_total": total},
            figures=[fig],
            notes=fc.lever_notes
            + ["Bands are quantiles over simulations (process and parameter uncertainty)."],
        ),
        _by_group_section(detail, summary),
        Section(
            "Rates behind the forecast",
            text="New plans by age at start, and moves between settings and plans ceasing by age (per plan-year), "
            "over the reference window.",
            tables={
                "new_plans_by_age": model.new_plans_by_age(population_by_age),
                "moves_by_age": model.move_rates_by_age(),
                "rates_by_age_setting": model.rates(),
            },
        ),
    ]
    if position is not None:
        sections.append(costs_section(position, vhc))
    assumptions = fc.assumptions | ({"costs": position.assumptions} if position is not None else {})
    sections.append(
        Section(
            "Assumptions",
            tables={
                "assumptions": pl.DataFrame(
                    _flatten(assumptions), schema=["assumption", "value"], orient="row"
                )
            },
        )
    )
    payload = {
        "council": fc.council,
        "start": str(model.start),
        "total": total.with_columns(pl.col("date").cast(pl.Utf8)).to_dicts(),
        "high_needs": position.table.to_dicts() if position is not None else None,
    }
    meta = run_metadata(
        command="send forecast",
        inputs=inputs,
        parameters=parameters,
        coverage={"council": fc.council, "start": str(model.start)},
        seed=seed,
    )
    return Report(
        title=f"High-needs (SEND) forecast: {fc.council}",
        metadata=meta,
        sections=sections,
        payload=payload,
        primary_table="plans_total",
    )


def counts_report(
    counts: pl.DataFrame,
    years: list[int],
    settings: tuple[str, ...],
    sims: np.ndarray,
    position: HighNeedsPosition | None,
    *,
    inputs: list[str | Path],
    parameters: dict[str, Any],
    seed: int | None,
) -> Report:
    """The ``carecast send project-counts`` report: published counts (``AGGREGATE_COLUMNS``, one council)
    and their projection ``sims`` (simulations × ``years`` × ages × ``settings``)."""
    p = send_params()
    council = counts.get_column("council")[0]
    dates = [p.census_day(y) for y in years]
    summary = band_summary(dates, sims, settings, sims)
    total = summary.filter(pl.col("breakdown") == "total")
    projection = total.select(pl.Series("year", years), "mean", "p5", "p25", "p50", "p75", "p95")
    history = counts.group_by("year").agg(pl.col("plans").sum()).sort("year")
    fig = fan_figure(
        f"EHC plans, {council} (published counts)",
        history.select(
            pl.col("year").map_elements(p.census_day, return_dtype=pl.Date).alias("date"),
            pl.col("plans").alias("children"),
        ),
        total,
    )
    fig.update_layout(yaxis_title="EHC plans")
    last = projection.row(-1, named=True)
    detail = counts.select(
        pl.col("year").map_elements(p.census_day, return_dtype=pl.Date).alias("date"),
        "setting",
        "age",
        "plans",
    )
    sections = [
        Section(
            "Projected plans (published counts only)",
            text=f"{history['plans'][-1]:,} plans at the {history['year'][-1]} census; "
            f"{last['p50']:,.0f} (90% band {last['p5']:,.0f}-{last['p95']:,.0f}) in {last['year']}. "
            "Cohort-ratio projection: with only published counts, new plans, ceasing and ageing "
            "are seen net of each other; use child-level records for the full model.",
            tables={"projection": projection, "history": history},
            figures=[fig],
        ),
        _by_group_section(detail, summary),
    ]
    if position is not None:
        sections.append(costs_section(position))
        sections.append(
            Section(
                "Assumptions",
                tables={
                    "assumptions": pl.DataFrame(
                        _flatten({"costs": position.assumptions}),
                        schema=["assumption", "value"],
                        orient="row",
                    )
                },
            )
        )
    return Report(
        title=f"High-needs projection from published counts: {council}",
        metadata=run_metadata(
            command="send project-counts",
            inputs=inputs,
            seed=seed,
            parameters=parameters,
            coverage={"council": council},
        ),
        sections=sections,
        primary_table="projection",
    )


def backtest_report(
    table: pl.DataFrame, *, inputs: list[str | Path], parameters: dict[str, Any]
) -> Report:
    scores = (
        table.group_by("method")
        .agg(pl.col("mape_pct", "ape_at_horizon_pct", "bias_pct").mean())
        .sort("mape_pct")
    )
    best = scores.row(0, named=True)["method"]
    return Report(
        title="High-needs (SEND) backtest",
        metadata=run_metadata(command="send backtest", inputs=inputs, parameters=parameters),
        sections=[
            Section(
                "Scores",
                text=f"Lowest mean error over the origins: {best}.",
                tables={"scores": scores, "by_origin": table},
                notes=[
                    "Errors are of total plans, months 1 to the horizon, against what happened; the "
                    "linear trend is fitted to the counts on the same day of each earlier year."
                ],
            )
        ],
        payload={
            "scores": scores.to_dicts(),
            "by_origin": table.with_columns(pl.col("origin").cast(pl.Utf8)).to_dicts(),
        },
        primary_table="scores",
    )
