"""Charts for the snapshot report, all drawable offline.

The flow map is a plain longitude/latitude scatter (no map tiles, no topojson download), so the
HTML report opens on a council laptop with no internet. Bar charts are drawn from the published
(possibly suppressed) tables, so a chart never shows a number its table hides; on the map, flows
below the suppression threshold are drawn thin and labelled "fewer than 5".
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from carecast.privacy import SUPPRESSED
from carecast.snapshot.placements import LOCATION_LABELS
from carecast.snapshot.region import council_facts

_WIDTHS = ((1, 1.0), (5, 2.0), (10, 3.5), (25, 6.0))  # (min placements, line width)
_COLOURS = {
    "in_area": "#1F3864",
    "in_region_out_of_area": "#4F81BD",
    "out_of_region": "#E46C0A",
    "unknown": "#A6A6A6",
}


def flow_map(
    placements: pl.DataFrame, *, region_name: str, threshold: int | None, max_flows: int = 400
) -> go.Figure:
    """Lines from each placing council's centroid to each host council's, width by placements.

    Only the ``max_flows`` largest flows are drawn (a map of thousands of lines is unreadable and
    slow); the title says how many of how many are shown.
    """
    facts = council_facts().select("council", "lat", "lon")
    flows = (
        placements.filter(
            pl.col("placing_in_region")
            & pl.col("host_council").is_not_null()
            & (pl.col("host_council") != pl.col("council"))
        )
        .group_by("council", "host_council")
        .len("placements")
        .join(facts, on="council", how="inner")
        .join(
            facts.rename({"council": "host_council", "lat": "host_lat", "lon": "host_lon"}),
            on="host_council",
            how="inner",
        )
    )
    total = flows.height
    flows = flows.sort(
        ["placements", "council", "host_council"], descending=[True, False, False]
    ).head(max_flows)
    fig = go.Figure()
    for i, (lo, width) in enumerate(_WIDTHS):
        hi = _WIDTHS[i + 1][0] if i + 1 < len(_WIDTHS) else None
        part = flows.filter(
            (pl.col("placements") >= lo) & ((pl.col("placements") < hi) if hi else pl.lit(True))
        )
        if not part.height:
            continue
        small = threshold is not None and hi is not None and hi <= threshold
        count = pl.lit(f"fewer than {threshold}") if small else pl.col("placements").cast(pl.Utf8)
        label = pl.col("council") + pl.lit(" → ") + pl.col("host_council") + pl.lit(": ") + count
        gap = np.full(part.height, np.nan)
        lons = np.column_stack([part["lon"].to_numpy(), part["host_lon"].to_numpy(), gap]).ravel()
        lats = np.column_stack([part["lat"].to_numpy(), part["host_lat"].to_numpy(), gap]).ravel()
        labels = part.select(label.alias("l"))["l"].to_numpy()
        text = (
            np.column_stack([labels, labels, np.full(part.height, "", dtype=object)])
            .ravel()
            .tolist()
        )
        name = f"{lo}+ placements" if hi is None else f"{lo}-{hi - 1} placements"
        fig.add_trace(
            go.Scatter(
                x=lons,
                y=lats,
                mode="lines",
                line={"width": width, "color": "rgba(228,108,10,0.55)"},
                name=name,
                text=text,
                hoverinfo="text",
                connectgaps=False,
            )
        )
    placing = placements.filter(pl.col("placing_in_region")).get_column("council").unique()
    hosts = flows.get_column("host_council").unique()
    points = facts.filter(
        pl.col("council").is_in(placing.implode()) | pl.col("council").is_in(hosts.implode())
    )
    points = points.with_columns(pl.col("council").is_in(placing.implode()).alias("placing"))
    for flag, name, colour in (
        (True, "Placing councils", "#1F3864"),
        (False, "Host councils", "#E46C0A"),
    ):
        pts = points.filter(pl.col("placing") == flag)
        fig.add_trace(
            go.Scatter(
                x=pts["lon"].to_numpy(),
                y=pts["lat"].to_numpy(),
                mode="markers",
                name=name,
                marker={"size": 7, "color": colour},
                text=pts["council"].to_list(),
                hoverinfo="text",
            )
        )
    shown = f" ({flows.height} largest of {total} flows)" if total > flows.height else ""
    fig.update_layout(
        title=f"Where {region_name} councils' children are placed, outside their own area{shown}",
        xaxis={"title": "longitude", "showgrid": False},
        yaxis={"title": "latitude", "showgrid": False, "scaleanchor": "x", "scaleratio": 1.6},
        height=650,
        template="plotly_white",
        legend={"orientation": "h"},
    )
    return fig


def _values(df: pl.DataFrame, col: str) -> list[float | None]:
    """A column of a published table as numbers; suppressed cells ("c") become gaps."""
    return df.get_column(col).cast(pl.Utf8).cast(pl.Float64, strict=False).to_list()


def location_chart(by_council: pl.DataFrame) -> go.Figure:
    """Stacked bars: each council's placements by location class (all placements)."""
    df = by_council.filter(pl.col("cohort") == "all")
    df = df.with_columns(
        pl.col("out_of_region_pct").cast(pl.Utf8).cast(pl.Float64, strict=False).alias("_order")
    )
    df = df.sort("_order", descending=True, nulls_last=True)
    fig = go.Figure()
    for loc, label in LOCATION_LABELS.items():
        fig.add_trace(
            go.Bar(
                y=df["council"].to_list(),
                x=_values(df, loc),
                name=label,
                orientation="h",
                marker_color=_COLOURS[loc],
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Placements by location, per placing council",
        xaxis_title="children",
        height=max(350, 22 * df.height + 120),
        template="plotly_white",
    )
    return fig


def utilisation_chart(util: pl.DataFrame) -> go.Figure:
    """Stacked bars per host council: places used by region councils, by others, vacant."""
    df = util.filter(pl.col("host_council") != "All region").sort("places")
    fig = go.Figure()
    parts = (
        ("used_by_region_councils", "Used by the region's councils", "#1F3864"),
        ("used_by_other_councils", "Used by other councils", "#E46C0A"),
        ("vacant", "Vacant / not observed", "#BFBFBF"),
    )
    for col, label, colour in parts:
        fig.add_trace(
            go.Bar(
                y=df["host_council"].to_list(),
                x=_values(df, col),
                name=label,
                orientation="h",
                marker_color=colour,
            )
        )
    hidden = df.select(
        pl.any_horizontal(pl.col(c).cast(pl.Utf8) == SUPPRESSED for c, _, _ in parts)
    ).to_series()
    if hidden.any():
        places = [
            p if h else None for p, h in zip(_values(df, "places"), hidden.to_list(), strict=True)
        ]
        fig.add_trace(
            go.Bar(
                y=df["host_council"].to_list(),
                x=places,
                orientation="h",
                name="Places (use not shown: small numbers)",
                marker={
                    "color": "#FFFFFF",
                    "line": {"color": "#7F7F7F", "width": 1},
                    "pattern": {"shape": "/"},
                },
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Children's home places in each host council and who uses them",
        xaxis_title="places",
        height=max(350, 22 * df.height + 120),
        template="plotly_white",
    )
    return fig


def distance_chart(distance: pl.DataFrame) -> go.Figure:
    """Share of each cohort in each distance band (shares, so residential and all placements compare)."""
    fig = go.Figure()
    for cohort in distance.get_column("cohort").unique(maintain_order=True).to_list():
        part = distance.filter(pl.col("cohort") == cohort)
        fig.add_trace(
            go.Bar(
                x=part["distance_band"].to_list(),
                y=_values(part, "share"),
                customdata=part["placements"].cast(pl.Utf8).to_list(),
                hovertemplate="%{x} miles: %{y:.0%} (%{customdata} children)",
                name=f"{cohort} placements",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Distance from home to placement (miles)",
        xaxis_title="miles",
        yaxis={"title": "share of placements", "tickformat": ".0%"},
        template="plotly_white",
    )
    return fig


def ofsted_chart(mix: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    rated = mix.filter(pl.col("ofsted_rating") != "Not known")
    for where in ("in_region", "out_of_region"):
        part = rated.filter(pl.col("host_location") == where)
        fig.add_trace(
            go.Bar(
                x=part["ofsted_rating"].to_list(),
                y=_values(part, "share"),
                name=where.replace("_", " "),
            )
        )
    fig.update_layout(
        barmode="group",
        title="Ofsted rating of the homes children live in (share of rated)",
        yaxis={"tickformat": ".0%"},
        template="plotly_white",
    )
    return fig
