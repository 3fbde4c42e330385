"""One-variable regressions across councils, with R² (Under pressure: "around 48% of the variation
between boroughs in per capita expenditure can be explained by variations in the number of looked
after children").

Ordinary least squares of y on x::

    slope = Sxy / Sxx,  intercept = ȳ − slope·x̄,  R² = Sxy² / (Sxx·Syy)

where Sxy = Σ(x−x̄)(y−ȳ). R² is the share of the variation in y across councils that a straight
line in x accounts for. The variables are defined in ``data/analysis.yaml``: a level in the last
year (measure ÷ population × scale) or the percentage change from the first to the last year.
Every point keeps its numerator and denominator so the figure can be traced to its inputs.

Example
-------
>>> fit = fit_line([0.0, 1.0, 2.0], [0.0, 1.0, 1.0])
>>> round(fit.r_squared, 6), round(fit.slope, 6)
(0.75, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from carecast.benchmark.measures import parameters
from carecast.benchmark.series import Coverage, complete


@dataclass(frozen=True)
class LineFit:
    """A fitted line y = intercept + slope·x over n points."""

    slope: float
    intercept: float
    r_squared: float
    n: int

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)


def fit_line(x, y) -> LineFit:
    """Least-squares line through (x, y). R² is NaN when x or y does not vary."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.size < 2:
        raise ValueError("fit_line needs two equal-length arrays of at least 2 points")
    dx, dy = xa - xa.mean(), ya - ya.mean()
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    if sxx == 0.0:
        return LineFit(float("nan"), float("nan"), float("nan"), xa.size)
    slope = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else float("nan")
    return LineFit(slope, float(ya.mean() - slope * xa.mean()), r2, xa.size)


def _variable(
    wide: pl.DataFrame, spec: dict[str, Any], years: list[int], axis: str
) -> tuple[list[str], pl.DataFrame]:
    """The measures a variable needs, and a per-council frame of its numerator, denominator, value."""
    measure = spec["measure"]
    base, end = min(years), max(years)
    if spec.get("change") == "pct":
        b = wide.filter(pl.col("year") == base).select("council", pl.col(measure).alias("b"))
        e = wide.filter(pl.col("year") == end).select("council", pl.col(measure).alias("e"))
        frame = b.join(e, on="council").select(
            "council",
            (pl.col("e") - pl.col("b")).alias(f"{axis}_numerator"),
            pl.col("b").alias(f"{axis}_denominator"),
        )
        scale = 100.0
        needed = [measure]
    else:
        per = spec["per"]
        frame = wide.filter(pl.col("year") == end).select(
            "council",
            pl.col(measure).alias(f"{axis}_numerator"),
            pl.col(per).alias(f"{axis}_denominator"),
        )
        scale = float(spec.get("scale", 1))
        needed = [measure, per]
    frame = frame.with_columns(
        (pl.col(f"{axis}_numerator") / pl.col(f"{axis}_denominator") * scale).alias(axis)
    )
    return needed, frame


def regressions(
    wide: pl.DataFrame, years: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame, list[Coverage], dict[str, LineFit]]:
    """Fit every regression in ``analysis.yaml``: summary table, points table, coverage, fits."""
    params = parameters()
    rows, points, coverage, fits = [], [], [], {}
    for rid, spec in params["regressions"].items():
        nx, fx = _variable(wide, spec["x"], years, "x")
        ny, fy = _variable(wide, spec["y"], years, "y")
        is_change = spec["x"].get("change") or spec["y"].get("change")
        window = years if is_change else [max(years)]
        cov = complete(wide, sorted(set(nx + ny)), window, f"Regression: {spec['title']}")
        pts = (
            fx.join(fy, on="council")
            .filter(pl.col("council").is_in(cov.councils))
            .filter(pl.col("x").is_finite() & pl.col("y").is_finite())
            .sort("council")
        )
        dropped = set(cov.councils) - set(pts["council"].to_list())
        for c in dropped:  # a zero denominator makes a ratio meaningless
            cov.excluded[c] = "a denominator is zero"
        cov.councils = pts["council"].to_list()
        coverage.append(cov)
        enough = pts.height >= int(params["min_councils_for_regression"])
        fit = fit_line(pts["x"].to_numpy(), pts["y"].to_numpy()) if enough else None
        if fit is not None:
            fits[rid] = fit
            pts = pts.with_columns(pl.Series("fitted_y", fit.predict(pts["x"].to_numpy())))
        else:
            pts = pts.with_columns(pl.lit(None, dtype=pl.Float64).alias("fitted_y"))
        points.append(
            pts.select(
                pl.lit(rid).alias("regression"),
                "council",
                "x_numerator",
                "x_denominator",
                "x",
                "y_numerator",
                "y_denominator",
                "y",
                "fitted_y",
            )
        )
        rows.append(
            {
                "regression": rid,
                "title": spec["title"],
                "x": spec["x"]["label"],
                "y": spec["y"]["label"],
                "n": pts.height,
                "slope": fit.slope if fit else None,
                "intercept": fit.intercept if fit else None,
                "r_squared": fit.r_squared if fit else None,
                "published_r_squared": spec.get("published_r_squared"),
                "note": ""
                if fit
                else f"fewer than {params['min_councils_for_regression']} councils with complete data",
            }
        )
    summary = pl.DataFrame(
        rows,
        schema={
            "regression": pl.Utf8,
            "title": pl.Utf8,
            "x": pl.Utf8,
            "y": pl.Utf8,
            "n": pl.Int64,
            "slope": pl.Float64,
            "intercept": pl.Float64,
            "r_squared": pl.Float64,
            "published_r_squared": pl.Float64,
            "note": pl.Utf8,
        },
    )
    return summary, pl.concat(points), coverage, fits
