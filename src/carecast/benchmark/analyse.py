"""Run the whole "Under pressure" benchmarking on a panel: the plain-Python entry point.

>>> from carecast.benchmark import synthetic_panel, analyse_frame
>>> result = analyse_frame(synthetic_panel(["Lewisham", "Lambeth", "Southwark", "Greenwich"],
...                                        range(2014, 2018), seed=1), council="Lewisham")
>>> result.regressions.height
3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carecast.benchmark import budgets, contributions, neighbours, per_head, quadrants, regression
from carecast.benchmark.measures import catalogue, parameters
from carecast.benchmark.panel import ISSUE_SCHEMA, LONG_SCHEMA, Panel, parse_year
from carecast.benchmark.series import Coverage, coverage_frame
from carecast.errors import InsufficientDataError, NotFoundError, ParameterError
from carecast.schema import financial_year_label, find_council


@dataclass
class BenchmarkResult:
    """Every table of the benchmarking, the coverage of each figure, and the fitted lines."""

    panel: Panel
    council: str
    years: list[int]
    neighbours: list[str]
    neighbours_source: str
    deficit_by_council: pl.DataFrame
    deficit_summary: pl.DataFrame
    forward_risk_by_council: pl.DataFrame
    forward_risk_summary: pl.DataFrame
    per_head_by_council: pl.DataFrame
    per_head_summary: pl.DataFrame
    neighbour_summary: pl.DataFrame
    neighbour_detail: pl.DataFrame
    per_head_change_by_council: pl.DataFrame | None = None
    per_head_change_summary: pl.DataFrame | None = None
    trend_growth: pl.DataFrame | None = None
    trend_by_year: pl.DataFrame | None = None
    regressions: pl.DataFrame | None = None
    regression_points: pl.DataFrame | None = None
    fits: dict[str, regression.LineFit] = field(default_factory=dict)
    quadrant_by_council: pl.DataFrame | None = None
    quadrant_summary: pl.DataFrame | None = None
    quadrant_component_growth: pl.DataFrame | None = None
    contributions: pl.DataFrame | None = None
    coverage: list[Coverage] = field(default_factory=list)
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))

    @property
    def first_year(self) -> int:
        return min(self.years)

    @property
    def last_year(self) -> int:
        return max(self.years)

    def coverage_table(self) -> pl.DataFrame:
        return coverage_frame(self.coverage)


def _year(value: int | str | None, name: str) -> int | None:
    if value is None:
        return None
    year = parse_year(str(value))
    if year is None:
        raise ParameterError(
            f"{name} '{value}' is not a financial year", fix="write it as 2017-18 or 2017"
        )
    return year


def _last_spend_year(panel: Panel) -> int | None:
    spend = [spec["spend"] for spec in parameters()["services"].values()]
    years = panel.data.filter(pl.col("measure").is_in(spend))["year"]
    return int(years.max()) if years.len() else None


def analyse(
    panel: Panel,
    council: str,
    *,
    neighbours_file: str | Path | None = None,
    first_year: int | str | None = None,
    last_year: int | str | None = None,
) -> BenchmarkResult:
    """Benchmark ``council`` against the other councils in ``panel`` (and its neighbours)."""
    chosen = find_council(council).name
    if chosen not in panel.councils:
        raise NotFoundError(
            f"{chosen} is not in the panel", fix=f"choose one of: {', '.join(panel.councils)}"
        )
    first, last = _year(first_year, "--first-year"), _year(last_year, "--last-year")
    if last is None:  # a year with budgets but no spend yet is "next year", not the last year
        last = _last_spend_year(panel)
    years = [
        y for y in panel.years if (first is None or y >= first) and (last is None or y <= last)
    ]
    if not years:
        raise InsufficientDataError(
            "the panel has no figures in the years asked for",
            fix=f"choose years between {financial_year_label(panel.years[0])} and {financial_year_label(panel.years[-1])}",
        )
    full = panel.wide()
    wide = full.filter(pl.col("year").is_in(years))
    issues = panel.issues
    if neighbours_file is not None:
        group, bad = neighbours.load_neighbours(neighbours_file, chosen)
        issues = pl.concat([issues, bad])
        source = f"statistical neighbours from {neighbours_file}"
    else:
        group = [c for c in panel.councils if c != chosen]
        source = "every other council in the panel (no neighbours file given)"
    end = max(years)
    d_detail, d_summary, d_cov = budgets.deficits(wide, years)
    f_detail, f_summary, f_cov = budgets.forward_risk(full.filter(pl.col("year") <= end + 1), years)
    l_detail, l_summary, l_cov = per_head.levels(wide, end)
    n_summary, n_detail, n_cov = neighbours.compare(wide, chosen, group, end)
    result = BenchmarkResult(
        panel=panel,
        council=chosen,
        years=years,
        neighbours=group,
        neighbours_source=source,
        deficit_by_council=d_detail,
        deficit_summary=d_summary,
        forward_risk_by_council=f_detail,
        forward_risk_summary=f_summary,
        per_head_by_council=l_detail,
        per_head_summary=l_summary,
        neighbour_summary=n_summary,
        neighbour_detail=n_detail,
        coverage=[*d_cov, *f_cov, *l_cov, *n_cov],
        issues=issues,
    )
    if len(years) >= 2:
        result.per_head_change_by_council, result.per_head_change_summary, c_cov = per_head.changes(
            wide, years
        )
        result.trend_growth, result.trend_by_year, t_cov = per_head.trends(wide, years)
        result.regressions, result.regression_points, r_cov, result.fits = regression.regressions(
            wide, years
        )
        (
            result.quadrant_by_council,
            result.quadrant_summary,
            result.quadrant_component_growth,
            q_cov,
        ) = quadrants.quadrants(wide, years)
        result.contributions, k_cov = contributions.contributions(
            wide, parameters()["contribution_totals"], years
        )
        result.coverage += [*c_cov, *t_cov, *r_cov, *q_cov, *k_cov]
    return result


def analyse_frame(frame: pl.DataFrame, council: str, **kwargs) -> BenchmarkResult:
    """:func:`analyse` on an in-memory wide panel (as :func:`synthetic_panel` returns)."""
    ids = [m for m in catalogue().measures if m in frame.columns]
    long = (
        frame.with_row_index("row", offset=2)
        .unpivot(
            index=["council", "year", "row"], on=ids, variable_name="measure", value_name="value"
        )
        .drop_nulls("value")
        .with_columns(
            pl.lit("(in memory)").alias("file"),
            pl.col("measure").alias("column"),
            pl.col("year").cast(pl.Int32),
            pl.col("row").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
        )
        .select(list(LONG_SCHEMA))
    )
    return analyse(Panel(data=long, sources=["(in memory)"]), council, **kwargs)
