"""`carecast budget ...` and `carecast costs ...`: outputs written, bad input → message + exit code 2."""

import sys

import openpyxl
import polars as pl
import pytest
import yaml

from carecast.cli import main
from carecast.plumbing.constants import WEEKS_PER_YEAR

from .budget_fixtures import ALL_GROUPS, write_csv


def run(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["carecast", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def month_files(tmp_path, lewisham_plan_file):
    reg = write_csv(
        tmp_path / "register.csv",
        ["child", "placement_type", "provider", "weekly_cost", "start", "planned_end"],
        [
            ["a", "ifa", "P", 911, "2018-01-01", ""],
            ["b", "external_residential", "Q", 3741, "2018-01-01", ""],
        ],
    )
    led = write_csv(
        tmp_path / "ledger.csv",
        ["line", "actual_to_date", "committed_to_year_end"],
        [[k, 1.0, 2.0] for k in ("staffing", "specialist_support", "other_support", "other_costs")],
    )
    return {"budget": lewisham_plan_file, "register": reg, "ledger": led}


def test_outturn_writes_committee_table_and_flags_budget_total(
    monkeypatch, capsys, tmp_path, month_files
):
    out = tmp_path / "m.xlsx"
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    code, stdout, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        month_files["budget"],
        "--as-of",
        "2018-08-31",
        "--register",
        month_files["register"],
        "--ledger",
        month_files["ledger"],
        "--save",
        "--db",
        db,
        "--out",
        out,
    )
    assert code == 0, stderr
    assert "CHECK FAILED" in stderr and "41,600,000" in stderr
    wb = openpyxl.load_workbook(out)
    ws = wb["committee"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Line", "Budget", "Forecast outturn", "Variance"] and "Reasons" in header
    assert ws.cell(2, header.index("Variance (% of budget)") + 1).number_format == "0.0%"  # not £
    assert ws.cell(ws.max_row, 1).value == "Total"
    assert "placements" not in wb.sheetnames  # no child identifiers in committee papers by default
    # second month: movement explained
    out2 = tmp_path / "m2.html"
    reg2 = month_files["register"]
    reg2.write_text(reg2.read_text() + "c,ifa,P,911,2018-09-10,\n")
    code, stdout, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        month_files["budget"],
        "--as-of",
        "2018-09-30",
        "--register",
        reg2,
        "--ledger",
        month_files["ledger"],
        "--save",
        "--db",
        db,
        "--with-placements",
        "--out",
        out2,
    )
    assert code == 0, stderr
    html = out2.read_text()
    assert "new placements" in html and "Forecast outturn through 2018-19" in html
    assert "keep inside the council" in html
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "history",
        "--council",
        "Lewisham",
        "--year",
        "2018-19",
        "--db",
        db,
        "--out",
        tmp_path / "h.json",
    )
    assert code == 0, stderr


def test_bad_register_exits_2_with_row_and_fix(monkeypatch, capsys, tmp_path, month_files):
    bad = write_csv(
        tmp_path / "bad.csv",
        ["child", "placement_type", "weekly_cost", "start", "planned_end"],
        [["a", "ifa", 911, "2018-06-01", "2018-05-01"]],
    )
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        month_files["budget"],
        "--as-of",
        "2018-08-31",
        "--register",
        bad,
        "--ledger",
        month_files["ledger"],
        "--save",
        "--db",
        db,
        "--out",
        tmp_path / "x.xlsx",
    )
    assert code == 2
    assert "row 2" in stderr and "on or before it starts" in stderr and "What to do" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "x.xlsx").exists()
    from carecast.costs.budget.history import runs

    assert runs("Lewisham", 2018, db).height == 0  # nothing half-saved


def test_budget_line_without_spend_exits_2(monkeypatch, capsys, tmp_path, month_files):
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        month_files["budget"],
        "--as-of",
        "2018-08-31",
        "--register",
        month_files["register"],
        "--out",
        tmp_path / "x.xlsx",
    )
    assert code == 2 and "no spend mapped" in stderr


def test_decompose_and_whatifs(monkeypatch, capsys, tmp_path):
    from importlib import resources

    inputs = resources.files("carecast.costs").joinpath("data/ccn_england_2015_2020.yaml")
    code, stdout, stderr = run(
        monkeypatch, capsys, "budget", "decompose", "--inputs", inputs, "--out", tmp_path / "d.csv"
    )
    assert code == 0, stderr
    d = pl.read_csv(tmp_path / "d.csv")
    assert d["share"].sum() == pytest.approx(1.0)
    code, stdout, _ = run(
        monkeypatch,
        capsys,
        "budget",
        "whatif-rate",
        "--rate",
        71.8,
        "--neighbours",
        63.8,
        "--population",
        68272,
        "--spend",
        31.3e6,
        "--children",
        494,
        "--out",
        tmp_path / "w.json",
    )
    assert code == 0 and "54.6 fewer children" in stdout
    code, stdout, _ = run(
        monkeypatch,
        capsys,
        "budget",
        "whatif-move",
        "--children",
        3,
        "--from",
        "external_residential",
        "--to",
        "ifa",
        "--on",
        "2017-09-01",
        "--out",
        tmp_path / "m.json",
    )
    assert code == 0 and f"£{(3316 - 871) * WEEKS_PER_YEAR:,.0f} per child" in stdout
    code, _, _ = run(
        monkeypatch,
        capsys,
        "budget",
        "whatif-mix",
        "--children",
        "external_residential=77,ifa=198",
        "--neighbour-shares",
        "external_residential=0.1",
        "--out",
        tmp_path / "x.csv",
    )
    mix = pl.read_csv(tmp_path / "x.csv")
    assert code == 0 and mix.filter(pl.col("cost_group") == "external_residential")[
        "children_at_neighbours_mix"
    ][0] == pytest.approx(27.5)
    ifa = mix.filter(pl.col("cost_group") == "ifa")["share_from"][0]
    assert (
        ifa == "own share 72.0% rescaled to 90.0% so all shares add to 100%"
    )  # says what it moved
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "whatif-mix",
        "--children",
        "ifa198",
        "--neighbour-shares",
        "ifa=1",
        "--out",
        tmp_path / "x.csv",
    )
    assert code == 2 and "not group=number" in stderr
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "whatif-move",
        "--children",
        3,
        "--from",
        "helicopter",
        "--to",
        "ifa",
        "--out",
        tmp_path / "m.json",
    )
    assert code == 2 and "unknown cost group 'helicopter'" in stderr


def test_costs_defaults_check_and_bad_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "costs.yaml"
    assert run(monkeypatch, capsys, "costs", "defaults", "--out", path)[0] == 0
    code, stdout, _ = run(monkeypatch, capsys, "costs", "check", path)
    assert code == 0 and "valid" in stdout
    doc = yaml.safe_load(path.read_text())
    doc["cost_groups"]["ifa"]["weekly_cost"]["values"] = {"2024-04-01": -1}
    path.write_text(yaml.safe_dump(doc))
    code, _, stderr = run(monkeypatch, capsys, "costs", "check", path)
    assert code == 2 and "negative" in stderr and "cost_groups.ifa.weekly_cost" in stderr


def test_costs_actual_from_cleaned_episodes(monkeypatch, capsys, tmp_path):
    import datetime as dt

    eps = pl.DataFrame(
        {
            "council": ["Lewisham"] * 2,
            "child_id": ["1", "2"],
            "decom": [dt.date(2018, 3, 25), dt.date(2018, 4, 1)],
            "dec": [dt.date(2018, 4, 8), None],
            "cost_group": ["ifa", "external_residential"],
            "category": ["fostering_ifa", "residential_external"],
            "data_end": [dt.date(2019, 3, 31)] * 2,
            "is_short_break": [False, False],
        }
    )
    eps.write_parquet(tmp_path / "episodes.parquet")
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "costs",
        "actual",
        tmp_path / "episodes.parquet",
        "--out",
        tmp_path / "a.csv",
    )
    assert code == 0, stderr
    a = pl.read_csv(tmp_path / "a.csv")
    assert a["financial_year"].to_list() == ["2017-18", "2018-19"]
    assert a["days"].to_list() == [7, 7 + 365]
    assert set(ALL_GROUPS) >= {"ifa"}


def test_example_inputs_run_end_to_end(monkeypatch, capsys, tmp_path):
    ex = tmp_path / "ex"
    assert run(monkeypatch, capsys, "budget", "example", "--out", ex)[0] == 0
    reg = pl.read_csv(ex / "register.csv")
    assert reg.group_by("placement_type").len().sort("placement_type")["len"].to_list() == [
        35,
        198,
        168,
    ]
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        ex / "budget.yaml",
        "--register",
        ex / "register.csv",
        "--ledger",
        ex / "ledger.csv",
        "--actions",
        ex / "actions.csv",
        "--as-of",
        "2018-09-30",
        "--out",
        tmp_path / "m.csv",
    )
    assert code == 0, stderr
    committee = pl.read_csv(tmp_path / "m.csv")
    staffing = committee.filter(pl.col("line") == "Staffing").row(0, named=True)
    assert staffing["forecast_outturn"] == pytest.approx(
        14.6e6 - 0.5e6 * 121 / 365
    )  # report's 10.5 + 4.1, less action
    assert "−£200,000" in stderr


def test_outturn_json_has_documented_shape(monkeypatch, capsys, tmp_path, month_files):
    import json

    out = tmp_path / "m.json"
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "budget",
        "outturn",
        "--budget",
        month_files["budget"],
        "--as-of",
        "2018-08-31",
        "--register",
        month_files["register"],
        "--ledger",
        month_files["ledger"],
        "--out",
        out,
    )
    assert code == 0, stderr
    doc = json.loads(out.read_text())
    assert {
        "council",
        "financial_year",
        "as_of",
        "committee",
        "lines",
        "checks",
        "movement",
        "assumptions",
    } <= set(doc)
    assert doc["financial_year"] == "2018-19" and doc["committee"][-1]["line"] == "Total"
    assert [c["ok"] for c in doc["checks"]] == [False, True]


def test_decompose_from_episodes_books_the_unit_costs_uprating_as_price_inflation():
    import datetime as dt

    from carecast.costs import load_unit_costs
    from carecast.costs.budget.decomposition import uprating_ratio

    uc = load_unit_costs()
    mix = pl.DataFrame(
        {
            "fy": [2020, 2020, 2022],
            "cost_group": ["ifa", "external_residential", "ifa"],
            "days": [3650, 365, 4000],
        }
    )
    ratio = uprating_ratio(uc, mix, 2020, 2022)
    then = 3650 * uc.weekly_cost("ifa", dt.date(2020, 4, 1)) + 365 * uc.weekly_cost(
        "external_residential", dt.date(2020, 4, 1)
    )
    now = 3650 * uc.weekly_cost("ifa", dt.date(2022, 4, 1)) + 365 * uc.weekly_cost(
        "external_residential", dt.date(2022, 4, 1)
    )
    assert (
        ratio == pytest.approx(now / then) and ratio > 1
    )  # the shipped costs are uprated each April
