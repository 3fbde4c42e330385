"""Forecast outturn, totals checks, hand-made month-to-month movements, bad inputs."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
import yaml

from carecast.costs.budget.history import (
    line_history,
    load_snapshot,
    movement,
    movement_summary,
    previous_run,
    quarter_on_quarter,
    runs,
    save_monitoring,
    snapshot_of,
)
from carecast.costs.budget.inputs import (
    Action,
    Actions,
    load_plan,
    parse_plan,
    read_actions,
    read_ledger,
)
from carecast.costs.budget.outturn import StartersLeavers, monitor, starters_leavers_from_forecast
from carecast.costs.budget.placements import read_register
from carecast.errors import InputError, ParameterError

from .budget_fixtures import ALL_GROUPS, write_csv

HEADER = [
    "child",
    "placement_type",
    "provider",
    "weekly_cost",
    "start",
    "planned_end",
    "funding_social_care",
    "funding_health",
    "funding_education",
]


def plan(budget=100_000.0, extra=None):
    lines = {"placements": {"budget": budget, "cost_groups": ALL_GROUPS}, **(extra or {})}
    return parse_plan(
        {"council": "Testshire", "financial_year": 2024, "lines": lines}, "budget.yaml"
    )


def register(tmp_path, rows, name="register.csv"):
    return read_register(write_csv(tmp_path / name, HEADER, rows))


def test_outturn_is_actuals_plus_commitments_plus_starters_minus_actions(tmp_path, flat_costs):
    regs = register(
        tmp_path,
        [
            ["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""],
            ["b", "ifa", "P", "", "2024-10-01", "2024-10-15", "", "", ""],
        ],
    )
    acts = Actions(
        [Action("Step down", "placements", "Head of LAC", dt.date(2025, 1, 1), 36_500, "planned")]
    )
    sl = StartersLeavers({"placements": np.array([1000.0, 2000.0, 3000.0])}, "given")
    m = monitor(
        plan(), regs, flat_costs, as_of=dt.date(2024, 9, 30), actions=acts, starters_leavers=sl
    )
    row = m.lines.row(0, named=True)
    assert row["actual_to_date"] == pytest.approx(100 * 183)  # 1 Apr - 30 Sep at £100 a day
    assert row["commitments"] == pytest.approx(100 * 182 + 100 * 14)
    assert row["actions_saving"] == pytest.approx(36_500 * 90 / 365)  # 1 Jan - 31 Mar
    assert row["starters_leavers"] == pytest.approx(2000)
    assert row["forecast_outturn"] == pytest.approx(100 * (183 + 182 + 14) + 2000 - 9000)
    assert row["variance"] == pytest.approx(row["forecast_outturn"] - 100_000)
    assert row["outturn_p5"] < row["forecast_outturn"] < row["outturn_p95"]
    assert m.checks["ok"].all()


def test_funding_split_charges_only_the_social_care_share(tmp_path, flat_costs):
    regs = register(tmp_path, [["a", "ifa", "P", 700, "2024-01-01", "", "50%", "30%", "20%"]])
    m = monitor(plan(), regs, flat_costs, as_of=dt.date(2025, 3, 31))
    row = m.lines.row(0, named=True)
    assert row["forecast_outturn"] == pytest.approx(0.5 * 100 * 365)
    assert row["health_contribution"] == pytest.approx(0.3 * 100 * 365)
    assert row["education_contribution"] == pytest.approx(0.2 * 100 * 365)


def test_budget_lines_not_adding_to_stated_total_are_flagged_against_lewisham_2018(
    lewisham_plan_file,
):
    p = load_plan(lewisham_plan_file)
    check = p.totals_check().row(0, named=True)
    assert not check["ok"]
    assert check["found_gbp"] == pytest.approx(41.4e6)
    assert check["difference_gbp"] == pytest.approx(-0.2e6)
    assert "41,400,000" in check["note"] and "41,600,000" in check["note"]


def test_budget_line_with_no_spend_mapped_is_an_error(tmp_path, flat_costs):
    regs = register(tmp_path, [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]])
    with pytest.raises(ParameterError, match=r"\['staffing'\] have no spend mapped"):
        monitor(
            plan(extra={"staffing": {"budget": 5}}), regs, flat_costs, as_of=dt.date(2024, 9, 30)
        )


def test_ledger_supplies_non_placement_lines_and_reports_gl_gap(tmp_path, flat_costs):
    p = plan(extra={"staffing": {"budget": 50_000}})
    led = read_ledger(
        write_csv(
            tmp_path / "ledger.csv",
            ["line", "actual_to_date", "committed_to_year_end"],
            [["staffing", 20_000, 35_000], ["placements", 20_000, ""]],
        ),
        p,
    )
    regs = register(tmp_path, [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]])
    m = monitor(p, regs, flat_costs, as_of=dt.date(2024, 9, 30), ledger=led)
    lines = {r["line"]: r for r in m.lines.iter_rows(named=True)}
    assert lines["staffing"]["forecast_outturn"] == pytest.approx(55_000)
    assert lines["placements"]["ledger_gap"] == pytest.approx(20_000 - 18_300)
    flag = m.checks.filter(pl.col("check").str.contains("ledger agrees")).row(0, named=True)
    assert not flag["ok"] and "over-commitments" in flag["note"] and "£1,700" in flag["note"]


def test_placement_cost_group_without_a_line_is_an_error(tmp_path, flat_costs):
    p = parse_plan(
        {"financial_year": 2024, "lines": {"fostering": {"budget": 1, "cost_groups": ["ifa"]}}},
        "b.yaml",
    )
    regs = register(
        tmp_path, [["a", "external_residential", "P", 700, "2024-01-01", "", "", "", ""]]
    )
    with pytest.raises(ParameterError, match="external_residential.*no budget line"):
        monitor(p, regs, flat_costs, as_of=dt.date(2024, 9, 30))


@pytest.mark.parametrize(
    "row,words",
    [
        (
            ["a", "helicopter", "P", 700, "2024-01-01", "", "", "", ""],
            "unknown placement type 'helicopter'",
        ),
        (["a", "ifa", "P", -5, "2024-01-01", "", "", "", ""], "negative weekly cost"),
        (
            ["a", "ifa", "P", 700, "2024-05-01", "2024-04-01", "", "", ""],
            "ends (2024-04-01) on or before it starts",
        ),
        (["a", "ifa", "P", 700, "yesterday", "", "", "", ""], "start 'yesterday' is not a date"),
        (["a", "ifa", "P", 700, "2024-01-01", "", "0.5", "0.1", "0"], "add up to 1"),
    ],
)
def test_bad_register_rows_are_reported_with_row_and_nothing_is_costed(tmp_path, row, words):
    good = ["z", "ifa", "P", 700, "2024-01-01", "", "", "", ""]
    with pytest.raises(InputError) as exc:
        register(tmp_path, [good, row])
    text = exc.value.render()
    assert words in text and "row 3" in text and "nothing has been saved" in text


def test_all_bad_register_rows_are_listed_together(tmp_path):
    with pytest.raises(InputError, match="2 placement"):
        register(
            tmp_path,
            [
                ["a", "helicopter", "P", 700, "2024-01-01", "", "", "", ""],
                ["b", "ifa", "P", -1, "2024-01-01", "", "", "", ""],
            ],
        )


def test_register_reads_xlsx_and_labels(tmp_path):
    df = pl.DataFrame(
        {
            "Child": ["a"],
            "Placement type": ["Independent fostering agency"],
            "Provider": ["P"],
            "Weekly cost": ["£1,050"],
            "Start": ["01/04/2024"],
            "Planned end": [None],
        }
    )
    df.write_excel(tmp_path / "reg.xlsx")
    regs = read_register(tmp_path / "reg.xlsx")
    assert regs.row(0, named=True)["cost_group"] == "ifa"
    assert regs.row(0, named=True)["weekly_cost"] == 1050
    assert regs.row(0, named=True)["start"] == dt.date(2024, 4, 1)


def _month(tmp_path, rows, as_of, flat_costs, actions=(), name="r.csv", sl=0.0):
    regs = register(tmp_path, rows, name)
    return monitor(
        plan(),
        regs,
        flat_costs,
        as_of=as_of,
        actions=Actions(list(actions)),
        starters_leavers=StartersLeavers({"placements": np.array([sl])}, "given"),
    )


def test_hand_made_month_to_month_movements(tmp_path, flat_costs):
    base = [
        ["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""],
        ["b", "ifa", "P", 1400, "2024-01-01", "", "", "", ""],
        ["c", "ifa", "P", 700, "2024-01-01", "", "", "", ""],
    ]
    slip = Action("Recruit carers", "placements", "Fostering lead", dt.date(2025, 1, 1), 36_500)
    deliver = Action(
        "Review residential", "placements", "Head of service", dt.date(2024, 12, 1), 36_500
    )
    sept = _month(
        tmp_path, base, dt.date(2024, 9, 30), flat_costs, [slip, deliver], "sept.csv", sl=1000
    )
    octo_rows = [
        ["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""],  # unchanged
        ["b", "ifa", "P", 2100, "2024-01-01", "", "", "", ""],  # price +£700 a week
        ["c", "ifa", "P", 700, "2024-01-01", "2024-10-15", "", "", ""],  # ended 15 Oct
        ["d", "ifa", "P", 700, "2024-10-10", "", "", "", ""],
    ]  # new
    slipped = Action("Recruit carers", "placements", "Fostering lead", dt.date(2025, 2, 1), 36_500)
    delivered = Action(
        "Review residential",
        "placements",
        "Head of service",
        dt.date(2024, 12, 1),
        36_500,
        "delivered",
    )
    octo = _month(
        tmp_path,
        octo_rows,
        dt.date(2024, 10, 31),
        flat_costs,
        [slipped, delivered],
        "oct.csv",
        sl=1500,
    )
    moves = movement(snapshot_of(sept), snapshot_of(octo))
    got = {r: moves.filter(pl.col("reason") == r)["amount"].sum() for r in moves["reason"].unique()}
    assert got["new placements"] == pytest.approx(
        100 * (dt.date(2025, 4, 1) - dt.date(2024, 10, 10)).days
    )
    assert got["ended placements"] == pytest.approx(
        -100 * (dt.date(2025, 4, 1) - dt.date(2024, 10, 15)).days
    )
    assert got["price changes"] == pytest.approx(100 * 365)  # same days, +£100 a day
    assert got["changed assumptions"] == pytest.approx(500)
    assert got["actions slipped"] == pytest.approx(36_500 * 31 / 365)  # January's saving lost
    assert got["actions delivered"] == pytest.approx(36_500 * 121 / 365)
    assert "other" not in got
    total = octo.total_outturn - sept.total_outturn
    assert moves["amount"].sum() == pytest.approx(total)
    summary = movement_summary(snapshot_of(sept), snapshot_of(octo), moves)
    assert summary["movement"][0] == pytest.approx(total)
    assert "price changes +£36.5k" in summary["reasons"][0]


def test_history_is_saved_and_reloaded_on_each_backend(tmp_path, flat_costs, store_url):
    base = [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]]
    months = [
        (dt.date(2024, 6, 30), base),
        (dt.date(2024, 9, 30), base + [["b", "ifa", "P", 700, "2024-08-01", "", "", "", ""]]),
        (
            dt.date(2024, 12, 31),
            base + [["b", "ifa", "P", 700, "2024-08-01", "2024-11-01", "", "", ""]],
        ),
    ]
    ids = []
    for i, (as_of, rows) in enumerate(months):
        ids.append(
            save_monitoring(_month(tmp_path, rows, as_of, flat_costs, name=f"m{i}.csv"), store_url)
        )
    r = runs("Testshire", 2024, store_url)
    assert r["run_id"].to_list() == ids
    assert (
        (r["outturn_p5"] <= r["outturn_total"]) & (r["outturn_total"] <= r["outturn_p95"])
    ).all()
    assert previous_run("Testshire", 2024, dt.date(2024, 12, 31), store_url) == ids[1]
    a, b = load_snapshot(ids[0], store_url), load_snapshot(ids[1], store_url)
    moves = movement(a, b)
    assert moves.filter(pl.col("reason") == "new placements")["amount"][0] == pytest.approx(
        100 * 243
    )
    q = quarter_on_quarter(r)
    assert q["quarter"].to_list() == [1, 2, 3]
    assert q["change_gbp"][1] == pytest.approx(100 * 243)
    assert q["change_pct"][1] == pytest.approx(100 * 243 / (100 * 365))
    assert line_history("Testshire", 2024, store_url).height == 3


def test_starters_and_leavers_from_forecast_bands(tmp_path, flat_costs):
    regs = register(tmp_path, [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]])
    p = plan()
    as_of = dt.date(2024, 9, 29)
    dates = [as_of + dt.timedelta(days=1 + 7 * k) for k in range(30)]
    counts = (
        np.ones((3, 30, 1)) * np.array([1.0, 2.0, 3.0])[:, None, None]
    )  # 1, 2 or 3 IFA children
    from carecast.costs.budget.placements import cost_placements

    costed = cost_placements(
        regs, flat_costs, as_of=as_of, fy_start=dt.date(2024, 4, 1), fy_end=dt.date(2025, 3, 31)
    )
    sl = starters_leavers_from_forecast(
        dates, ["fostering_ifa"], counts, p, costed, flat_costs, as_of=as_of
    )
    days_left = (dt.date(2025, 4, 1) - dates[0]).days
    assert sl.sims["placements"] == pytest.approx(np.array([0.0, 1.0, 2.0]) * 100 * days_left)
    m = monitor(p, regs, flat_costs, as_of=as_of, starters_leavers=sl)
    lo, hi = m.total_band()
    assert lo < m.total_outturn < hi


def test_actions_file_checks_owner_and_line(tmp_path, lewisham_plan_file):
    p = load_plan(lewisham_plan_file)
    f = write_csv(
        tmp_path / "a.csv",
        ["name", "line", "owner", "start", "annual_saving", "status"],
        [["Fewer agency staff", "staffing", "", "2018-10-01", 0.5, "planned"]],
    )
    with pytest.raises(InputError, match="no owner"):
        read_actions(f, p)
    f.write_text(f.read_text().replace(",,", ",Director,").replace("staffing", "helicopters"))
    with pytest.raises(InputError, match="not in the budget file"):
        read_actions(f, p)


def test_budget_file_rejects_unknown_cost_group_and_double_mapping(tmp_path):
    with pytest.raises(ParameterError, match="unknown cost group 'helicopter'"):
        parse_plan(
            {"financial_year": 2024, "lines": {"x": {"budget": 1, "cost_groups": ["helicopter"]}}},
            "b.yaml",
        )
    with pytest.raises(ParameterError, match="already mapped"):
        parse_plan(
            {
                "financial_year": 2024,
                "lines": {
                    "x": {"budget": 1, "cost_groups": ["ifa"]},
                    "y": {"budget": 1, "cost_groups": ["ifa"]},
                },
            },
            "b.yaml",
        )
    with pytest.raises(ParameterError, match="unknown key"):
        parse_plan(yaml.safe_load("financial_year: 2024\nlines: {x: 1}\nbudgets: 3"), "b.yaml")


def test_unit_cost_change_and_ledger_commitment_are_explained(tmp_path, flat_costs):
    rows = [["a", "ifa", "P", "", "2024-01-01", "", "", "", ""]]  # priced at unit cost
    p = plan()
    led0 = read_ledger(
        write_csv(
            tmp_path / "l0.csv",
            ["line", "actual_to_date", "committed_to_year_end"],
            [["placements", 20_000, 20_000]],
        ),
        p,
    )
    led1 = read_ledger(
        write_csv(
            tmp_path / "l1.csv",
            ["line", "actual_to_date", "committed_to_year_end"],
            [["placements", 21_000, 30_000]],
        ),
        p,
    )
    dearer = flat_costs.with_weekly({"ifa": 1400}, dt.date(2000, 4, 1), inflation=0.0)
    m0 = monitor(
        p, register(tmp_path, rows, "a.csv"), flat_costs, as_of=dt.date(2024, 9, 30), ledger=led0
    )
    m1 = monitor(
        p, register(tmp_path, rows, "b.csv"), dearer, as_of=dt.date(2024, 10, 31), ledger=led1
    )
    moves = movement(snapshot_of(m0), snapshot_of(m1))
    got = {r: moves.filter(pl.col("reason") == r)["amount"].sum() for r in moves["reason"].unique()}
    assert got["changed assumptions"] == pytest.approx(100 * 365)  # unit cost £700 → £1,400 a week
    assert "other" not in got
    assert moves["amount"].sum() == pytest.approx(m1.total_outturn - m0.total_outturn)
    assert m1.total_outturn == pytest.approx(51_000)


def test_rerunning_a_saved_month_replaces_it(tmp_path, flat_costs, sqlite_url):
    rows = [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]]
    save_monitoring(
        _month(tmp_path, rows, dt.date(2024, 9, 30), flat_costs, name="a.csv"), sqlite_url
    )
    rows.append(["b", "ifa", "P", 700, "2024-01-01", "", "", "", ""])
    second = save_monitoring(
        _month(tmp_path, rows, dt.date(2024, 9, 30), flat_costs, name="b.csv"), sqlite_url
    )
    r = runs("Testshire", 2024, sqlite_url)
    assert r["run_id"].to_list() == [second]
    assert r["outturn_total"][0] == pytest.approx(2 * 100 * 365)


def test_reading_saved_months_never_migrates_the_store(
    tmp_path, flat_costs, sqlite_url, monkeypatch
):
    rows = [["a", "ifa", "P", 700, "2024-01-01", "", "", "", ""]]
    run_id = save_monitoring(
        _month(tmp_path, rows, dt.date(2024, 9, 30), flat_costs, name="a.csv"), sqlite_url
    )

    def no_migration(*_args, **_kwargs):
        raise AssertionError("a read ran an Alembic upgrade")

    monkeypatch.setattr("alembic.command.upgrade", no_migration)
    assert runs("Testshire", 2024, sqlite_url)["run_id"].to_list() == [run_id]
    assert load_snapshot(run_id, sqlite_url).lines.height == 1
    assert line_history("Testshire", 2024, sqlite_url).height == 1
