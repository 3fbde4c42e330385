"""``carecast published forecast``: every council's, region's and England's children looked
after on 31 March for the years after an origin, with bands, from the published statistics.

Regions and England are sums of the councils' simulations (so p50 of England is not the sum of
councils' p50s, and bands are of the total). A reorganised area (see
:mod:`carecast.published.reorganisations`) is forecast as one and, when its successors existed
at the origin, split back to them by their shares of the origin year's stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from carecast.errors import InsufficientDataError, ParameterError
from carecast.published import model, panel, series
from carecast.published.load import Published, load

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BANDS = ("p5", "p25", "p50", "p75", "p95")
MAX_HORIZON = 10


@dataclass(frozen=True)
class ForecastRequest:
    """What to forecast; checked before any data is read."""

    folder: Path
    horizon_years: int
    origin: int | None = None
    simulations: int = 2000
    seed: int = model.DEFAULT_SEED

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_years <= MAX_HORIZON:
            raise ParameterError(
                f"--horizon-years {self.horizon_years} is out of range",
                fix=f"give a whole number of years from 1 to {MAX_HORIZON}",
            )
        if not 200 <= self.simulations <= 20000:
            raise ParameterError(
                "simulations must be between 200 and 20,000", fix="use the default (2,000)"
            )


@dataclass
class PublishedForecast:
    request: ForecastRequest
    origin: int
    published: Published
    fit: model.Fit
    councils: pl.DataFrame  # ons_code, dfe_number, name, region_code, year, p5..p95
    regions: pl.DataFrame
    england: pl.DataFrame
    not_forecast: pl.DataFrame
    history: pl.DataFrame  # the panel the forecast started from
    splits: pl.DataFrame = field(default_factory=pl.DataFrame)


def _quantiles(sims: np.ndarray, years: np.ndarray) -> dict[str, np.ndarray]:
    """p5..p95 of (n, rows, horizon) simulations, each (rows, horizon)."""
    q = np.quantile(sims, QUANTILES, axis=0)
    return {b: q[i] for i, b in enumerate(BANDS)}


def _long(ids: pl.DataFrame, bands: dict[str, np.ndarray], years: np.ndarray) -> pl.DataFrame:
    h = len(years)
    out = ids.select(pl.all().repeat_by(h).explode()).with_columns(
        pl.Series("year", np.tile(years, ids.height), dtype=pl.Int32)
    )
    return out.with_columns(*[pl.Series(b, np.round(v.reshape(-1), 0)) for b, v in bands.items()])


def _split(s: series.Series, sims: np.ndarray, shares: pl.DataFrame, meta: pl.DataFrame):
    """Rows (ids) and simulations with each reorganised area replaced by its successors."""
    ids, parts = [], []
    share_of = {a: g for a, g in shares.partition_by("area", as_dict=True).items()}
    for i, key in enumerate(s.keys):
        group = share_of.get((key,))
        if group is None:
            ids.append(meta.row(i, named=True))
            parts.append(sims[:, i : i + 1])
            continue
        for row in group.iter_rows(named=True):
            ids.append(
                {
                    "key": key,
                    "ons_code": row["ons_code"],
                    "dfe_number": row["dfe_number"],
                    "name": row["name"],
                    "region_code": row["region_code"],
                }
            )
            parts.append(sims[:, i : i + 1] * row["share"])
    return pl.DataFrame(ids).select(meta.columns), np.concatenate(parts, axis=1)


def aggregate(sims: np.ndarray, regions: np.ndarray):
    """Region and England totals of council simulations (n, councils, horizon), simulation by
    simulation: (region codes, (n, regions, horizon), (n, horizon))."""
    codes = sorted(set(regions))
    by_region = np.stack([sims[:, regions == r].sum(1) for r in codes], axis=1)
    return codes, by_region, sims.sum(1)


def run(request: ForecastRequest) -> PublishedForecast:
    published = load(request.folder)
    table = panel.build(published)
    full = series.from_panel(table)
    years = [int(y) for y in full.years]
    origin = request.origin if request.origin is not None else years[-1]
    if origin not in years or origin < years[1]:
        raise ParameterError(
            f"--origin {origin} is not a year the published figures cover with a year before it",
            fix=f"give a year from {years[1]} to {years[-1]}",
        )
    at = full.stock[:, full.index(origin)]
    usable = np.isfinite(at) & (at > 0)
    if usable.sum() < 10:
        raise InsufficientDataError(
            f"only {usable.sum()} councils have a stock in {origin}", fix="choose a later origin"
        )
    s = full.take(usable)
    f = model.fit(s, origin)
    pop = model.population_ahead(f.series, origin, request.horizon_years, known=s)
    sims = model.simulate(
        f, request.horizon_years, n=request.simulations, seed=request.seed, population=pop
    )
    ahead = np.arange(origin + 1, origin + request.horizon_years + 1)
    meta = (
        panel.areas(published)
        .filter(pl.col("key").is_in(s.keys))
        .sort("key")
        .select("key", "ons_code", "dfe_number", "name", "region_code")
    )
    shares = panel.successor_shares(published, origin)
    ids, council_sims = _split(s, sims, shares, meta)
    councils = _long(ids.drop("key"), _quantiles(council_sims, ahead), ahead)
    region_codes, region_sims, england_sims = aggregate(sims, s.regions)
    regions = _long(
        pl.DataFrame(
            {"region_code": region_codes, "name": [s.region_names[r] for r in region_codes]}
        ),
        _quantiles(region_sims, ahead),
        ahead,
    )
    england = _long(
        pl.DataFrame({"name": ["England"]}), _quantiles(england_sims[:, None, :], ahead), ahead
    )
    missing = (
        panel.areas(published)
        .filter(~pl.col("key").is_in(s.keys))
        .select(
            "ons_code",
            "dfe_number",
            "name",
            pl.lit(
                f"no published stock on 31 March {origin} (withheld or council not existing)"
            ).alias("reason"),
        )
    )
    return PublishedForecast(
        request,
        origin,
        published,
        f,
        councils,
        regions,
        england,
        missing,
        table.filter(pl.col("year") <= origin),
        shares,
    )


def published_series(p: Published, level: str) -> pl.DataFrame:
    """The published stock, starts and ceased of England or the regions, by year."""
    rows = p.cla.filter(pl.col("level") == level, pl.col("outcome").str.starts_with("used"))
    keys = ["region_code", "region_name", "year"] if level == "Region" else ["year"]
    return rows.pivot("measure", index=keys, values="value").sort(keys)
