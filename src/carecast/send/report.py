"""SEND reports in the forecast's style: fan chart of plans, tables by setting and age, the grant position."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from carecast.forecast.report import fan_figure
from carecast.outputs import Report, Section, run_metadata
from carecast.send.grant import HighNeedsPosition, threshold_summary
from carecast.send.model import SendForecast, SendModel


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, str(value))]


def forecast_report(model: SendModel, fc: SendForecast, position: HighNeedsPosition | None, *,
                    inputs: list[str | Path], parameters: dict[str, Any], seed: int | None,
                    vhc: pl.DataFrame | None = None, population_by_age: pl.DataFrame | None = None) -> Report:
    summary = fc.summary()
    total = summary.filter(pl.col("breakdown") == "total")
    history = fc.engine.history_total()
    fig = fan_figure(f"EHC plans, {fc.council}", history, total)
    fig.update_layout(yaxis_title="EHC plans")
    first, last = total.row(0, named=True), total.row(-1, named=True)
    text = (f"{first['mean']:,.0f} plans on {first['date']:%d/%m/%Y}; {last['p50']:,.0f} (90% band "
            f"{last['p5']:,.0f}-{last['p95']:,.0f}) by {last['date']:%d/%m/%Y}.")
    sections = [
        Section("EHC plans", text=text, tables={"plans_total": total}, figures=[fig],
                notes=fc.lever_notes + ["Bands are quantiles over simulations (process and parameter uncertainty)."]),
        Section("Plans by setting and age group", tables={
            "plans_by_setting": summary.filter(pl.col("breakdown") == "setting"),
            "plans_by_age_group": summary.filter(pl.col("breakdown") == "age_group")}),
        Section("Rates behind the forecast",
                text="New plans by age at start, and moves between settings and plans ceasing by age (per plan-year), "
                     "over the reference window.",
                tables={"new_plans_by_age": model.new_plans_by_age(population_by_age), "moves_by_age": model.move_rates_by_age(),
                        "rates_by_age_setting": model.rates()}),
    ]
    if position is not None:
        t = position.table
        fig2 = go.Figure()
        fig2.add_bar(x=t["financial_year"].to_list(), y=t["allocation"].to_list(), name="allocation")
        fig2.add_bar(x=t["financial_year"].to_list(), y=t["spend_p50"].to_list(), name="spend (median)",
                     error_y={"type": "data", "symmetric": False,
                              "array": (t["spend_p95"] - t["spend_p50"]).to_list(),
                              "arrayminus": (t["spend_p50"] - t["spend_p5"]).to_list()})
        fig2.add_scatter(x=t["financial_year"].to_list(), y=t["cumulative_deficit_p50"].to_list(),
                         name="cumulative deficit (median)", mode="lines+markers")
        fig2.update_layout(title="High-needs spend against the grant", yaxis_title="£", barmode="group", height=380)
        tables = {"high_needs_position": t, "plan_cost_by_setting": position.by_setting}
        if not position.threshold_year.is_empty():
            tables["deficit_threshold"] = position.threshold_year
        if vhc is not None and vhc.height:
            tables["very_high_cost_placements"] = vhc
        sections.append(Section("Costs and the high-needs block", text=threshold_summary(position), tables=tables,
                                figures=[fig2],
                                notes=["In-year deficit = spend − allocation − transfers in; deficit % of allocation = "
                                       "(spend − allocation) ÷ allocation, as Under pressure reports it.",
                                       "Only complete financial years of the projection are shown."]))
    assumptions = fc.assumptions | ({"costs": position.assumptions} if position is not None else {})
    sections.append(Section("Assumptions", tables={"assumptions": pl.DataFrame(
        _flatten(assumptions), schema=["assumption", "value"], orient="row")}))
    payload = {"council": fc.council, "start": str(model.start),
               "total": total.with_columns(pl.col("date").cast(pl.Utf8)).to_dicts(),
               "high_needs": position.table.to_dicts() if position is not None else None}
    meta = run_metadata(command="send forecast", inputs=inputs, parameters=parameters,
                        coverage={"council": fc.council, "start": str(model.start)}, seed=seed)
    return Report(title=f"High-needs (SEND) forecast: {fc.council}", metadata=meta, sections=sections,
                  payload=payload, primary_table="plans_total")


def backtest_report(table: pl.DataFrame, *, inputs: list[str | Path], parameters: dict[str, Any]) -> Report:
    scores = table.group_by("method").agg(pl.col("mape_pct", "ape_at_horizon_pct", "bias_pct").mean()).sort("mape_pct")
    best = scores.row(0, named=True)["method"]
    return Report(
        title="High-needs (SEND) backtest",
        metadata=run_metadata(command="send backtest", inputs=inputs, parameters=parameters),
        sections=[Section("Scores", text=f"Lowest mean error over the origins: {best}.",
                          tables={"scores": scores, "by_origin": table},
                          notes=["Errors are of total plans, months 1 to the horizon, against what happened; the "
                                 "linear trend is fitted to the counts on the same day of each earlier year."])],
        payload={"scores": scores.to_dicts(), "by_origin": table.with_columns(pl.col("origin").cast(pl.Utf8)).to_dicts()},
        primary_table="scores")
