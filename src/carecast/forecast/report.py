"""Forecast and backtest results as :class:`carecast.outputs.Report` (tables, fan charts, JSON payload).

Sheets a finance officer can use: children (and cost) by financial year with bands, monthly numbers
by category and age band, history, and the assumptions (window, rates, entrant model, exclusions,
unit costs, data coverage, version, seed).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from carecast.forecast.backtest import BacktestResult
from carecast.forecast.result import BAND_NAMES, ForecastResult
from carecast.outputs import Report, Section, run_metadata
from carecast.outputs.committee import from_quantiles
from carecast.outputs.periods import label_coverage
from carecast.schema.years import financial_year_expr, financial_year_label_expr

if TYPE_CHECKING:  # drawn only for HTML: plotly is imported when a figure is drawn
    import plotly.graph_objects as go

BAND_FILL = ("rgba(31,56,100,0.15)", "rgba(31,56,100,0.30)")


def central_bands(columns: list[str]) -> list[tuple[str, str, str]]:
    """(low column, high column, label) of each central band among band columns, widest first:
    p5 and p95 make the "90% band" (whatever quantiles model.yaml sets)."""
    qs = {
        c: float(c[1:]) / 100
        for c in columns
        if c.startswith("p") and c[1:].replace(".", "", 1).isdigit()
    }
    by_q = {round(q, 6): c for c, q in qs.items()}
    out = []
    for q in sorted(by_q):
        hi = by_q.get(round(1 - q, 6))
        if q < 0.5 and hi is not None:
            out.append((by_q[q], hi, f"{round((1 - 2 * q) * 100, 4):g}% band"))
    return out


def fan_figure(
    title: str, history: pl.DataFrame, bands: pl.DataFrame, actual: pl.DataFrame | None = None
) -> go.Figure:
    """History line plus forecast fan (p5-p95 and p25-p75 shaded, median line, mean dashed)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    d = bands.get_column("date").to_list()
    for (lo, hi, name), fill in zip(central_bands(bands.columns), BAND_FILL, strict=False):
        fig.add_trace(
            go.Scatter(
                x=d + d[::-1],
                y=bands.get_column(hi).to_list() + bands.get_column(lo).to_list()[::-1],
                fill="toself",
                fillcolor=fill,
                line={"width": 0},
                name=name,
                hoverinfo="skip",
            )
        )
    if "p50" in bands.columns:
        fig.add_trace(
            go.Scatter(
                x=d, y=bands.get_column("p50").to_list(), name="median", line={"color": "#1F3864"}
            )
        )
    fig.add_trace(
        go.Scatter(
            x=d,
            y=bands.get_column("mean").to_list(),
            name="mean",
            line={"color": "#1F3864", "dash": "dot"},
        )
    )
    if history.height:
        fig.add_trace(
            go.Scatter(
                x=history.get_column("date").to_list(),
                y=history.get_column("children").to_list(),
                name="actual (history)",
                line={"color": "#C00000"},
            )
        )
    if actual is not None and actual.height:
        fig.add_trace(
            go.Scatter(
                x=actual.get_column("date").to_list(),
                y=actual.get_column("actual").to_list(),
                name="actual (after origin)",
                mode="lines+markers",
                line={"color": "#C00000"},
            )
        )
    fig.update_layout(
        title=title,
        yaxis_title="children in care",
        height=380,
        margin={"t": 50, "b": 30},
        legend={"orientation": "h"},
    )
    return fig


def _monthly(result: ForecastResult) -> dict[str, pl.DataFrame]:
    s = result.summary()
    cols = ["date", "mean", *result.band_names, "expected"]
    return {
        "children_by_month": s.filter(pl.col("breakdown") == "total").select(cols),
        "children_by_month_category": s.filter(pl.col("breakdown") == "category")
        .rename({"group": "category"})
        .select("date", "category", *cols[1:]),
        "children_by_month_age": s.filter(pl.col("breakdown") == "age_band")
        .rename({"group": "age_band"})
        .select("date", "age_band", *cols[1:]),
    }


def _assumption_rows(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _assumption_rows(v, f"{prefix}{k}.")]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [
            row for i, v in enumerate(value) for row in _assumption_rows(v, f"{prefix}{i + 1}.")
        ]
    return [
        (prefix.rstrip("."), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    ]


def forecast_report(
    result: ForecastResult,
    *,
    inputs: list[str | Path],
    parameters: dict[str, Any],
    costs: Any | None = None,
    cost_assumptions: dict[str, Any] | None = None,
    per_council: dict[str, ForecastResult] | None = None,
) -> Report:
    """The ``carecast forecast`` report. ``costs`` is a :class:`carecast.costs.CostProjection` or None."""
    monthly = _monthly(result)
    hist = result.history_
    hist_total = result.history_total()
    assumptions = result.assumptions_ | (
        {"unit_costs": cost_assumptions} if cost_assumptions else {}
    )
    councils = sorted(per_council) if per_council else [result.council]
    meta = run_metadata(
        command="forecast",
        inputs=inputs,
        parameters=parameters,
        seed=parameters.get("seed"),
        coverage={
            "councils": councils,
            "start": result.start.isoformat(),
            "history_from": hist_total.get_column("date").min().isoformat()
            if hist_total.height
            else None,
        },
    )
    trend = _trend_words(parameters.get("trend", "auto"), result.assumptions_)
    exclusions = (
        f"Short breaks (LS V3/V4) are excluded from demand; UASC are "
        f"{'included' if parameters.get('uasc', 'include') == 'include' else 'excluded'}."
    )
    summary = Section(
        "Summary",
        text=(
            f"Children in care from {result.start:%d/%m/%Y} for {parameters.get('horizon_years')} years: "
            f"{result.n_sims} simulations of individual children (current children plus simulated entrants), "
            f"{'weekly' if result.step_days == 7 else 'daily'} steps; entrant trend: {trend}. {exclusions} "
            "Bands are the 5th-95th and 25th-75th percentiles across simulations."
        ),
        tables={"children_by_financial_year": _by_financial_year(result)},
    )
    sections = [summary]
    payload: dict[str, Any] = result.payload()
    if costs is not None:
        summary.tables["cost_by_financial_year"] = label_coverage(costs.by_financial_year)
        sections.append(
            Section(
                "Cost",
                text="Projected placement cost (unit costs × children × days, uprated each "
                "1 April). Bands are percentiles of each period's total across simulations.",
                tables={
                    "cost_by_month": costs.by_month,
                    "cost_by_fy_category": costs.by_financial_year_category,
                },
                figures=[partial(_cost_figure, costs.by_financial_year)],
            )
        )
        payload["cost_by_financial_year"] = costs.records("by_financial_year")
    figures = [
        partial(fan_figure, "All children in care", hist_total, monthly["children_by_month"])
    ]
    for cat in result.categories:  # drawn only by the HTML writer (see Section.drawn_figures)
        figures.append(
            partial(
                fan_figure,
                cat,
                hist.filter(pl.col("category") == cat)
                .group_by("date")
                .agg(pl.col("children").sum())
                .sort("date"),
                monthly["children_by_month_category"].filter(pl.col("category") == cat),
            )
        )
    sections.append(Section("Children in care by month", tables=monthly, figures=figures))
    sections.append(
        Section(
            "History",
            text="Actual children in care on the same day of each month before the start.",
            tables={
                "history": hist.group_by("date", "category")
                .agg(pl.col("children").sum())
                .sort("date")
                .pivot(on="category", index="date", values="children")
            },
        )
    )
    if per_council and len(per_council) > 1:
        rows = [
            r.summary()
            .filter(pl.col("breakdown") == "total")
            .with_columns(pl.lit(c).alias("council"))
            for c, r in per_council.items()
        ]
        sections.append(
            Section(
                "By council",
                tables={
                    "children_by_council": pl.concat(rows).select(
                        "council", "date", "mean", *result.band_names
                    )
                },
            )
        )
    sections.append(
        Section(
            "Assumptions",
            text="How the numbers were made: reference window, rates, entrant model, "
            "exclusions, data coverage and version.",
            tables={
                "assumptions": pl.DataFrame(
                    _assumption_rows(assumptions), schema=["item", "value"], orient="row"
                )
            },
        )
    )
    payload["history"] = hist_total.with_columns(pl.col("date").cast(pl.Utf8)).to_dicts()
    payload["assumptions"] = assumptions
    committee = None
    if costs is not None:
        fy = costs.by_financial_year
        whole = (
            fy.filter(pl.col("days_covered") == pl.col("days_in_period"))
            .get_column("financial_year")
            .to_list()
        )
        committee = from_quantiles(
            f"Placement cost forecast: {result.council}",
            costs.by_financial_year_category,
            fy,
            row="category",
            whole_years=whole,
        )
    return Report(
        title=f"Demand forecast: {result.council}",
        metadata=meta,
        sections=sections,
        payload=payload,
        primary_table="children_by_month",
        committee=committee,
    )


def _by_financial_year(result: ForecastResult) -> pl.DataFrame:
    """Children in care on the last monthly date of each financial year (31 March when the start is a month end)."""
    s = result.summary().filter(pl.col("breakdown") == "total")
    ends = [d for d in s.get_column("date").to_list() if d.month == 3 and d.day == 31]
    if not ends:  # start not at a month end: nearest monthly date in March
        ends = [d for d in s.get_column("date").to_list() if d.month == 3]
    return (
        s.filter(pl.col("date").is_in(ends))
        .with_columns(
            financial_year_label_expr(financial_year_expr("date")).alias("financial_year")
        )
        .select("financial_year", pl.col("date").alias("children_on"), "mean", *result.band_names)
    )


def _cost_figure(by_fy: pl.DataFrame) -> go.Figure:
    import plotly.graph_objects as go

    label = "financial_year" if "financial_year" in by_fy.columns else by_fy.columns[0]
    x = by_fy.get_column(label).to_list()
    mean = by_fy.get_column("cost_mean")
    fig = go.Figure(
        go.Bar(
            x=x,
            y=mean.to_list(),
            name="mean",
            marker_color="#1F3864",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (by_fy.get_column("cost_p95") - mean).to_list(),
                "arrayminus": (mean - by_fy.get_column("cost_p5")).to_list(),
            },
        )
    )
    fig.update_layout(
        title="Placement cost by financial year (bars: mean; whiskers: 90% band)",
        yaxis_title="£",
        height=380,
    )
    return fig


def backtest_report(
    bt: BacktestResult, *, inputs: list[str | Path], parameters: dict[str, Any]
) -> Report:
    """The ``carecast backtest`` report: scores per origin and pooled, and each origin's fan with actuals."""
    meta = run_metadata(
        command="backtest",
        inputs=inputs,
        parameters=parameters,
        seed=parameters.get("seed"),
        coverage={"origins": [o.origin.isoformat() for o in bt.origins]},
    )
    figures = []
    for o in bt.origins:
        total = o.table.filter(pl.col("breakdown") == "total")
        figures.append(
            fan_figure(
                f"Forecast made on {o.origin:%d/%m/%Y} against what happened",
                pl.DataFrame(schema={"date": pl.Date, "children": pl.Int64}),
                total,
                total,
            )
        )
    tables = {
        "headline": bt.headline(),
        "metrics": bt.metrics,
        "forecast_vs_actual": pl.concat(
            [o.table.with_columns(pl.lit(o.origin).alias("origin")) for o in bt.origins]
        ).select(
            "origin",
            "horizon_month",
            "date",
            "breakdown",
            "group",
            "mean",
            *BAND_NAMES,
            "actual",
            "naive_last_value",
            "naive_linear_trend",
        ),
    }
    councils = bt.council_metrics()
    if councils is not None:
        tables["metrics_by_council"] = councils
    reasons = [
        o.exit_reasons.with_columns(pl.lit(o.origin).alias("origin"))
        for o in bt.origins
        if o.exit_reasons is not None
    ]
    if reasons:
        tables["exits_by_reason"] = pl.concat(reasons).select("origin", pl.exclude("origin"))
    text = (
        f"{len(bt.origins)} origin(s), {bt.horizon_months}-month horizon. MAPE and bias are of the mean "
        "forecast; band coverage is the share of monthly actuals inside the 50% (p25-p75) and 90% (p5-p95) "
        "bands. Baselines: last value held flat; linear trend on annual counts (CCN method)."
    )
    return Report(
        title="Backtest of the demand forecast",
        metadata=meta,
        payload=bt.payload(),
        sections=[
            Section("Scores", text=text, tables=tables, figures=figures),
            Section(
                "Assumptions",
                tables={
                    "assumptions": pl.DataFrame(
                        _assumption_rows(bt.assumptions), schema=["item", "value"], orient="row"
                    )
                },
            ),
        ],
        primary_table="metrics",
    )


def _trend_words(trend: str, assumptions: dict) -> str:
    """The entrant trend as the summary states it: with ``auto``, the trend each council's own
    window chose and why."""
    if trend != "auto":
        return trend
    per = assumptions.get("councils") or {assumptions.get("council", ""): assumptions}
    chosen = []
    for council, a in per.items():
        choice = (a.get("entrants") or {}).get("trend_choice")
        if choice:
            chosen.append(f"{council}: {choice['chosen']} ({choice['reason']})")
    return "chosen per council by its window's out-of-sample record" + (
        " — " + "; ".join(chosen) if chosen else ""
    )
