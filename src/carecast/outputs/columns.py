"""What each column of a report holds (its kind) and how it reads, declared once for every writer.

A report's table holds plain values: counts as numbers, money in pounds, percentages as fractions
0-1 (never 0-100), probabilities 0-1, dates as dates. Every column has a :class:`Column` — a
:class:`Kind`, a heading and a unit — that the Excel, HTML, CSV and JSON writers format from, so
no writer guesses and no two format the same figure differently.

Most columns are declared by the naming convention carecast keeps everywhere (``*_pct`` is a
percentage, ``*_gbp``/``*cost*`` money, ``p_*`` a probability, ``p5``..``p95`` a quantile of the
table's measure), in :data:`RULES`, checked in order. A table overrides any of them by passing
``Section(columns={"name": Kind.SCORE})``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from carecast.outputs.vocabulary import heading


class Kind(StrEnum):
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"  # a fraction 0-1 shown as a percentage
    PROBABILITY = "probability"  # 0-1, shown as a percentage chance
    RATE = "rate per 10,000"
    SCORE = "score"  # points on a scale (matching, weights): not money, not a count
    NUMBER = "number"  # a measured quantity with decimals (mean age, places per home, slope)
    DATE = "date"
    FINANCIAL_YEAR = "financial year"
    TEXT = "text"


UNITS = {
    Kind.MONEY: "£",
    Kind.PERCENT: "%",
    Kind.PROBABILITY: "%",
    Kind.RATE: "per 10,000",
    Kind.COUNT: "",
    Kind.SCORE: "points",
    Kind.NUMBER: "",
    Kind.DATE: "",
    Kind.FINANCIAL_YEAR: "",
    Kind.TEXT: "",
}

# (pattern on the column id, kind); the first that matches wins. Order matters: "variance_pct" is
# a percentage before "variance" is money, "councils_at_0_pct" a count before "_pct" a percentage.
RULES: tuple[tuple[str, Kind], ...] = (
    (r"^(fy|financial_year|year_label|next_year_label|from_year|to_year)$", Kind.FINANCIAL_YEAR),
    (
        r"(^|_)(urn|code|id|group|dfe_number|year|collection_year|age|row|rank|of|months|horizon_month|"
        r"ramp_months|horizon_months|months_covered)$",
        Kind.TEXT,
    ),
    (r"^councils_at_|^n_|_n$|^n$|^councils$", Kind.COUNT),
    (r"^p_|probability|^chance", Kind.PROBABILITY),
    (r"per_10k|per_10000|rate_per_10", Kind.RATE),
    (r"score|points|weight|^pts_", Kind.SCORE),
    (r"_pct$|share|^coverage_90$|utilisation|_rate_of", Kind.PERCENT),
    (
        r"cost|spend|budget|saving|_gbp$|outturn|variance|price|commitment|deficit|grant|funding|"
        r"income|expenditure|_value_gbp",
        Kind.MONEY,
    ),
    (
        r"^(mean_age|age_mean|places_per|slope|intercept|r_squared|published_r_squared|x|y|fitted_y|"
        r"value|council_value|neighbour_mean|neighbour_min|neighbour_max|children_per_household|"
        r"plan_years|distance|miles|weeks|days|mean_.*|min_.*|max_.*|.*_per_.*|.*_rate|rate_.*|"
        r"amount|ratio|factor|change)$",
        Kind.NUMBER,
    ),
)
_COMPILED = tuple((re.compile(p), k) for p, k in RULES)


@dataclass(frozen=True)
class Column:
    """How one column reads: its kind, its heading and the unit a CSV/JSON header names."""

    name: str
    kind: Kind
    label: str

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


def kind_of(name: str, dtype: pl.DataType) -> Kind:
    """A column's kind from its declared naming convention, else from its type."""
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        return Kind.DATE
    if dtype == pl.Boolean:
        return Kind.TEXT
    n = name.lower()
    for pattern, kind in _COMPILED:
        if pattern.search(n):
            return kind
    if (
        dtype.is_integer() or dtype == pl.Utf8
    ):  # text columns of counts carry "c" for suppressed cells
        return Kind.COUNT if dtype.is_integer() else Kind.TEXT
    if dtype.is_float():
        return Kind.COUNT  # forecast means and quantiles of children, plans, places, entrants
    return Kind.TEXT


def columns_of(df: pl.DataFrame, declared: dict[str, Kind] | None = None) -> dict[str, Column]:
    """Every column of ``df`` with its kind and heading (``declared`` overrides the conventions)."""
    declared = declared or {}
    return {
        c: Column(c, declared.get(c) or kind_of(c, df.schema[c]), heading(c)) for c in df.columns
    }
