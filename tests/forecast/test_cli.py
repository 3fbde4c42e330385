"""``carecast forecast`` and ``carecast backtest`` end to end through the CLI, and their bad-input exits."""

import datetime as dt
import json

import openpyxl
import pytest

from .conftest import process_council


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("fc") / "episodes.parquet"
    process_council(
        seed=9,
        start=dt.date(2016, 4, 1),
        years=8,
        entries_per_year=60,
        exit_per_year=0.7,
        move_per_year=0.3,
        categories=["fostering_in_house", "fostering_ifa", "residential_external"],
    ).write_parquet(path)
    return path


def test_forecast_json_has_the_documented_shape(carecast, data, tmp_path):
    out = tmp_path / "f.json"
    res = carecast(
        "forecast",
        data,
        "--horizon-years",
        2,
        "--simulations",
        60,
        "--seed",
        4,
        "--trend",
        "fitted",
        "--out",
        out,
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    assert {"total", "by_category", "by_age", "cost_by_financial_year", "assumptions"} <= set(doc)
    row = doc["total"][5]
    assert set(row) == {"date", "mean", "p5", "p25", "p50", "p75", "p95"}
    assert row["p5"] <= row["p25"] <= row["p50"] <= row["p75"] <= row["p95"]
    assert len(doc["total"]) == 25 and doc["total"][0]["date"] == "2024-04-01"  # end of the data
    assert set(doc["by_age"]) == {"0", "1-4", "5-9", "10-15", "16-17"}
    assert "fostering_ifa" in doc["by_category"]
    fy = doc["cost_by_financial_year"][0]
    assert fy["p5"] <= fy["mean"] <= fy["p95"] and fy["mean"] > 0
    a = doc["assumptions"]
    assert a["entrants"]["trend"] == "fitted" and a["seed"] == 4
    assert a["exclusions"]["short_breaks"].startswith("excluded")
    assert (
        a["reference_window"]["years"] == 3.0
        and a["data_coverage"]["children_in_care_at_start"] > 0
    )
    assert "Children in care" in res.stdout


def test_forecast_excel_and_html(carecast, data, tmp_path):
    xlsx, html = tmp_path / "f.xlsx", tmp_path / "f.html"
    assert (
        carecast(
            "forecast", data, "--horizon-years", 1, "--simulations", 30, "--seed", 1, "--out", xlsx
        ).returncode
        == 0
    )
    sheets = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert {
        "children_by_financial_year",
        "cost_by_financial_year",
        "children_by_month_category",
        "assumptions",
        "history",
    } <= set(sheets)
    assert (
        carecast(
            "forecast", data, "--horizon-years", 1, "--simulations", 30, "--out", html
        ).returncode
        == 0
    )
    text = html.read_text()
    assert "Plotly.newPlot" in text and "Residential (external)" in text and "90% band" in text
    assert "residential_external" not in text.split("Plotly.newPlot")[0]  # worded, not the id


def test_backtest_json_holds_forecast_actuals_and_baselines(carecast, data, tmp_path):
    out = tmp_path / "b.json"
    res = carecast(
        "backtest",
        data,
        "--at",
        "2022-03-31",
        "--horizon-months",
        12,
        "--simulations",
        60,
        "--seed",
        2,
        "--out",
        out,
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    assert doc["origin"] == "2022-03-31" and len(doc["total"]) == 13
    assert {"actual", "naive_last_value", "naive_linear_trend", "p5", "p95"} <= set(doc["total"][3])
    methods = {
        m["method"] for m in doc["metrics"] if m["breakdown"] == "total" and m["origin"] == "all"
    }
    assert methods == {"model", "naive_last_value", "naive_linear_trend"}
    assert "MAPE" in res.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["forecast", "{data}", "--start", "2030-01-01"], 2, "after the end of the data"),
        (["forecast", "{data}", "--window-years", "9"], 4, "too little history"),
        (["forecast", "{data}", "--trend", "population"], 2, "needs --population"),
        (["forecast", "{data}", "--start", "31st May"], 2, "is not a date"),
        (["forecast", "/no/such/folder"], 2, "does not exist"),
        (["backtest", "{data}", "--at", "2024-01-01"], 2, "needs actuals to"),
    ],
)
def test_bad_input_gives_a_message_and_exit_code(carecast, data, tmp_path, args, code, message):
    res = carecast(
        *[a.format(data=data) for a in args], "--simulations", 10, "--out", tmp_path / "x.json"
    )
    assert res.returncode == code, res.stderr
    assert message in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr
