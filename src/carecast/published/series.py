"""The panel as arrays (areas x years) for the forecast, and the child population ahead.

Arrays hold NaN where a figure is missing; each model step says how it treats NaN. ``stock`` is
children looked after on 31 March of the year, ``starts``/``ceased`` the children starting and
ceasing during the year ending then, ``population`` the children aged 0-17 (ONS, mid-year before).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

TREND_YEARS = 5  # population years a trend is fitted on when no projection is given


@dataclass(frozen=True)
class Series:
    keys: list[str]
    names: list[str]
    regions: np.ndarray  # region code per area
    region_names: dict[str, str]
    years: np.ndarray  # years ending 31 March
    stock: np.ndarray
    starts: np.ndarray
    ceased: np.ndarray
    population: np.ndarray

    def index(self, year: int) -> int:
        return int(np.searchsorted(self.years, year))

    def upto(self, year: int) -> Series:
        """The series as known on 31 March ``year`` (later years dropped)."""
        j = self.index(year) + 1
        return Series(
            self.keys,
            self.names,
            self.regions,
            self.region_names,
            self.years[:j],
            self.stock[:, :j],
            self.starts[:, :j],
            self.ceased[:, :j],
            self.population[:, :j],
        )

    def take(self, rows: np.ndarray) -> Series:
        """Only the areas in ``rows`` (a boolean mask or indices)."""
        idx = np.flatnonzero(rows) if rows.dtype == bool else rows
        return Series(
            [self.keys[i] for i in idx],
            [self.names[i] for i in idx],
            self.regions[idx],
            self.region_names,
            self.years,
            self.stock[idx],
            self.starts[idx],
            self.ceased[idx],
            self.population[idx],
        )


def from_panel(panel: pl.DataFrame) -> Series:
    """Arrays from :func:`carecast.published.panel.build`'s table."""
    years = sorted(panel["year"].unique())
    meta = (
        panel.group_by("key")
        .agg(pl.col("name").first(), pl.col("region_code").first(), pl.col("region_name").first())
        .sort("key")
    )

    def grid(measure: str) -> np.ndarray:
        wide = panel.pivot("year", index="key", values=measure).sort("key")
        return wide.select([str(y) for y in years]).to_numpy().astype(float)

    return Series(
        keys=meta["key"].to_list(),
        names=meta["name"].to_list(),
        regions=meta["region_code"].to_numpy(),
        region_names=dict(zip(meta["region_code"], meta["region_name"], strict=True)),
        years=np.asarray(years),
        stock=grid("stock"),
        starts=grid("starts"),
        ceased=grid("ceased"),
        population=grid("population"),
    )


def trended_population(known: np.ndarray, years: np.ndarray, ahead: np.ndarray) -> np.ndarray:
    """Each area's population in the years ``ahead``: a log-linear trend through its last
    ``TREND_YEARS`` known estimates (the ONS estimates trended, as no projection is given).

    A trend, not a projection: it carries recent growth on, which over five years is within a
    few per cent of the ONS sub-national projections' usual movement for 0-17s."""
    k = min(TREND_YEARS, known.shape[1])
    x = years[-k:].astype(float)
    y = np.log(known[:, -k:])
    if k < 2:
        return np.repeat(known[:, -1:], len(ahead), axis=1)
    xc = x - x.mean()
    slope = ((y - y.mean(1, keepdims=True)) * xc).sum(1) / (xc @ xc)
    return np.exp(y[:, -1:] + slope[:, None] * (ahead[None, :] - x[-1]))
