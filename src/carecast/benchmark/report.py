"""Turn a :class:`BenchmarkResult` into a :class:`carecast.outputs.Report`.

Each section leads with the sentences a finance officer would quote, then its charts, then the
tables the charts are drawn from. Every figure table carries its numerators and denominators,
``coverage`` lists the n and the councils in every figure (and who was left out and why), and the
``inputs`` table is the panel as loaded with the file and row of each figure, so every number on
the HTML page can be traced in the Excel output.
"""

from __future__ import annotations

import polars as pl

from carecast.benchmark import charts
from carecast.benchmark.analyse import BenchmarkResult
from carecast.benchmark.measures import catalogue, parameter_references, parameters
from carecast.benchmark.series import years_text
from carecast.outputs import Report, Section, run_metadata
from carecast.schema import financial_year_label

TRACE_NOTE = (
    "Every number here is in the Excel output: each table has its numerators and denominators, "
    "'coverage' lists the councils in each figure, and 'inputs' gives the file and row of each figure."
)


def _money(x: float | None) -> str:
    if x is None:
        return "n/a"
    sign = "−" if x < 0 else ""
    return f"{sign}£{abs(x) / 1e6:,.1f}m" if abs(x) >= 1e6 else f"{sign}£{abs(x):,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _budget_section(r: BenchmarkResult) -> Section:
    end = financial_year_label(r.last_year)
    lines, figures = [], []
    for key, spec in parameters()["services"].items():
        row = r.deficit_summary.filter(
            (pl.col("service") == key)
            & (pl.col("year") == r.last_year)
            & pl.col("basis").str.starts_with("all")
        )
        if row.height and row["n"].item():
            s = row.row(0, named=True)
            lines.append(
                f"{spec['label']} {end}: {s['n_in_deficit']} of {s['n']} councils spent more than their budget; "
                f"together {_money(s['deficit_gbp'])} ({_pct(s['deficit_pct'])} of budget)."
            )
        d = r.deficit_by_council.filter(
            (pl.col("service") == key) & (pl.col("year") == r.last_year)
        )
        if d.height:
            figures.append(
                charts.ranked_bars(
                    d,
                    "deficit_pct",
                    f"{spec['label']}: in-year deficit as % of budget, {end} (n = {d.height})",
                    "Deficit % of budget",
                    r.council,
                    percent=True,
                )
            )
    series = r.deficit_summary.filter(pl.col("basis").str.starts_with("complete"))
    if len(r.years) > 1 and series.height:
        figures.insert(
            0,
            charts.deficit_trend(
                series, f"In-year deficit, councils with a complete series, {years_text(r.years)}"
            ),
        )
    return Section(
        title="Spend against budget",
        text=" ".join(lines)
        + " In-year deficit % = (spend − budget) / budget; positive = overspent.",
        tables={
            "deficit_summary": r.deficit_summary.drop("service", "year"),
            "deficit_by_council": r.deficit_by_council.drop("service", "year"),
        },
        figures=figures,
        notes=[
            "Pooled rows divide the sum of deficits by the sum of budgets. 'Complete series' rows use only the "
            "councils with spend and budget in every year, so the years compare like with like.",
            TRACE_NOTE,
        ],
    )


def _forward_section(r: BenchmarkResult) -> Section:
    s = r.forward_risk_summary.filter(pl.col("year") == pl.col("year").max())
    lines = [
        f"{row['service_label']}: outturn {row['year_label']} exceeded the next year's budget in "
        f"{row['n_exceeding']} of {row['n']} councils ({_pct(row['exceeding_share'])})."
        for row in s.iter_rows(named=True)
    ]
    return Section(
        title="Outturn against next year's budget (forward risk)",
        text=" ".join(lines)
        or "The panel has no pair of consecutive years with outturn and the next year's budget.",
        tables={
            "forward_risk_summary": r.forward_risk_summary.drop("service", "year"),
            "forward_risk_by_council": r.forward_risk_by_council.drop("service", "year"),
        },
        notes=[
            "'Either service' counts councils whose outturn exceeds next year's budget in children's social care "
            "or high needs, among councils with both comparisons."
        ],
    )


def _per_head_section(r: BenchmarkResult) -> Section:
    figures, lines = [], []
    for row in r.per_head_summary.iter_rows(named=True):
        lines.append(
            f"{row['service_label']} {row['basis']} ({row['year_label']}, n = {row['n']}): "
            f"{_money(row['min_spend'])} ({row['min_council']}) to {_money(row['max_spend'])} "
            f"({row['max_council']}), mean {_money(row['mean_spend'])}."
        )
        d = r.per_head_by_council.filter(
            (pl.col("service_label") == row["service_label"]) & (pl.col("basis") == row["basis"])
        )
        figures.append(
            charts.ranked_bars(
                d,
                "spend_per_person",
                f"{row['service_label']} spend {row['basis']}, "
                f"{row['year_label']} (n = {d.height})",
                "£",
                r.council,
                mean=row["mean_spend"],
            )
        )
    return Section(
        title="Spend per head and per deprived child",
        text=" ".join(lines),
        tables={
            "per_head_summary": r.per_head_summary.drop("service"),
            "per_head_by_council": r.per_head_by_council.drop("service"),
        },
        figures=figures,
        notes=[
            "Rank 1 = highest. Mean = unweighted mean of councils; pooled = total spend ÷ total population."
        ],
    )


def _change_section(r: BenchmarkResult) -> Section | None:
    if r.per_head_change_summary is None:
        return None
    figures, lines = [], []
    for row in r.per_head_change_summary.iter_rows(named=True):
        lines.append(
            f"{row['service_label']} ({row['years']}, n = {row['n']}): spend per head changed by "
            f"{_money(row['mean_spend_per_head_change'])} on average, from {_money(row['min_spend_per_head_change'])} "
            f"({row['min_council']}) to {_money(row['max_spend_per_head_change'])} ({row['max_council']}); "
            f"rose in {row['n_rose']}, fell or flat in {row['n_fell_or_flat']}."
        )
        d = r.per_head_change_by_council.filter(pl.col("service") == row["service"])
        figures.append(
            charts.ranked_bars(
                d,
                "spend_per_head_change",
                f"{row['service_label']}: change in spend per head "
                f"aged 0-25, {row['years']} (n = {d.height})",
                "£ per head",
                r.council,
                mean=row["mean_spend_per_head_change"],
            )
        )
    return Section(
        title="Change in spend per head, controlling for population",
        text=" ".join(lines),
        tables={
            "per_head_change_summary": r.per_head_change_summary.drop("service"),
            "per_head_change_by_council": r.per_head_change_by_council.drop("service"),
        },
        figures=figures,
        notes=[
            "Change per head = last year's spend ÷ last year's 0-25 population − first year's spend ÷ "
            "first year's population. Only councils with both figures in every year are included."
        ],
    )


def _trend_section(r: BenchmarkResult) -> Section | None:
    if r.trend_growth is None:
        return None

    def amount(row: dict, key: str) -> str:
        return _money(row[key]) if row["kind"] == "money" else f"{row[key]:,.0f}"

    lines = [
        f"{row['label']}: {amount(row, 'total_first_year')} → {amount(row, 'total_last_year')} "
        f"({row['change_pct']:+.0%}, n = {row['n']})."
        for row in r.trend_growth.iter_rows(named=True)
        if row["change_pct"] is not None
    ]
    money = ["csc_spend", "csc_budget", "hn_spend", "hn_budget"]
    demand = ["lac", "cp_plans", "ehcps"]
    return Section(
        title="Trends in spend and demand",
        text=" ".join(lines),
        tables={"trend_growth": r.trend_growth, "trend_by_year": r.trend_by_year.drop("year")},
        figures=[
            charts.trend_lines(r.trend_by_year, money, "Spend and budgets, complete series", "£"),
            charts.trend_lines(
                r.trend_by_year,
                demand,
                "Children looked after, CP plans and EHCPs, complete series",
                "children",
            ),
        ],
        notes=["Each measure's totals use the councils with that measure in every year (n shown)."],
    )


def _regression_section(r: BenchmarkResult) -> Section | None:
    if r.regressions is None:
        return None
    specs = parameters()["regressions"]
    figures, lines = [], []
    for row in r.regressions.iter_rows(named=True):
        rid = row["regression"]
        pts = r.regression_points.filter(pl.col("regression") == rid)
        if row["r_squared"] is not None:
            published = (
                f" (Under pressure: {row['published_r_squared']:.0%})"
                if row["published_r_squared"]
                else ""
            )
            lines.append(f"{row['title']}: R² = {row['r_squared']:.0%}{published}, n = {row['n']}.")
        figures.append(
            charts.scatter_fit(
                pts,
                r.fits.get(rid),
                row["title"],
                specs[rid]["x"]["label"],
                specs[rid]["y"]["label"],
                r.council,
            )
        )
    return Section(
        title="What explains the variation between councils",
        text=" ".join(lines),
        tables={"regressions": r.regressions, "regression_points": r.regression_points},
        figures=figures,
        notes=[
            "R² is the share of the variation across councils a straight line accounts for; it is "
            "association, not cause. Changes run from the first to the last year of the window."
        ],
    )


def _quadrant_section(r: BenchmarkResult) -> Section | None:
    if r.quadrant_summary is None:
        return None
    lines = [
        f"{row['quadrant']}: {row['n']} council(s)."
        for row in r.quadrant_summary.iter_rows(named=True)
    ]
    figures = []
    if r.quadrant_by_council.height:
        figures.append(charts.quadrant_scatter(r.quadrant_by_council, r.council))
    if r.quadrant_component_growth.height:
        figures.append(
            charts.quadrant_bars(
                r.quadrant_component_growth, "Growth in each CSC spend line, by group"
            )
        )
    return Section(
        title="Four quadrants: demand and spend",
        text=" ".join(lines),
        tables={
            "quadrant_summary": r.quadrant_summary,
            "quadrant_component_growth": r.quadrant_component_growth,
            "quadrant_by_council": r.quadrant_by_council,
        },
        figures=figures,
        notes=[
            "Groups by the sign of the change in LAC and of the change in CSC spend per head aged 0-25; "
            "a change of zero counts as 'fell or flat'."
        ],
    )


def _contribution_section(r: BenchmarkResult) -> Section | None:
    if r.contributions is None or r.contributions.is_empty():
        return None
    figures, lines = [], []
    for total in r.contributions["total"].unique(maintain_order=True).to_list():
        d = r.contributions.filter(pl.col("total") == total)
        top = d.sort("change_gbp", descending=True).row(0, named=True)
        lines.append(
            f"{d['total_label'][0]} (n = {d['n'][0]}): change {_money(d['change_gbp'].sum())}; the largest "
            f"contributor was {top['component_label']} ({_pct(top['contribution_share'])})."
        )
        figures.append(
            charts.contribution_bars(
                d, f"Contribution to growth in {d['total_label'][0]} (n = {d['n'][0]})"
            )
        )
    return Section(
        title="Each spend category's contribution to growth",
        text=" ".join(lines),
        tables={"contributions": r.contributions},
        figures=figures,
        notes=[
            "Contribution share = the category's change ÷ the total change of all categories (shares sum "
            "to 100%); only councils with every category in every year are included."
        ],
    )


def _neighbour_section(r: BenchmarkResult) -> Section:
    key = parameters()["neighbour_measures"]
    total = "s251_3_1_11" if "s251_3_1_11" in key else key[0]
    row = r.neighbour_summary.filter(pl.col("measure") == total)
    text = f"{r.council} compared with {r.neighbours_source}, {financial_year_label(r.last_year)}."
    if row.height and row["rank"].item() is not None:
        s = row.row(0, named=True)
        text += (
            f" {s['label']}: {_money(s['council_value'])} per head aged 0-17, rank {s['rank']} of {s['of']} "
            f"(neighbour mean {_money(s['neighbour_mean'])})."
        )
    d = r.neighbour_detail.filter(pl.col("measure") == total)
    figures = (
        [
            charts.ranked_bars(
                d,
                "value",
                f"{catalogue().label(total)}: £ per head aged 0-17 (n = {d.height})",
                "£ per head aged 0-17",
                r.council,
            )
        ]
        if d.height
        else []
    )
    return Section(
        title=f"{r.council} against its statistical neighbours",
        text=text,
        tables={"neighbour_summary": r.neighbour_summary, "neighbour_detail": r.neighbour_detail},
        figures=figures,
        notes=[
            "Rank 1 = highest, as in the s251 benchmarking table; ties share the higher rank. Money is £ "
            "per head aged 0-17; children are per 10,000 aged 0-17."
        ],
    )


def _coverage_section(r: BenchmarkResult) -> Section:
    p = r.panel
    return Section(
        title="Data coverage and quality",
        text=(
            f"{len(p.councils)} councils, {years_text(r.years)}. {p.data.height:,} figures used; "
            f"{r.issues.height} input problem(s) set aside or flagged (listed below with file, row and fix). "
            "Every figure states its n and the councils in it; trend figures use only councils with a complete series."
        ),
        tables={
            "coverage": r.coverage_table(),
            "input_summary": p.summary(),
            "input_issues": r.issues,
            "missing_cells": p.missing,
        },
    )


def build_report(result: BenchmarkResult, *, inputs: list[str] | None = None) -> Report:
    """The benchmarking report for ``result`` (write it with :func:`carecast.outputs.write_report`)."""
    r = result
    inputs_table = r.panel.data.with_columns(
        pl.col("year").map_elements(financial_year_label, return_dtype=pl.Utf8).alias("year_label")
    ).select("council", "year_label", "measure", "value", "file", "row", "column")
    sections = [
        s
        for s in (
            _coverage_section(r),
            _budget_section(r),
            _forward_section(r),
            _per_head_section(r),
            _change_section(r),
            _trend_section(r),
            _regression_section(r),
            _quadrant_section(r),
            _contribution_section(r),
            _neighbour_section(r),
        )
        if s is not None
    ]
    sections.append(
        Section(
            title="Inputs",
            text="The panel as loaded: one row per council, year and measure, with the "
            "file, row and column it came from.",
            tables={"inputs": inputs_table},
        )
    )
    metadata = run_metadata(
        command="benchmark",
        inputs=inputs or r.panel.sources,
        parameters={
            "council": r.council,
            "years": years_text(r.years),
            "comparators": r.neighbours_source,
            "references": parameter_references(),
        },
        coverage={
            "councils": r.panel.councils,
            "years": [financial_year_label(y) for y in r.years],
        },
    )
    return Report(
        title=f"Spend and demand benchmarking: {r.council}",
        metadata=metadata,
        sections=sections,
        primary_table="deficit_by_council",
    )
