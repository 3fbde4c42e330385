"""Backtesting: rewind the data to a past date, forecast from there, and score against what happened.

``as_known_at`` removes what was not yet known on the origin date (episodes starting later are
dropped; episodes ending later are reopened; the data ends at the origin). The model is then
fitted and simulated exactly as ``carecast forecast`` would have done on that day, and each month
of the horizon is compared with the actual count from the full data.

Scores (months 1 … horizon; month 0 is known): MAPE and bias of the mean forecast, the absolute
percentage error at the horizon, and the share of actuals inside the 50% (p25-p75) and 90%
(p5-p95) bands. Two naive baselines get the same errors: the **last value** (the count on the
origin date, held flat) and a **linear trend on annual counts** (least squares through the count on
the origin date and on the same day of each earlier year, extrapolated), as the CCN report's lower
projection did (DOMAIN.md §5.2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError, Location, ParameterError
from carecast.forecast.calendar import add_months
from carecast.forecast.exit_reasons import reason_table
from carecast.forecast.model import history_counts
from carecast.forecast.params import defaults
from carecast.forecast.prepare import CareHistory, care_history
from carecast.forecast.region import forecast_councils
from carecast.forecast.result import BAND_NAMES, ForecastResult
from carecast.forecast.states import StateSpace
from carecast.plumbing.constants import DAYS_PER_YEAR
from carecast.schema import PlacementCategories, collection_year_bounds, load_categories

METHODS = ("model", "naive_last_value", "naive_linear_trend")


def as_known_at(episodes: pl.DataFrame, at: dt.date) -> pl.DataFrame:
    """The episodes as they stood on ``at``: later starts removed, later ends reopened, data ending at ``at``."""
    later = pl.col("dec") > at
    return episodes.filter(pl.col("decom") <= at).with_columns(
        pl.when(later).then(None).otherwise(pl.col("dec")).alias("dec"),
        pl.when(later).then(None).otherwise(pl.col("rec")).alias("rec"),
        pl.when(later)
        .then(None)
        .otherwise(pl.col("reason_place_change"))
        .alias("reason_place_change"),
        pl.when(later).then(None).otherwise(pl.col("age_at_end")).alias("age_at_end"),
        pl.when(pl.col("period_end") > at)
        .then(None)
        .otherwise(pl.col("period_end"))
        .alias("period_end"),
        pl.min_horizontal(pl.col("data_end").fill_null(at), pl.lit(at)).alias("data_end"),
    )


def _linear_trend(
    origin: dt.date, annual: list[tuple[dt.date, float]], targets: list[dt.date]
) -> np.ndarray:
    """Least-squares line through annual (date, count) points, evaluated at ``targets``."""
    if len(annual) < 2:
        return np.full(len(targets), annual[-1][1] if annual else np.nan)
    x = np.asarray([(d - origin).days for d, _ in annual], float) / DAYS_PER_YEAR
    y = np.asarray([c for _, c in annual], float)
    slope, intercept = np.polyfit(x, y, 1)
    xt = np.asarray([(d - origin).days for d in targets], float) / DAYS_PER_YEAR
    return intercept + slope * xt


@dataclass
class OriginBacktest:
    """One origin: the forecast made then, actuals and baselines per month, and the scores."""

    origin: dt.date
    table: (
        pl.DataFrame
    )  # date, breakdown, group, mean, p5..p95, actual, naive_last_value, naive_linear_trend
    metrics: pl.DataFrame
    by_council: pl.DataFrame | None = None  # total-only scores per council (several councils)
    regional_entry_shock: dict[str, Any] | None = (
        None  # the region's shared entry shock (several councils)
    )
    exit_reasons: pl.DataFrame | None = (
        None  # exits by reason over the horizon: simulated beside actual
    )
    council_tables: dict[str, pl.DataFrame] = field(
        default_factory=dict
    )  # each council's total, month by month


@dataclass
class BacktestResult:
    origins: list[OriginBacktest]
    horizon_months: int
    assumptions: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> pl.DataFrame:
        """Scores per origin plus pooled over all origins ("all")."""
        per = pl.concat(
            [
                o.metrics.with_columns(pl.lit(o.origin.isoformat()).alias("origin"))
                for o in self.origins
            ]
        )
        rows = pl.concat([o.table.filter(pl.col("horizon_month") > 0) for o in self.origins])
        pooled = score(rows).with_columns(pl.lit("all").alias("origin"))
        return pl.concat([per, pooled]).select("origin", *[c for c in per.columns if c != "origin"])

    def council_metrics(self) -> pl.DataFrame | None:
        """Total children in care per council: scores per origin and averaged over origins ("all")."""
        frames = [
            o.by_council.with_columns(pl.lit(o.origin.isoformat()).alias("origin"))
            for o in self.origins
            if o.by_council is not None
        ]
        if not frames:
            return None
        per = pl.concat(frames)
        mean = (
            per.group_by("council", "method", "breakdown", "group", maintain_order=True)
            .agg(
                pl.col("months").sum(),
                *[pl.col(c).mean() for c in per.columns if c.endswith("_pct")],
            )
            .with_columns(pl.lit("all").alias("origin"))
        )
        cols = ["origin", "council", *[c for c in per.columns if c not in ("origin", "council")]]
        return pl.concat([per.select(cols), mean.select(cols)])

    def headline(self) -> pl.DataFrame:
        """Total children in care, pooled over origins: one row per method."""
        return self.metrics.filter((pl.col("origin") == "all") & (pl.col("breakdown") == "total"))

    def payload(self) -> dict[str, Any]:
        """JSON: per origin the forecast in the ``forecast`` shape with actuals beside it, plus scores."""

        def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
            return frame.select(
                pl.col("date").cast(pl.Utf8),
                *[
                    pl.col(c).round(2)
                    for c in (
                        "mean",
                        *BAND_NAMES,
                        "actual",
                        "naive_last_value",
                        "naive_linear_trend",
                    )
                ],
            ).to_dicts()

        def one(o: OriginBacktest) -> dict[str, Any]:
            t = o.table

            def groups(b: str, t: pl.DataFrame = t) -> pl.Series:
                return (
                    t.filter(pl.col("breakdown") == b)
                    .get_column("group")
                    .unique(maintain_order=True)
                )

            return {
                "origin": o.origin.isoformat(),
                "total": rows(t.filter(pl.col("breakdown") == "total")),
                "by_category": {
                    g: rows(t.filter((pl.col("breakdown") == "category") & (pl.col("group") == g)))
                    for g in groups("category")
                },
                "by_age": {
                    g: rows(t.filter((pl.col("breakdown") == "age_band") & (pl.col("group") == g)))
                    for g in groups("age_band")
                },
                "metrics": o.metrics.to_dicts(),
            } | ({"regional_entry_shock": o.regional_entry_shock} if o.regional_entry_shock else {})

        docs = [one(o) for o in self.origins]
        out: dict[str, Any] = {
            "horizon_months": self.horizon_months,
            "metrics": self.metrics.to_dicts(),
            "assumptions": self.assumptions,
        }
        councils = self.council_metrics()
        if councils is not None:
            out["metrics_by_council"] = councils.to_dicts()
        if len(docs) == 1:
            return docs[0] | out
        return out | {"origins": docs}


def score(table: pl.DataFrame) -> pl.DataFrame:
    """MAPE, bias, error at the last month and band coverage per (breakdown, group), for each method."""
    frames = []
    last = pl.col("horizon_month") == pl.col("horizon_month").max()
    for method in METHODS:
        f = pl.col("mean") if method == "model" else pl.col(method)
        valid = table.filter(pl.col("actual") > 0)
        err = (f - pl.col("actual")) / pl.col("actual")
        aggs = [
            pl.len().alias("months"),
            err.abs().mean().alias("mape_pct"),
            err.mean().alias("bias_pct"),
            err.abs().filter(last).mean().alias("ape_at_horizon_pct"),
        ]
        if method == "model":
            aggs += [
                ((pl.col("actual") >= pl.col("p25")) & (pl.col("actual") <= pl.col("p75")))
                .mean()
                .alias("in_50_band_pct"),
                ((pl.col("actual") >= pl.col("p5")) & (pl.col("actual") <= pl.col("p95")))
                .mean()
                .alias("in_90_band_pct"),
            ]
        else:
            aggs += [
                pl.lit(None, pl.Float64).alias("in_50_band_pct"),
                pl.lit(None, pl.Float64).alias("in_90_band_pct"),
            ]
        frames.append(
            valid.group_by("breakdown", "group", maintain_order=True)
            .agg(aggs)
            .with_columns(pl.lit(method).alias("method"))
        )
    return pl.concat(frames).select(
        "method",
        "breakdown",
        "group",
        "months",
        "mape_pct",
        "bias_pct",
        "ape_at_horizon_pct",
        "in_50_band_pct",
        "in_90_band_pct",
    )


def _actuals(histories: list[CareHistory], days: list[dt.date], space: StateSpace) -> pl.DataFrame:
    """Actual children in care on ``days``: total, per category and per age band, summed over councils."""
    counts = pl.concat([history_counts(h, space, days) for h in histories])
    total = (
        counts.group_by("date")
        .agg(pl.col("children").sum())
        .with_columns(pl.lit("total").alias("breakdown"), pl.lit("total").alias("group"))
    )
    cat = (
        counts.group_by("date", "category")
        .agg(pl.col("children").sum())
        .rename({"category": "group"})
        .with_columns(pl.lit("category").alias("breakdown"))
    )
    age = (
        counts.group_by("date", "age_band")
        .agg(pl.col("children").sum())
        .rename({"age_band": "group"})
        .with_columns(pl.lit("age_band").alias("breakdown"))
    )
    return pl.concat(
        [
            t.select(
                "date", "breakdown", "group", pl.col("children").cast(pl.Float64).alias("actual")
            )
            for t in (total, cat, age)
        ]
    )


def _scored_table(
    result: ForecastResult,
    histories: list[CareHistory],
    at: dt.date,
    days: list[dt.date],
    space: StateSpace,
) -> pl.DataFrame:
    """The forecast's monthly bands on ``days`` beside the actuals and both naive baselines."""
    table = (
        result.summary()
        .filter(pl.col("date").is_in(days))
        .join(_actuals(histories, days, space), on=["date", "breakdown", "group"], how="left")
        .with_columns(
            pl.col("date")
            .replace_strict(days, list(range(len(days))), return_dtype=pl.Int64)
            .alias("horizon_month")
        )
    )
    data_start = max(h.data_start for h in histories)
    annual_days = [d for d in (add_months(at, -12 * j) for j in range(50)) if d >= data_start][::-1]
    base_rows = []
    for (breakdown, group), pts in _actuals(histories, annual_days, space).group_by(
        ["breakdown", "group"], maintain_order=True
    ):
        pts = pts.sort("date")
        points = list(
            zip(pts.get_column("date").to_list(), pts.get_column("actual").to_list(), strict=True)
        )
        base_rows.append(
            pl.DataFrame(
                {
                    "date": days,
                    "breakdown": [breakdown] * len(days),
                    "group": [group] * len(days),
                    "naive_last_value": [float(points[-1][1])] * len(days),
                    "naive_linear_trend": _linear_trend(at, points, days),
                }
            )
        )
    return table.join(pl.concat(base_rows), on=["date", "breakdown", "group"], how="left").sort(
        "breakdown", "group", "date"
    )


def backtest_origin(
    episodes: pl.DataFrame,
    at: dt.date,
    horizon_months: int = 12,
    *,
    categories: PlacementCategories | None = None,
    uasc: str = "include",
    **forecast_options: Any,
) -> OriginBacktest:
    """Forecast from ``at`` with only what was known then and score it against the full data."""
    if horizon_months < 1:
        raise ParameterError(
            "the backtest horizon must be at least 1 month",
            where=Location(field="horizon_months"),
            fix="use --horizon-months 12",
        )
    cats = categories or load_categories()
    histories = {
        c: care_history(e, categories=cats, uasc=uasc)
        for (c,), e in episodes.group_by(["council"], maintain_order=True)
    }
    data_end = min(h.data_end for h in histories.values())
    target_end = add_months(at, horizon_months)
    if target_end > data_end:
        raise ParameterError(
            f"a {horizon_months}-month backtest from {at:%d/%m/%Y} needs actuals to {target_end:%d/%m/%Y} but the data "
            f"ends {data_end:%d/%m/%Y}",
            where=Location(field="at"),
            fix=f"choose --at on or before {add_months(data_end, -horizon_months):%d/%m/%Y}",
        )
    region = forecast_councils(
        as_known_at(episodes, at),
        start=at,
        horizon_years=(target_end - at).days / DAYS_PER_YEAR,
        categories=cats,
        uasc=uasc,
        **forecast_options,
    )
    days = [add_months(at, k) for k in range(horizon_months + 1)]
    table = _scored_table(region.combined, list(histories.values()), at, days, region.space)
    per_council, tables = [], {}
    if len(region.results) > 1:
        for council, result in region.results.items():
            t = _scored_table(result, [histories[council]], at, days, region.space).filter(
                (pl.col("breakdown") == "total") & (pl.col("horizon_month") > 0)
            )
            tables[council] = t
            per_council.append(score(t).with_columns(pl.lit(council).alias("council")))
    by_council = pl.concat(per_council) if per_council else None
    reasons = reason_table(region.combined, list(histories.values()), at, horizon_months)
    return OriginBacktest(
        at,
        table,
        score(table.filter(pl.col("horizon_month") > 0)),
        by_council,
        region.combined.assumptions_.get("regional_entry_shock"),
        reasons,
        tables,
    )


def rolling_origins(
    episodes: pl.DataFrame, horizon_months: int, window_years: float, n: int | None = None
) -> list[dt.date]:
    """Yearly-spaced origins, latest first possible, each with a full window before and actuals after."""
    n = n or defaults().rolling_origins
    ends = episodes.group_by("council").agg(pl.col("data_end").max()).get_column("data_end")
    data_end = ends.min()
    years = episodes.get_column("collection_year").drop_nulls()
    data_start = (
        collection_year_bounds(int(years.min()))[0]
        if years.len()
        else episodes.get_column("decom").min()
    )
    latest = add_months(data_end, -horizon_months)
    earliest = add_months(data_start, round(12 * window_years))
    origins = [d for d in (add_months(latest, -12 * k) for k in range(n)) if d >= earliest]
    if not origins:
        raise InsufficientDataError(
            f"the data ({data_start:%d/%m/%Y} to {data_end:%d/%m/%Y}) is too short for a {window_years:g}-year window "
            f"plus a {horizon_months}-month backtest",
            where=Location(field="window_years"),
            fix="load more years of returns, or use a shorter --window-years or --horizon-months",
        )
    return origins[::-1]


def backtest(
    episodes: pl.DataFrame,
    *,
    at: dt.date | None = None,
    horizon_months: int = 12,
    rolling: bool = False,
    n_origins: int | None = None,
    **options: Any,
) -> BacktestResult:
    """One backtest at ``at``, or rolling backtests at yearly-spaced past origins.

    ``options`` are those of :func:`forecast_councils` (n_sims, seed, window_years, trend, …).
    """
    window = options.get("window_years") or defaults().window_years
    if rolling:
        origins = rolling_origins(episodes, horizon_months, window, n_origins)
    elif at is None:
        raise ParameterError(
            "a backtest needs an origin date",
            where=Location(field="at"),
            fix="pass --at DATE (e.g. 2023-03-31) or --rolling",
        )
    else:
        origins = [at]
    done = [backtest_origin(episodes, o, horizon_months, **options) for o in origins]
    return BacktestResult(
        done,
        horizon_months,
        {
            "origins": [o.isoformat() for o in origins],
            "horizon_months": horizon_months,
            "point_forecast": "mean of the simulations",
            "naive_last_value": "count on the origin date held flat",
            "naive_linear_trend": "least-squares line through the count on the origin date and the same day of each "
            "earlier year in the data (CCN lower projection method)",
            "options": {
                k: str(v) if isinstance(v, Path) else v
                for k, v in options.items()
                if k != "categories"
            },
        },
    )
