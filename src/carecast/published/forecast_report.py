"""The forecast as a carecast Report: the documented JSON payload, tables and a fan chart."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from carecast.outputs import Report, Section
from carecast.outputs.report import run_metadata
from carecast.published.forecast import BANDS, PublishedForecast, published_series
from carecast.published.labels import human


def _records(frame: pl.DataFrame, keys: list[str]) -> list[dict]:
    return frame.select(*keys, "year", *[pl.col(b).cast(pl.Int64) for b in BANDS]).to_dicts()


def model_table(r: PublishedForecast) -> pl.DataFrame:
    f = r.fit
    se = f.coef_cov.diagonal() ** 0.5
    rows = [
        ("Drift (log change a year)", f.coef[0], se[0]),
        ("Weight of the flow-implied change (κ)", f.coef[1], se[1]),
        ("Pull toward the region's rate (β)", f.coef[2], se[2]),
        ("Persistence of rate deviations (φ)", f.rates.phi, None),
        ("England part of the yearly surprise, variance", f.var_england, None),
        ("Region part of the yearly surprise, variance", f.var_region, None),
        ("Council part, variance = a + b / stock: a", f.var_council[0], None),
        ("Council part, variance = a + b / stock: b", f.var_council[1], None),
    ]
    return pl.DataFrame(rows, schema=["parameter", "estimate", "standard_error"], orient="row")


def fan(history: pl.DataFrame, bands: pl.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    x = bands["year"].to_list()
    for lo, hi, label in (("p5", "p95", "90% band"), ("p25", "p75", "50% band")):
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=bands[hi].to_list() + bands[lo].to_list()[::-1],
                fill="toself",
                line={"width": 0},
                name=label,
                opacity=0.3,
            )
        )
    fig.add_trace(go.Scatter(x=x, y=bands["p50"].to_list(), name="Median forecast"))
    fig.add_trace(
        go.Scatter(
            x=history["year"].to_list(),
            y=history["stock"].to_list(),
            name="Published",
            mode="lines+markers",
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="Year ending 31 March",
        yaxis_title="Children looked after on 31 March",
    )
    return fig


def build_report(r: PublishedForecast) -> Report:
    england_hist = published_series(r.published, "England")
    region_hist = published_series(r.published, "Region")
    council_hist = r.history.select(
        "ons_code", "dfe_number", "name", "year", "stock", "starts", "ceased", "population"
    )
    payload = {
        "origin": r.origin,
        "year_is": "the year ending 31 March",
        "councils": _records(r.councils, ["ons_code", "dfe_number", "name"]),
        "regions": _records(r.regions, ["region_code", "name"]),
        "england": _records(r.england, ["name"]),
        "published": {
            "councils": council_hist.to_dicts(),
            "regions": region_hist.to_dicts(),
            "england": england_hist.to_dicts(),
        },
        "not_forecast": r.not_forecast.to_dicts(),
        "reorganised_area_shares": r.splits.to_dicts(),
        "model": model_table(r).to_dicts(),
    }
    horizon = r.request.horizon_years
    text = (
        f"Children looked after on 31 March, {r.origin + 1}-{r.origin + horizon}, from the "
        f"published figures to {r.origin}. Medians and 5th/25th/75th/95th percentiles of "
        f"{r.request.simulations:,} simulations (seed {r.request.seed}); regions and England are "
        "the councils' simulations added up."
    )
    sections = [
        Section(
            "England",
            text,
            tables={"england": human(r.england)},
            figures=[
                fan(
                    england_hist.filter(pl.col("year") <= r.origin),
                    r.england,
                    "England: children looked after on 31 March",
                )
            ],
        ),
        Section("Regions", tables={"regions": human(r.regions)}),
        Section("Councils", tables={"councils": human(r.councils)}),
        Section(
            "Model",
            "Estimated on the published figures up to the origin "
            f"(calibration years {', '.join(map(str, r.fit.calibration_years)) or 'none'}).",
            tables={"model": human(model_table(r))},
        ),
        Section(
            "Published series the forecast started from",
            tables={
                "published_england": human(england_hist),
                "published_councils": human(council_hist),
            },
        ),
    ]
    if r.not_forecast.height:
        sections.append(
            Section("Councils not forecast", tables={"not_forecast": human(r.not_forecast)})
        )
    meta = run_metadata(
        command="published forecast",
        inputs=[r.published.folder],
        parameters={
            "origin": r.origin,
            "horizon_years": horizon,
            "simulations": r.request.simulations,
        },
        seed=r.request.seed,
    )
    return Report(
        "Children looked after: forecast from the published statistics",
        meta,
        sections,
        payload=payload,
        primary_table="councils",
    )
