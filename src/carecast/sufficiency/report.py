"""A sufficiency assessment as a :class:`carecast.outputs.Report`: gap tables, the plan, and charts of
demand bands against capacity per category (and, for a region, the complex-adolescents question).

JSON shape (``--out gap.json``): ``metadata``; ``name``; ``scenario``; ``gap_by_year`` (per
financial year and category: has_own_capacity, peak p50/p90 demand, places, gap_p50, gap_p90);
``plan`` (action, category, quantile, amount, unit, from_year, reason); for a region also
``adolescent_residential`` (per year: peak p50/p90 residential demand aged 10-17, places, gaps,
block_places_needed_p90, new_4_bed_homes_p90), ``pan_regional`` (plain-English lines) and
``register_places`` (type, category, providers, places, attributed_places).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from carecast.outputs import Report, Section, run_metadata
from carecast.sufficiency.assess import SufficiencyRun
from carecast.sufficiency.region import describe_use

BAND = "rgba(31,56,100,0.18)"


def _band_traces(
    fig: go.Figure, frame: pl.DataFrame, row: int | None, col: int | None, legend: bool
) -> None:
    x = frame.get_column("date").to_list()
    kw = {"row": row, "col": col} if row else {}
    fig.add_trace(
        go.Scatter(
            x=x + x[::-1],
            y=frame.get_column("p90").to_list() + frame.get_column("p10").to_list()[::-1],
            fill="toself",
            mode="lines",
            fillcolor=BAND,
            line={"width": 0},
            name="demand p10-p90",
            legendgroup="band",
            showlegend=legend,
            hoverinfo="skip",
        ),
        **kw,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame.get_column("p50").to_list(),
            name="demand p50",
            legendgroup="p50",
            showlegend=legend,
            line={"color": "#1F3864"},
        ),
        **kw,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame.get_column("places").to_list(),
            name="capacity (places)",
            legendgroup="cap",
            showlegend=legend,
            line={"color": "#C00000", "shape": "hv"},
        ),
        **kw,
    )


def demand_capacity_figure(monthly: pl.DataFrame, demand: pl.DataFrame) -> go.Figure:
    """Demand band and median against places, one panel per category."""
    frame = demand.select("date", "category", "p10").join(
        monthly, on=["date", "category"], how="inner"
    )
    cats = frame.get_column("category").unique(maintain_order=True).to_list()
    cols = 3
    rows = -(-len(cats) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[c.replace("_", " ") for c in cats],
        vertical_spacing=0.07,
    )
    for k, cat in enumerate(cats):
        _band_traces(
            fig,
            frame.filter(pl.col("category") == cat).sort("date"),
            k // cols + 1,
            k % cols + 1,
            k == 0,
        )
    fig.update_layout(
        title="Demand (p10-p90 band, median) against capacity by placement category",
        height=260 * rows,
        legend={"orientation": "h"},
    )
    return fig


def sufficiency_report(
    run: SufficiencyRun, *, inputs: list[str | Path], parameters: dict[str, Any]
) -> Report:
    res = run.result
    meta = run_metadata(
        command="sufficiency",
        inputs=inputs,
        parameters=parameters,
        seed=parameters.get("seed"),
        coverage={
            "councils": run.councils,
            "start": run.forecast.start.isoformat(),
            "scenario": run.scenario,
        },
    )
    places = run.capacity.places(run.demand.get_column("date").unique().sort().to_numpy())
    sections = [
        Section(
            "Gap by financial year",
            text=(
                f"{run.name}: demand for each placement category ({run.scenario}) against capacity, from "
                f"{run.forecast.start:%d/%m/%Y}; gap = peak monthly demand in the year − places "
                "(positive = short)."
            ),
            tables={"gap_by_year": res.by_year, "plan": res.plan},
            notes=[
                *run.notes,
                "Demand quantiles are across simulations of each month's count; the plan closes the gap "
                "at p50 and, separately, at p90.",
            ],
        ),
        Section(
            "Demand against capacity by month",
            tables={"monthly": res.monthly, "capacity": places},
            figures=[demand_capacity_figure(res.monthly, run.demand)],
        ),
    ]
    payload: dict[str, Any] = {
        "metadata": meta,
        "name": run.name,
        "scenario": run.scenario,
        "gap_by_year": res.by_year.to_dicts(),
        "plan": res.plan.to_dicts(),
    }
    if run.adolescents is not None:
        ado = run.adolescents
        fig = go.Figure()
        _band_traces(fig, ado.monthly, None, None, True)
        fig.update_layout(
            title=f"Residential demand aged 10-17 against residential places in {run.name}",
            yaxis_title="children",
            height=380,
            legend={"orientation": "h"},
        )
        lines = describe_use(ado)
        tables = {"adolescent_residential": ado.by_year}
        if run.register is not None:
            tables["register_places"] = run.register
        sections.insert(
            1,
            Section(
                "Complex adolescents: where a pan-regional block or new home would be used",
                text=" ".join(lines),
                tables=tables,
                figures=[fig],
            ),
        )
        payload["adolescent_residential"] = ado.by_year.to_dicts()
        payload["pan_regional"] = lines
        if run.register is not None:
            payload["register_places"] = run.register.to_dicts()
    return Report(
        title=f"carecast sufficiency: {run.name}",
        metadata=meta,
        sections=sections,
        payload=payload,
        primary_table="gap_by_year",
    )
