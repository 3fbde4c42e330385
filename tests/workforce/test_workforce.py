"""Workforce: the Lewisham agency saving, caseload what-ifs, and refused establishments."""

from importlib import resources
from pathlib import Path

import pytest

from carecast.errors import InputError
from carecast.workforce.establishment import read_establishment, workforce_policy
from carecast.workforce.whatif import (
    agency_share,
    agency_to,
    as_forecast,
    by_team_and_role,
    caseload_target,
    caseloads,
    yearly_cost,
)

EXAMPLE = Path(
    str(resources.files("carecast.workforce").joinpath("data/example_establishment.csv"))
)


@pytest.fixture(scope="module")
def example():
    return read_establishment(EXAMPLE, workforce_policy())


def test_agency_saving_against_lewisham_2018(example):
    """Lewisham 2018 §9.1.2: 353 FTE, 31.7% agency; 'the additional cost of an agency worker ranges
    between 5% and 16% depending on the role'; 'moving to the best in London (11%) would reduce the
    cost by just over £500k'.

    Arithmetic: 353 FTE × (31.7% − 11%) = 73.1 FTE move from agency to employed. At the shipped
    roles' employed costs (social worker £52,000 ... business support £32,000 a year) and premiums
    (16% ... 5%), over the shipped example's mix of agency staff, the saving is £510k: just over
    £500k, with an average premium of 13.9%, inside the report's 5-16%. (Costing the same 73.1 FTE
    at the report's blended £14.6m / 353 = £41,400 would need a 17% premium: outside the range, so
    the report's saving implies employed costs near a London social worker's, as shipped.)
    """
    assert example.select(
        (example["employed_fte"] + example["agency_fte"]).sum()
    ).item() == pytest.approx(353)
    assert agency_share(example) == pytest.approx(0.317, abs=0.0005)
    w = agency_to(example, 0.11)
    assert 500_000 < -w.change_gbp < 550_000  # "just over £500k"
    moved = w.detail["fte_moved"].sum()
    assert moved == pytest.approx(353 * (0.317 - 0.11), abs=0.2)
    implied = -w.change_gbp / (w.detail["fte_moved"] * w.detail["annual_cost"]).sum()
    assert 0.05 <= implied <= 0.16
    assert (
        f"{implied:.1%}" in w.arithmetic
        and "73.1 FTE" in w.arithmetic
        and "£509,949" in w.arithmetic
    )


def test_no_saving_when_already_below_the_target(example):
    w = agency_to(example, 0.5)
    assert w.change_gbp == 0 and "already" in w.arithmetic


def test_caseload_target_15_needs_more_social_workers(example):
    """Referral and assessment: 570 cases ÷ 15 = 38 FTE against 38 today (22 + 16); family social
    work: 1,100 ÷ 15 = 73.3 against 67; every team's extra FTE costed at its mix."""
    w = caseload_target(example, 15)
    fsw = w.detail.filter(w.detail["team"] == "Family Social Work").row(0, named=True)
    assert fsw["workers_needed_fte"] == pytest.approx(1100 / 15)
    assert fsw["change_fte"] == pytest.approx(1100 / 15 - 67)
    share = 31 / 67
    assert fsw["change_in_cost_gbp"] == pytest.approx(
        (1100 / 15 - 67) * 52_000 * (1 + 0.16 * share)
    )
    assert w.change_gbp == pytest.approx(w.detail["change_in_cost_gbp"].sum())
    assert "1,100 cases ÷ 15 = 73.3 FTE" in w.arithmetic
    assert "Personal adviser" not in set(w.detail["role"])  # advisers keep their 27


def test_children_in_care_as_forecast_scale_the_teams_that_work_with_them(example):
    w = as_forecast(
        example, {"children in care": 1.1, "care leavers": 1.0}, "Children in care as forecast"
    )
    cic = w.detail.filter(w.detail["team"] == "Children in Care")
    assert cic["cases"].to_list() == pytest.approx([494 * 1.1, 60 * 1.1])
    leaving = w.detail.filter(w.detail["team"] == "Leaving Care")
    assert leaving["cases"].to_list() == pytest.approx([410, 90])
    assert "Referral and Assessment" not in set(
        w.detail["team"]
    )  # its cases do not follow the forecast
    sw = cic.row(0, named=True)
    assert sw["change_fte"] == pytest.approx(
        494 * 0.1 / 15
    )  # growth only, not today's gap to target
    assert w.change_gbp == pytest.approx(w.detail["change_in_cost_gbp"].sum()) and w.change_gbp > 0


def test_tables_add_up(example):
    t = by_team_and_role(example)
    total = t.filter(t["team"] == "Total").row(0, named=True)
    assert total["yearly_cost_gbp"] == pytest.approx(yearly_cost(example))
    assert total["agency_fte"] == pytest.approx(111.9)
    loads = caseloads(example)
    assert set(loads["team"]) == {
        "Referral and Assessment",
        "Family Social Work",
        "Children in Care",
        "Leaving Care",
    }


HEADER = "team,role,established_fte,employed_fte,agency_fte\n"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("A,wizard,1,1,0", "role", "not a role"),
        ("A,social_worker,5,-2,1", "employed_fte", "negative"),
        ("A,Social worker,5,2,x", "agency_fte", "not a number"),
    ],
)
def test_bad_rows_are_refused_with_file_row_column_and_fix(tmp_path, row, column, words):
    f = tmp_path / "staff.csv"
    f.write_text(HEADER + "B,team_manager,1,1,0\n" + row + "\n")
    with pytest.raises(InputError) as err:
        read_establishment(f, workforce_policy())
    msg = err.value.render()
    assert (
        "staff.csv" in msg
        and "row 3" in msg
        and column in msg
        and words in msg
        and "What to do" in msg
    )


def test_an_agency_share_over_100_percent_is_refused(tmp_path):
    f = tmp_path / "staff.csv"
    f.write_text("team,role,fte,agency_share\nA,social_worker,10,31.7%\nB,social_worker,10,130%\n")
    with pytest.raises(InputError) as err:
        read_establishment(f, workforce_policy())
    msg = err.value.render()
    assert "row 3" in msg and "agency_share" in msg and "over 100%" in msg
    f.write_text("team,role,fte,agency_share\nA,social_worker,10,31.7%\n")
    est = read_establishment(f, workforce_policy())
    assert est["agency_fte"].item() == pytest.approx(3.17)


def test_an_establishment_read_from_excel_gives_the_same_answer(tmp_path, example):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in EXAMPLE.read_text().splitlines():
        sheet.append([float(v) if v.replace(".", "").isdigit() else v for v in line.split(",")])
    path = tmp_path / "staff.xlsx"
    book.save(path)
    again = read_establishment(path, workforce_policy())
    assert yearly_cost(again) == pytest.approx(yearly_cost(example))
