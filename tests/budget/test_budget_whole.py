"""The whole budget: lines forecast by workforce, allowances and leaving care beside placements."""

import datetime as dt
import subprocess

import numpy as np
import openpyxl
import polars as pl
import pytest

from carecast.costs.budget import monitor, parse_plan
from carecast.costs.budget.inputs import LedgerEntry
from carecast.costs.budget.outturn import LineForecast
from carecast.errors import ParameterError
from carecast.outputs.vocabulary import heading
from tests.paths import cli

from .budget_fixtures import ALL_GROUPS

PLAN = {
    "council": "X",
    "financial_year": "2018-19",
    "units": "pounds",
    "stated_total": 1_000,
    "lines": {
        "staffing": {"budget": 400, "forecast": "staffing"},
        "placements": {"budget": 300, "cost_groups": ALL_GROUPS},
        "allowances": {"budget": 200, "forecast": "allowances"},
        "section_17": {"budget": 50},
    },
}


@pytest.fixture
def register(tmp_path):
    from carecast.costs.budget import read_register

    f = tmp_path / "register.csv"
    f.write_text(
        "child,placement_type,provider,weekly_cost,start,planned_end,funding_social_care,funding_health,"
        "funding_education\nA1,ifa,,911,2018-01-01,,1,0,0\n"
    )
    return read_register(f)


def test_forecast_lines_use_the_capabilitys_cost_and_the_ledger_actual(flat_costs, register):
    plan = parse_plan(PLAN, "plan.yaml")
    as_of = dt.date(2018, 9, 30)
    forecasts = {
        "staffing": LineForecast(np.array([180.0]), "establishment"),
        "allowances": LineForecast(np.array([90.0, 100.0, 110.0]), "allowance cohorts"),
    }
    ledger = {"staffing": LedgerEntry(250.0, None), "section_17": LedgerEntry(30.0, 40.0)}
    m = monitor(plan, register, flat_costs, as_of=as_of, ledger=ledger, line_forecasts=forecasts)
    lines = {r["line"]: r for r in m.lines.iter_rows(named=True)}
    assert lines["staffing"]["forecast_outturn"] == pytest.approx(250 + 180)
    assert lines["section_17"]["forecast_outturn"] == pytest.approx(70)
    elapsed, left = (as_of - dt.date(2018, 4, 1)).days + 1, (dt.date(2019, 3, 31) - as_of).days
    assert lines["allowances"]["actual_to_date"] == pytest.approx(
        100 * elapsed / left
    )  # no ledger: same daily rate
    assert lines["allowances"]["forecast_outturn"] == pytest.approx(100 * elapsed / left + 100)
    assert lines["allowances"]["forecast_basis"] == "allowance cohorts"
    lo, hi = m.total_band()
    assert lo < m.total_outturn < hi  # the allowance line's simulations give the total a band
    assert m.total_outturn == pytest.approx(m.lines["forecast_outturn"].sum())
    assert not m.checks.filter(pl.col("check").str.contains("stated total"))[
        "ok"
    ].item()  # 950 vs 1,000


def test_a_line_to_be_forecast_without_its_forecast_is_refused(flat_costs, register):
    plan = parse_plan(PLAN, "plan.yaml")
    with pytest.raises(ParameterError) as err:
        monitor(
            plan,
            register,
            flat_costs,
            as_of=dt.date(2018, 9, 30),
            ledger={"section_17": LedgerEntry(1, 1)},
            line_forecasts={"staffing": LineForecast(np.array([1.0]), "x")},
        )
    assert "allowances" in err.value.render() and "--episodes" in err.value.render()


@pytest.mark.parametrize(
    "line",
    [
        {"budget": 1, "forecast": "wizardry"},
        {"budget": 1, "forecast": "staffing", "cost_groups": ["ifa"]},
    ],
)
def test_unknown_forecasts_are_refused_with_the_line(line):
    with pytest.raises(ParameterError) as err:
        parse_plan({"financial_year": 2018, "lines": {"odd": line}}, "plan.yaml")
    assert "lines.odd.forecast" in err.value.render() and "leaving_care" in err.value.render()


def test_whole_budget_committee_sheet_on_synthetic_returns(tmp_path):
    """Every line of the example whole budget, forecast from the returns and the example
    establishment: the committee sheet lists each with budget, forecast and variance, the total
    adds up, and the £41.4m lines against the £41.6m stated total is flagged."""
    from carecast.synth import generate

    generate(tmp_path / "returns", councils=1, years="2018-2024", seed=3)
    ex = tmp_path / "ex"
    assert (
        subprocess.run(
            [cli(), "budget", "example", "--out", str(ex)], capture_output=True
        ).returncode
        == 0
    )
    out = tmp_path / "whole.xlsx"
    r = subprocess.run(
        [
            cli(),
            "budget",
            "outturn",
            "--budget",
            str(ex / "budget_whole.yaml"),
            "--episodes",
            str(tmp_path / "returns"),
            "--ledger",
            str(ex / "ledger_whole.csv"),
            "--establishment",
            str(ex / "establishment.csv"),
            "--as-of",
            "2023-09-30",
            "--simulations",
            "100",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "41,600,000" in r.stderr and "CHECK FAILED" in r.stderr
    ws = openpyxl.load_workbook(out)["committee"]
    ids = {
        heading(c): c for c in ("line", "budget", "forecast_outturn", "outturn_p5", "outturn_p95")
    }
    header = [ids.get(c.value, c.value) for c in ws[1]]  # the sheet's headings are words
    rows = [
        dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)
    ]
    names = [row["line"] for row in rows]
    assert (
        names[-1] == "Total"
        and len(names) == 8
        and "Leaving care" in names
        and "Section 17 support" in names
    )
    body = rows[:-1]
    assert rows[-1]["forecast_outturn"] == pytest.approx(sum(x["forecast_outturn"] for x in body))
    assert rows[-1]["budget"] == pytest.approx(41_400_000)
    staffing = next(x for x in body if x["line"] == "Staffing")
    assert staffing["forecast_outturn"] == pytest.approx(
        17_537_940, rel=1e-6
    )  # the establishment's yearly cost
    allowances = next(x for x in body if x["line"].startswith("Special guardianship"))
    assert allowances["outturn_p5"] < allowances["forecast_outturn"] < allowances["outturn_p95"]
