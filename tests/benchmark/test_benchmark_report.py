"""The report: every table shown on the HTML page is a sheet in the Excel output, with the inputs
and the coverage of each figure, and the charts are drawn from those tables."""

from __future__ import annotations

import json

import openpyxl
import polars as pl
import pytest

from carecast.benchmark import analyse_frame, build_report, synthetic_panel, write_panel
from carecast.outputs import write_report
from carecast.schema import councils

from .benchmark_panels import run_cli

LONDON = [c.name for c in councils() if c.is_london]


@pytest.fixture(scope="module")
def result():
    return analyse_frame(synthetic_panel(LONDON, range(2014, 2018), seed=7), council="Lewisham")


def test_synthetic_panel_is_seeded_and_consistent():
    a = synthetic_panel(LONDON[:6], range(2014, 2018), seed=1)
    b = synthetic_panel(LONDON[:6], range(2014, 2018), seed=1)
    assert a.equals(b) and not a.equals(synthetic_panel(LONDON[:6], range(2014, 2018), seed=2))
    assert a.height == 6 * 4
    assert a.equals(
        synthetic_panel(LONDON[:6], (2014, 2017), seed=1)
    )  # (first, last) tuple, both included
    lines = [f"s251_3_1_{i}" for i in range(1, 11)]
    assert (a.select(pl.sum_horizontal(lines)).to_series() == a["s251_3_1_11"]).all()
    csc = ["s251_3_1_11", "s251_3_2_1", "s251_3_3_4", "s251_3_4_6", "s251_3_5_3"]
    assert (a.select(pl.sum_horizontal(csc)).to_series() == a["csc_spend"]).all()
    per_head = a["csc_spend"] / a["population_0_25"]
    assert per_head.min() > 100 and per_head.max() < 1500
    assert a["csc_budget"].null_count() == 1


def test_every_html_table_is_an_excel_sheet_with_inputs(result, tmp_path):
    report = build_report(result)
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    write_report(report, html)
    write_report(report, xlsx)
    sheets = set(openpyxl.load_workbook(xlsx, read_only=True).sheetnames)
    tables = report.tables()
    assert {
        "inputs",
        "coverage",
        "input_issues",
        "deficit_by_council",
        "regression_points",
        "neighbour_detail",
        "contributions",
        "quadrant_component_growth",
    } <= set(tables)
    assert {name[:31] for name in tables} <= sheets
    page = html.read_text()
    assert page.count("plotly-graph-div") >= 10 and "R² =" in page
    # the inputs table holds every figure the analyses used, each with its file and row
    assert tables["inputs"].height == result.panel.data.height
    assert tables["inputs"]["row"].null_count() == 0


def test_figures_trace_to_numerators_and_denominators(result):
    pts = result.regression_points.filter(pl.col("regression") == "lac_rate_vs_csc_spend_per_head")
    assert (
        pts.select(
            ((pl.col("x_numerator") / pl.col("x_denominator") * 10000) - pl.col("x")).abs().max()
        ).item()
        < 1e-9
    )
    wide = result.panel.wide().filter(pl.col("year") == 2017).sort("council")
    lac = dict(zip(wide["council"], wide["lac"], strict=True))
    assert all(lac[c] == v for c, v in zip(pts["council"], pts["x_numerator"], strict=True))
    d = result.deficit_by_council
    assert (d["deficit_gbp"] - (d["spend_gbp"] - d["budget_gbp"])).abs().max() == 0


def test_cli_end_to_end_with_neighbours(tmp_path, capsys):
    panel = write_panel(synthetic_panel(LONDON, range(2014, 2018), seed=5), tmp_path / "panel.xlsx")
    nb = tmp_path / "nb.csv"
    nb.write_text(
        "council,neighbour\n"
        + "".join(
            f"Lewisham,{c}\n"
            for c in [
                "Lambeth",
                "Southwark",
                "Greenwich",
                "Hackney",
                "Haringey",
                "Islington",
                "Newham",
                "Wandsworth",
                "Tower Hamlets",
                "Camden",
            ]
        )
    )
    out = tmp_path / "r.json"
    code, err = run_cli(
        capsys,
        str(panel),
        "--council",
        "Lewisham",
        "--neighbours",
        str(nb),
        "--out",
        str(out),
        "--out",
        str(tmp_path / "r.xlsx"),
    )
    assert code == 0, err
    doc = json.loads(out.read_text())
    summary = {r["measure"]: r for r in doc["tables"]["neighbour_summary"]}
    assert summary["s251_3_1_11"]["of"] == 11 and 1 <= summary["s251_3_1_11"]["rank"] <= 11
    assert doc["metadata"]["parameters"]["comparators"].startswith("statistical neighbours")
    assert (tmp_path / "r.xlsx").stat().st_size > 10_000
