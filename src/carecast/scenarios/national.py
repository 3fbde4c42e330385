"""The CCN report's national baseline projection of children in care, reproducible from counts.

The report (endnote 8) projects England's children in care to 2025 two ways from the DfE's
31 March counts: a *lower* bound by linear extrapolation of 2011-2020, and an *upper* bound by
compounding the average annual growth rate of 2017-2020 forward from 2020. carecast uses the
same two methods as the naive baselines a council's own model must beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml


def linear_trend(years: list[int], counts: list[float], target_years: list[int]) -> np.ndarray:
    """Least-squares straight line through (year, count), evaluated at ``target_years``."""
    slope, intercept = np.polyfit(np.asarray(years, float), np.asarray(counts, float), 1)
    return intercept + slope * np.asarray(target_years, float)


def compound_growth(
    years: list[int], counts: list[float], target_years: list[int], *, since: int
) -> np.ndarray:
    """Average year-on-year growth rate from ``since`` to the last year, compounded from the last count."""
    y = np.asarray(years)
    c = np.asarray(counts, float)
    window = c[y >= since]
    rate = float(np.mean(window[1:] / window[:-1]) - 1.0)
    return c[-1] * (1.0 + rate) ** (np.asarray(target_years) - y[-1])


@dataclass(frozen=True)
class NationalBaseline:
    years: list[int]
    counts: list[int]
    lower_2025: float
    upper_2025: float
    source: str


def ccn_national_baseline(target_year: int = 2025) -> NationalBaseline:
    """Reproduce the CCN 2025 range from the published counts in ``data/england_cla_counts.yaml``."""
    doc = yaml.safe_load(
        resources.files("carecast.scenarios")
        .joinpath("data/england_cla_counts.yaml")
        .read_text("utf-8")
    )
    years = sorted(doc["counts"])
    counts = [doc["counts"][y] for y in years]
    lower = float(linear_trend(years, counts, [target_year])[0])
    upper = float(compound_growth(years, counts, [target_year], since=2017)[0])
    return NationalBaseline(years, counts, lower, upper, doc["reference"])
