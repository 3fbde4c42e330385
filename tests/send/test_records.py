"""Bad EHCP input: clear messages, file/row/column, and nothing lost (kept + dropped + merged = read)."""

import datetime as dt
import subprocess

import polars as pl
import pytest

from carecast.errors import InputError
from carecast.send import load_aggregate, load_ehcp
from tests.paths import cli

HEADER = (
    "child_id,dob,primary_need,plan_start,plan_end,setting,setting_start,setting_end,annual_cost\n"
)
ROWS = [
    "A1,01/09/2010,ASD,01/01/2018,,mainstream,01/01/2018,01/09/2021,",  # 2 moves on
    "A1,01/09/2010,ASD,01/01/2018,,special,01/09/2021,,",  # 3
    "B2,01/05/2012,SEMH,01/03/2020,01/01/2019,mainstream,,,",  # 4 plan ends before it starts
    "C3,01/05/2009,MLD,01/03/2016,,hospital school,,,",  # 5 unknown setting
    "D4,01/01/1997,SLD,01/03/2015,,fe college,,,",  # 6 runs past age 25 (26 on 1/1/2023)
    "E5,01/01/1990,PMLD,01/03/2020,,inmss,,,",  # 7 starts aged over 25
    ",01/01/2012,ASD,01/03/2020,,special,,,",  # 8 no child id
    "F6,01/01/2011,XYZ,01/03/2019,,inmss,,,150000",  # 9 unknown need, very high cost
    "F6,01/01/2011,XYZ,01/03/2019,,inmss,,,150000",  # 10 duplicate
]


@pytest.fixture
def bad_file(tmp_path):
    p = tmp_path / "ehcp.csv"
    p.write_text(HEADER + "\n".join(ROWS) + "\n")
    return p


def test_bad_rows_are_counted_and_nothing_is_lost(bad_file):
    data = load_ehcp(bad_file, council="Lewisham", data_end=dt.date(2024, 3, 31))
    s = data.quality.summary().row(0, named=True)
    assert s["council"] == "Lewisham"
    assert s["read"] == len(ROWS)
    assert s["kept"] + s["dropped"] + s["merged"] == s["read"]
    assert (s["dropped"], s["merged"]) == (2, 1)
    counts = {r["rule_id"]: r for r in data.quality.counts().iter_rows(named=True)}
    assert counts["PLAN_END_BEFORE_START"]["examples"] == "ehcp.csv row 4 plan_end='01/01/2019'"
    assert counts["UNKNOWN_SETTING"]["examples"] == "ehcp.csv row 5 setting='hospital school'"
    assert "row 6" in counts["AGE_OVER_25_CUT"]["examples"]
    assert "row 7" in counts["PLAN_STARTS_OVER_MAX_AGE"]["examples"]
    assert "row 8" in counts["MISSING_CHILD"]["examples"]
    assert counts["DUPLICATE_ROW"]["count"] == 1
    assert "25" in counts["AGE_OVER_25_CUT"]["reason"]
    r = data.records
    assert r.filter(pl.col("child_id") == "B2")["plan_end"].to_list() == [None]
    assert r.filter(pl.col("child_id") == "C3")["setting"].to_list() == ["other"]
    assert r.filter(pl.col("child_id") == "D4")["plan_end"].to_list() == [dt.date(2023, 1, 1)]
    assert r.filter(pl.col("child_id") == "F6")["primary_need"].to_list() == ["unknown"]
    assert "VERY_HIGH_COST" in r.filter(pl.col("child_id") == "F6")["repairs"][0]
    # child ids and dates of birth never appear in the report
    report_text = data.quality.counts().write_csv()
    assert "A1" not in report_text and "01/09/2010" not in report_text


def test_missing_columns_is_unusable_input(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("child_id,dob\nA,01/01/2010\n")
    with pytest.raises(InputError) as e:
        load_ehcp(p, council="Lewisham")
    assert "plan_start" in str(e.value) and "x.csv" in str(e.value)


def test_cli_validate_and_bad_input_exit_codes(bad_file, tmp_path, run_cli):
    code, out, err = run_cli(
        "send", "validate", bad_file, "--council", "Lewisham", "--out", tmp_path / "q.json"
    )
    assert code == 0, err
    assert "PLAN_END_BEFORE_START" in out and (tmp_path / "q.json").is_file()
    bad = tmp_path / "x.csv"
    bad.write_text("child_id,dob\nA,01/01/2010\n")
    code, _, err = run_cli("send", "validate", bad, "--council", "Lewisham")
    assert code == 2
    assert "plan_start" in err and "Traceback" not in err


def test_cli_from_the_shell_exits_2_on_unusable_input(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("child_id,dob\nA,01/01/2010\n")
    res = subprocess.run(
        [cli(), "send", "validate", str(bad), "--council", "Lewisham"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "plan_start" in res.stderr and "Traceback" not in res.stderr


def test_aggregate_age_over_25_names_the_row(tmp_path):
    p = tmp_path / "counts.csv"
    p.write_text("year,age,setting,plans\n2024,10,special,5\n2024,26,fe_college,3\n")
    with pytest.raises(InputError) as e:
        load_aggregate(p)
    assert "row 3" in str(e.value) and "age" in str(e.value) and "0-25" in str(e.value)
    p.write_text("year,age,setting,plans\n2024,10,hospital,5\n")
    with pytest.raises(InputError, match="not a known setting"):
        load_aggregate(p)


def test_aggregate_round_trip(synth, tmp_path):
    synth.aggregate.write_csv(tmp_path / "c.csv")
    back = load_aggregate(tmp_path / "c.csv")
    assert back.get_column("plans").sum() == synth.aggregate.get_column("plans").sum()
