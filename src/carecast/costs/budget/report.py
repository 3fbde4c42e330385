"""Budget monitoring as a committee report: the table finance officers take to members, and the trend.

The first sheet a reader sees is ``committee``: line, budget, forecast outturn, variance, movement
since last month and the reasons, with a total row. Then the checks (including any budget file
whose lines do not add up to its stated total), the detail per line, the movement reasons, the
actions, the placements (only on request) and, when history is saved, the forecast-outturn trend.

JSON shape (``--out x.json``): ``council``, ``financial_year`` ("2018-19"), ``as_of``, ``committee``
(rows of the committee table, last row "Total"), ``lines``, ``checks`` (``ok`` false = flagged),
``movement`` (line, reason, amount_gbp, count, detail), ``quarters``, ``actions``, ``assumptions``.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from carecast.costs.budget.outturn import Monitoring
from carecast.outputs import Report, Section
from carecast.schema import financial_year_label

# Column names as shown in reports: money columns carry a money word so Excel/HTML format them as £
# (carecast.outputs.formats); the API and the store keep the short names.
DISPLAY_NAMES = {
    "actual_to_date": "spend_to_date",
    "starters_leavers": "starters_leavers_cost",
    "ledger_gap": "ledger_gap_gbp",
    "health_contribution": "health_funded_cost",
    "education_contribution": "education_funded_cost",
    "weekly_used": "weekly_cost_used",
    "amount": "amount_gbp",
    "movement": "movement_gbp",
}


def _display(df: pl.DataFrame) -> pl.DataFrame:
    return df.rename({k: v for k, v in DISPLAY_NAMES.items() if k in df.columns})


def committee_table(m: Monitoring, summary: pl.DataFrame | None = None) -> pl.DataFrame:
    """Line, budget, forecast outturn, variance, movement, reasons; the last row is the total."""
    t = m.lines.select(
        pl.col("label").alias("line"),
        "budget",
        "forecast_outturn",
        "variance",
        "variance_pct",
        "outturn_p5",
        "outturn_p95",
        "forecast_basis",
        pl.col("line").alias("_key"),
    )
    if summary is not None:
        t = t.join(
            summary.select(pl.col("line").alias("_key"), "movement", "reasons"),
            on="_key",
            how="left",
        )
    else:
        t = t.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("movement"),
            pl.lit("first saved month: no movement").alias("reasons"),
        )
    t = t.drop("_key")
    lo, hi = m.total_band()
    total = pl.DataFrame(
        [
            {
                "line": "Total",
                "budget": t["budget"].sum(),
                "forecast_outturn": t["forecast_outturn"].sum(),
                "variance": t["variance"].sum(),
                "variance_pct": t["variance"].sum() / t["budget"].sum()
                if t["budget"].sum()
                else None,
                "outturn_p5": lo,
                "outturn_p95": hi,
                "forecast_basis": "sum of the lines",
                "movement": t["movement"].sum() if summary is not None else None,
                "reasons": "",
            }
        ],
        schema=t.schema,
    )
    return pl.concat([t, total])


def trend_figure(history: pl.DataFrame, runs: pl.DataFrame, title: str) -> go.Figure:
    """Forecast outturn at each saved month, in total (with its band) and per line, against budget.

    ``history`` is :func:`~carecast.costs.budget.history.line_history`, ``runs`` :func:`~...runs`;
    the total band is each run's 5th-95th percentile of per-simulation totals.
    """
    fig = go.Figure()
    total = runs.sort("as_of")
    x = total["as_of"].to_list()
    banded = total.filter(pl.col("outturn_p5").is_not_null())
    if banded.height:
        bx = banded["as_of"].to_list()
        fig.add_trace(
            go.Scatter(
                x=bx + bx[::-1],
                y=banded["outturn_p95"].to_list() + banded["outturn_p5"].to_list()[::-1],
                fill="toself",
                fillcolor="rgba(31,56,100,0.15)",
                line={"width": 0},
                mode="lines",
                hoverinfo="skip",
                name="Total: 5th-95th percentile",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=total["outturn_total"].to_list(),
            name="Total forecast outturn",
            mode="lines+markers",
            line={"width": 3},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=total["budget_total"].to_list(),
            name="Total budget",
            mode="lines",
            line={"dash": "dash"},
        )
    )
    for (line,), part in history.sort("as_of").group_by(["label"], maintain_order=True):
        fig.add_trace(
            go.Scatter(
                x=part["as_of"].to_list(),
                y=part["forecast_outturn"].to_list(),
                name=str(line),
                mode="lines+markers",
                visible="legendonly",
            )
        )
    fig.update_layout(
        title=title, yaxis_title="£", xaxis_title="Monitoring date", hovermode="x unified"
    )
    return fig


def monitoring_report(
    m: Monitoring,
    *,
    metadata: dict[str, Any],
    summary: pl.DataFrame | None = None,
    moves: pl.DataFrame | None = None,
    history: pl.DataFrame | None = None,
    runs: pl.DataFrame | None = None,
    quarters: pl.DataFrame | None = None,
    include_placements: bool = False,
) -> Report:
    """The monthly monitoring report. Child-level placement rows are left out unless
    ``include_placements`` (committee papers should not carry child identifiers; DOMAIN.md §7)."""
    fy = financial_year_label(m.financial_year)
    failed = m.checks.filter(~pl.col("ok"))
    notes = [f"CHECK FAILED: {n}" for n in failed["note"].to_list() if n] or ["All totals add up."]
    sections = [
        Section(
            "Committee table",
            text=f"{m.council} children's social care budget {fy}: forecast outturn at {m.as_of:%d %B %Y}. "
            "Variance = forecast − budget (positive = overspend). Bands are the 5th-95th percentile of "
            "per-simulation totals.",
            tables={"committee": committee_table(m, summary)},
            notes=notes,
        ),
        Section("Checks", tables={"checks": m.checks}),
        Section(
            "Forecast by line",
            text="Forecast outturn = actual to date + commitments to 31 March + starters and "
            "leavers − planned management actions.",
            tables={"lines": m.lines},
            notes=[f"Starters and leavers: {m.assumptions.get('starters_leavers')}"],
        ),
    ]
    if moves is not None:
        sections.append(Section("Movement since last month", tables={"movement": moves}))
    if quarters is not None and quarters.height:
        sections.append(Section("Quarter on quarter", tables={"quarters": quarters}))
    if history is not None and runs is not None and history.height:
        sections.append(
            Section(
                "Trend through the year",
                tables={"history": history},
                figures=[trend_figure(history, runs, f"Forecast outturn through {fy}")],
            )
        )
    sections.append(Section("Actions", tables={"actions": m.actions}))
    if include_placements:
        sections.append(
            Section(
                "Placements",
                text="One row per placement (council's own identifiers): keep inside the council.",
                tables={"placements": m.placements.drop("source_row")},
            )
        )
    for section in sections:
        section.tables = {name: _display(df) for name, df in section.tables.items()}
    tables = {name: df for section in sections for name, df in section.tables.items()}
    payload = {
        "council": m.council,
        "financial_year": fy,
        "as_of": m.as_of.isoformat(),
        "committee": tables["committee"].to_dicts(),
        "lines": tables["lines"].to_dicts(),
        "checks": tables["checks"].to_dicts(),
        "movement": tables["movement"].to_dicts() if "movement" in tables else [],
        "quarters": tables["quarters"].to_dicts() if "quarters" in tables else [],
        "actions": tables["actions"].to_dicts(),
        "assumptions": m.assumptions,
    }
    return Report(
        title=f"Budget monitoring {m.council} {fy} at {m.as_of:%d/%m/%Y}",
        metadata=metadata,
        sections=sections,
        primary_table="committee",
        payload=payload,
    )


def history_report(council: str, financial_year: int, url: str | None = None) -> Report:
    """Saved months of one council's year: runs, forecast-outturn trend, quarter on quarter, lines.

    Raises :class:`~carecast.errors.NotFoundError` when nothing has been saved for that year.
    """
    from carecast.costs.budget import history as hist
    from carecast.outputs import run_metadata

    lines = hist.line_history(council, financial_year, url)
    runs = hist.runs(council, financial_year, url)
    label = financial_year_label(financial_year)
    meta = run_metadata(
        command="budget history", parameters={"council": council, "financial_year": financial_year}
    )
    return Report(
        f"Budget monitoring history {council} {label}",
        meta,
        [
            Section(
                "Trend",
                tables={"runs": runs},
                figures=[trend_figure(lines, runs, f"Forecast outturn through {label}")],
            ),
            Section(
                "Quarter on quarter",
                text="Outturn at the last saved month of each quarter; change as £ and % of "
                "the previous quarter's figure.",
                tables={"quarters": hist.quarter_on_quarter(runs)},
            ),
            Section("Lines by month", tables={"lines": lines}),
        ],
        primary_table="runs",
    )
