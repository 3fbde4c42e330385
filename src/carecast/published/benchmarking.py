"""``carecast published benchmark``: the "Under pressure" analyses on the published 2024-25 figures.

Spend is the RO3 2024-25 outturn (£ thousands as published, shown in £), net current
expenditure, line by line as RO3 names it. Demand is the DfE's children looked after on 31 March
2024, the latest count published (the RO3 year runs April 2024 - March 2025); child population is
the ONS mid-2024 estimate for per-head figures and mid-2023 for the rate per 10,000 (as the DfE
computes it). The line fits, bars and scatter charts are carecast/benchmark's own
(:func:`carecast.benchmark.regression.fit_line`, :mod:`carecast.benchmark.charts`); only the
assembling of the published figures is here. Every figure states its n.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from carecast.benchmark import charts
from carecast.benchmark.regression import fit_line
from carecast.errors import InsufficientDataError, NotFoundError
from carecast.outputs import Report, Section
from carecast.outputs.report import run_metadata
from carecast.published.labels import human
from carecast.published.load import Published

NET = "Net Current Expenditure (C7 = C3 - C6)"
CLA_LINE = f"Children's social care - Children Looked After - {NET}"
CSC_LINE = f"TOTAL CHILDREN SOCIAL CARE - {NET}"
PART_LINES = {
    "residential care": f"Children's social care - Children Looked After of which residential care - {NET}",
    "fostering services": f"Children's social care - Children Looked After of which fostering services - {NET}",
    "asylum-seeking children": "Children's social care - Children Looked After of which asylum "
    f"seeking children who are looked after - {NET}",
    "other": f"Children's social care - Children Looked After of which other - {NET}",
}
STOCK_YEAR = 2024
REGRESSIONS = (  # (title, x column, x label, y column, y label)
    (
        "Children looked after per 10,000 vs children's social care spend per child 0-17",
        "cla_per_10000",
        "Children looked after per 10,000 children (31 March 2024)",
        "csc_spend_per_child_0_17",
        f"RO3 '{CSC_LINE}' per child aged 0-17 (£)",
    ),
    (
        "Children looked after per 10,000 vs looked-after spend per child 0-17",
        "cla_per_10000",
        "Children looked after per 10,000 children (31 March 2024)",
        "cla_spend_per_child_0_17",
        f"RO3 '{CLA_LINE}' per child aged 0-17 (£)",
    ),
    (
        "Children looked after per 10,000 vs spend per child looked after",
        "cla_per_10000",
        "Children looked after per 10,000 children (31 March 2024)",
        "cla_spend_per_child_looked_after",
        "RO3 looked-after net spend per child looked after (£)",
    ),
)


@dataclass
class Benchmark:
    council: str
    figures: pl.DataFrame  # one row per council with every measure
    regressions: pl.DataFrame
    quadrants: pl.DataFrame
    fits: dict


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


def council_figures(p: Published) -> pl.DataFrame:
    if p.ro3 is None:
        raise InsufficientDataError(
            "the folder holds no RO3 workbook (RO3_*.ods)",
            fix="add the RO3 'data by LA' workbook for 2024-25",
        )
    lines = [CLA_LINE, CSC_LINE, *PART_LINES.values()]
    ro3 = p.ro3.filter(pl.col("outcome") == "used: council figure", pl.col("line").is_in(lines))
    wide = ro3.pivot("line", index=["ons_code"], values="value")
    cla = p.cla.filter(
        pl.col("level") == "Council",
        pl.col("measure") == "stock",
        pl.col("outcome").str.starts_with("used"),
    )
    stock = cla.filter(pl.col("year") == STOCK_YEAR).select(
        "ons_code", "dfe_number", "name", pl.col("value").alias("children_looked_after")
    )
    before = cla.filter(pl.col("year") == STOCK_YEAR - 1).select(
        "dfe_number", pl.col("value").alias("previous")
    )
    pop = p.population.filter(pl.col("level") == "Council", pl.col("value").is_not_null())
    pop_rate = pop.filter(pl.col("year") == STOCK_YEAR).select(
        "dfe_number", pl.col("value").alias("pop_rate")
    )
    pop_head = pop.filter(pl.col("year") == STOCK_YEAR + 1).select(
        "dfe_number", pl.col("value").alias("children_0_17")
    )
    out = (
        stock.join(wide, on="ons_code", how="inner")
        .join(before, on="dfe_number", how="left")
        .join(pop_rate, on="dfe_number", how="left")
        .join(pop_head, on="dfe_number", how="left")
    )
    thousand = 1000.0
    out = out.with_columns(
        (pl.col(CLA_LINE) * thousand).alias("cla_spend_gbp"),
        (pl.col(CSC_LINE) * thousand).alias("csc_spend_gbp"),
        (pl.col("children_looked_after") / pl.col("pop_rate") * 10_000).alias("cla_per_10000"),
        ((pl.col("children_looked_after") / pl.col("previous")) - 1).alias("cla_change_pct"),
        *[
            (pl.col(line) / pl.col(CLA_LINE)).alias(f"{name} share of looked-after spend")
            for name, line in PART_LINES.items()
        ],
    ).with_columns(
        (pl.col("cla_spend_gbp") / pl.col("children_looked_after")).alias(
            "cla_spend_per_child_looked_after"
        ),
        (pl.col("cla_spend_gbp") / pl.col("children_0_17")).alias("cla_spend_per_child_0_17"),
        (pl.col("csc_spend_gbp") / pl.col("children_0_17")).alias("csc_spend_per_child_0_17"),
    )
    return out.drop(lines, "pop_rate", "previous").rename({"name": "council"}).sort("council")


def find(figures: pl.DataFrame, council: str) -> str:
    want = _key(council)
    for row in figures.select("council", "ons_code", "dfe_number").iter_rows():
        if want in {_key(str(v)) for v in row}:
            return row[0]
    raise NotFoundError(
        f"'{council}' is not a council in the published RO3 and children looked after figures",
        fix="give its name as published, ONS code or DfE number",
    )


def _quadrants(f: pl.DataFrame) -> pl.DataFrame:
    """Councils by whether their children looked after rose from 2023 to 2024 and whether their
    spend per child looked after is above England's median council (one RO3 year is published
    here, so spend is compared across councils, not over time)."""
    d = f.drop_nulls(["cla_change_pct", "cla_spend_per_child_looked_after"])
    median = d["cla_spend_per_child_looked_after"].median()
    return d.with_columns(
        (
            pl.when(pl.col("cla_change_pct") > 0)
            .then(pl.lit("LAC rose"))
            .otherwise(pl.lit("LAC fell or flat"))
            + pl.lit(", ")
            + pl.when(pl.col("cla_spend_per_child_looked_after") > median)
            .then(pl.lit("spend per child above median"))
            .otherwise(pl.lit("spend per child at or below median"))
        ).alias("quadrant")
    ).select("council", "quadrant", "cla_change_pct", "cla_spend_per_child_looked_after")


def analyse(p: Published, council: str) -> Benchmark:
    figures = council_figures(p)
    chosen = find(figures, council)
    rows, fits = [], {}
    for title, x, _, y, _ in REGRESSIONS:
        d = figures.drop_nulls([x, y]).filter(pl.col(x).is_finite() & pl.col(y).is_finite())
        fit = fit_line(d[x].to_numpy(), d[y].to_numpy())
        fits[title] = (fit, d.select("council", pl.col(x).alias("x"), pl.col(y).alias("y")))
        rows.append(
            {
                "regression": title,
                "n": fit.n,
                "slope": fit.slope,
                "intercept": fit.intercept,
                "r_squared_share": fit.r_squared,
            }
        )
    return Benchmark(chosen, figures, pl.DataFrame(rows), _quadrants(figures), fits)


def _ranked(b: Benchmark, column: str, title: str, label: str):
    d = b.figures.drop_nulls(column).filter(pl.col(column).is_finite())
    mean = float(np.mean(d[column].to_numpy()))
    return charts.ranked_bars(d, column, f"{title} (n = {d.height})", label, b.council, mean)


def build_report(p: Published, b: Benchmark) -> Report:
    own = b.figures.filter(pl.col("council") == b.council)
    per_head = [
        _ranked(
            b,
            "cla_spend_per_child_looked_after",
            "Looked-after spend per child looked after",
            "£ per child looked after on 31 March 2024",
        ),
        _ranked(
            b,
            "csc_spend_per_child_0_17",
            "Children's social care spend per child 0-17",
            "£ per child aged 0-17 (ONS mid-2024)",
        ),
        _ranked(
            b,
            "cla_spend_per_child_0_17",
            "Looked-after spend per child 0-17",
            "£ per child aged 0-17 (ONS mid-2024)",
        ),
    ]
    scatters = [
        charts.scatter_fit(points, fit, title, xl, yl, b.council)
        for (title, _, xl, _, yl), (fit, points) in zip(REGRESSIONS, b.fits.values(), strict=True)
    ]
    q = b.quadrants
    quad = charts.scatter_fit(
        q.select(
            "council",
            pl.col("cla_change_pct").alias("x"),
            pl.col("cla_spend_per_child_looked_after").alias("y"),
        ),
        None,
        "Four quadrants: change in children looked after 2023-2024 vs spend per child",
        "Change in children looked after, 31 March 2023 to 2024 (fraction)",
        "£ per child looked after",
        b.council,
    )
    quad.add_vline(x=0, line_color="#555")
    quad.add_hline(y=float(q["cla_spend_per_child_looked_after"].median()), line_color="#555")
    summary = q.group_by("quadrant").agg(pl.len().alias("councils")).sort("quadrant")
    lines = pl.DataFrame(
        {
            "figure": [
                "Looked-after spend",
                "Children's social care spend",
                *[f"Looked-after spend: {k}" for k in PART_LINES],
            ],
            "ro3_line_as_published": [CLA_LINE, CSC_LINE, *PART_LINES.values()],
        }
    )
    sections = [
        Section(
            f"{b.council} against every council",
            __doc__.split("\n\n")[1].replace("\n", " "),
            tables={"council": human(own), "ro3_lines": human(lines)},
        ),
        Section("Spend per child", tables={"per_child": human(b.figures)}, figures=per_head),
        Section(
            "One-variable regressions",
            "R² is the share of the variation across councils "
            "that a straight line accounts for; n is the councils with both figures.",
            tables={"regressions": human(b.regressions)},
            figures=scatters,
        ),
        Section(
            "Four quadrants",
            _quadrants.__doc__.replace("\n", " "),
            tables={"quadrant_summary": human(summary), "quadrants": human(q)},
            figures=[quad],
        ),
    ]
    meta = run_metadata(
        command="published benchmark",
        inputs=[p.folder],
        parameters={"council": b.council},
        coverage={"councils": b.figures["council"].to_list()},
    )
    return Report(
        f"{b.council}: spend and demand against every council, 2024-25",
        meta,
        sections,
        primary_table="per_child",
    )
