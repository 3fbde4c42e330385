"""Bad panel input: each problem is named with its file, row and column and what to do, counted,
and never silently lost; a file that cannot be used at all stops with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.benchmark import load_panel, synthetic_panel, write_panel
from carecast.errors import InputError, NotFoundError

from .benchmark_panels import run_cli

GOOD = (
    "council,year,measure,value\nLewisham,2017-18,csc_spend,110\nLewisham,2017-18,csc_budget,100\n"
)


def _csv(tmp_path: Path, text: str, name: str = "panel.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _one_issue(panel, kind_text: str) -> dict:
    rows = panel.issues.filter(pl.col("problem").str.contains(kind_text))
    assert rows.height == 1, panel.issues
    return rows.row(0, named=True)


def test_unknown_measure_is_named_with_row_and_fix(tmp_path):
    p = load_panel(_csv(tmp_path, GOOD + "Lewisham,2017-18,unicorns,5\n"))
    issue = _one_issue(p, "not a measure")
    assert (issue["row"], issue["column"], issue["value"]) == (4, "measure", "unicorns")
    assert "measures.yaml" in issue["fix"] and issue["action"] == "row dropped"
    assert p.data.height == 2


def test_non_numeric_value_is_counted_not_lost(tmp_path):
    p = load_panel(
        _csv(tmp_path, GOOD + "Lambeth,2017-18,csc_spend,lots\nLambeth,2017-18,csc_budget,x\n")
    )
    issue = _one_issue(p, "not a number")
    assert (issue["row"], issue["column"], issue["council"]) == (4, "value", "Lambeth")
    assert "2017-18" in issue["problem"]
    # 'x' is the DfE's "not available": a missing figure, counted, not an error
    assert p.missing.filter(pl.col("measure") == "csc_budget")["missing_cells"].item() == 1
    summary = {what: figures for what, figures, _ in p.summary().iter_rows()}
    assert (
        summary["non-numeric value (set aside)"] == 1
        and summary["blank or suppressed cells (missing)"] == 1
    )


def test_duplicate_council_year_keeps_first_and_says_so(tmp_path):
    wide = "council,year,csc_spend,csc_budget\nLewisham,2017-18,110,100\nLambeth,2017,90,95\nlewisham,201718,120,100\n"
    p = load_panel(_csv(tmp_path, wide))
    issue = _one_issue(p, "is given again")
    assert issue["row"] == 4 and "first in" in issue["problem"] and "row 2" in issue["problem"]
    assert "1 of these figures differ" in issue["problem"]
    kept = p.data.filter((pl.col("council") == "Lewisham") & (pl.col("measure") == "csc_spend"))
    assert kept["value"].to_list() == [110.0]


def test_every_cell_is_accounted_for(tmp_path):
    """4 rows x 3 measure columns + 3 values in an unknown column = 15 cells: each one is kept,
    missing or set aside with a reason, and the summary adds up."""
    text = (
        "council,year,csc_spend,csc_budget,lac,colour\n"
        "Lewisham,2017-18,110,100,,red\n"  # 2 kept, 1 blank
        "Gotham,2017-18,1,2,3,blue\n"  # 3 set aside: unknown council
        "Lambeth,2017-18,lots,100,50,\n"  # 1 non-numeric, 2 kept
        "lewisham,2017-18,110,100,x,green\n"
    )  # 2 duplicates, 1 suppressed
    p = load_panel(_csv(tmp_path, text))
    s = {what: figures for what, figures, _ in p.summary().iter_rows()}
    assert s["cells read"] == 15
    assert (s["figures kept"], s["blank or suppressed cells (missing)"]) == (4, 2)
    assert s["unknown council (set aside)"] == 3 and s["non-numeric value (set aside)"] == 1
    assert s["duplicate council-year (set aside)"] == 2 and s["unknown measure (set aside)"] == 3


def test_unknown_council_and_unreadable_year(tmp_path):
    p = load_panel(
        _csv(tmp_path, GOOD + "Gotham,2017-18,csc_spend,1\nLewisham,last year,csc_spend,1\n")
    )
    council = _one_issue(p, "not a council")
    assert (council["row"], council["column"], council["value"]) == (4, "council", "Gotham")
    assert "ONS code" in council["fix"]
    year = _one_issue(p, "is not a financial year")
    assert year["row"] == 5 and year["column"] == "year"


def test_unknown_wide_column_is_reported_once(tmp_path):
    p = load_panel(
        _csv(tmp_path, "la_name,time_period,csc_spend,colour\nLewisham,201718,110,blue\n")
    )
    issue = _one_issue(p, "is not a measure")
    assert (issue["row"], issue["column"], issue["action"]) == (1, "colour", "column ignored")


def test_total_that_does_not_match_its_lines_is_flagged_and_kept(tmp_path):
    lines = "".join(f"Lewisham,2017-18,3.1.{i},10\n" for i in range(1, 11))
    p = load_panel(
        _csv(
            tmp_path,
            "la_name,time_period,description_of_expenditure,value\n"
            + lines
            + "Lewisham,2017-18,3.1.11 Total Children Looked After,102\n",
        )
    )
    issue = _one_issue(p, "sum of its components")
    assert "is 102" in issue["problem"] and "is 100" in issue["problem"] and issue["row"] == 12
    assert p.data.filter(pl.col("measure") == "s251_3_1_11")["value"].item() == 102.0


@pytest.mark.parametrize(
    "text,message",
    [
        ("year,measure,value\n2017,csc_spend,1\n", "no council column"),
        ("council,measure,value\nLewisham,csc_spend,1\n", "no year column"),
        ("council,year,colour\nLewisham,2017,blue\n", "no measure columns"),
        ("council,year,measure,value\n", "no rows of data"),
        ("council,year,measure,value\nGotham,2017,csc_spend,1\n", "no usable figures"),
    ],
)
def test_unusable_files_raise_input_error(tmp_path, text, message):
    with pytest.raises(InputError) as info:
        load_panel(_csv(tmp_path, text))
    assert message in info.value.message and info.value.exit_code == 2
    assert info.value.fix and "panel.csv" in info.value.render()


def test_wrong_file_type_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="panels are .csv or .xlsx"):
        load_panel(_csv(tmp_path, GOOD, name="panel.txt"))
    with pytest.raises(InputError, match="does not exist"):
        load_panel(tmp_path / "nope.csv")


def test_windows_1252_file_is_read(tmp_path):
    p = tmp_path / "panel.csv"
    p.write_bytes(
        ("council,year,measure,value,notes\nLewisham,2017-18,csc_spend,110,£ cash\n").encode(
            "cp1252"
        )
    )
    assert load_panel(p).data.height == 1


def test_xlsx_round_trip_and_row_numbers(tmp_path):
    df = synthetic_panel(
        ["Lewisham", "Lambeth", "Southwark", "Greenwich"], range(2015, 2018), seed=3
    )
    path = write_panel(df, tmp_path / "panel.xlsx")
    p = load_panel(path)
    non_null = sum(df.select(pl.exclude("council", "year").is_not_null().sum()).row(0))
    assert p.data.height == non_null and p.issues.is_empty()
    assert p.missing["missing_cells"].sum() == 1  # the synthetic gap in one council's first budget
    first = p.data.filter(
        (pl.col("council") == df["council"][0])
        & (pl.col("year") == 2015)
        & (pl.col("measure") == "lac")
    )
    assert first["row"].item() == 2 and first["value"].item() == df["lac"][0]


# --- the command line: messages and exit codes -------------------------------------------------


def test_cli_bad_rows_are_reported_and_strict_stops(tmp_path, capsys):
    panel = _csv(tmp_path, GOOD + "Lewisham,2017-18,unicorns,5\n")
    out = tmp_path / "r.json"
    code, err = run_cli(capsys, str(panel), "--council", "Lewisham", "--out", str(out))
    assert code == 0, err
    assert "1 input problem" in err
    doc = json.loads(out.read_text())
    assert doc["tables"]["input_issues"][0]["row"] == 4
    code, err = run_cli(capsys, str(panel), "--council", "Lewisham", "--out", str(out), "--strict")
    assert code == 2 and "Traceback" not in err
    assert "row 4" in err and "unicorns" in err and "What to do" in err


def test_cli_unusable_file_and_unknown_council(tmp_path, capsys):
    code, err = run_cli(
        capsys,
        str(_csv(tmp_path, "year,value\n2017,1\n")),
        "--council",
        "Lewisham",
        "--out",
        str(tmp_path / "r.json"),
    )
    assert code == 2 and "no council column" in err and "Traceback" not in err
    code, err = run_cli(
        capsys, str(_csv(tmp_path, GOOD)), "--council", "Lambeth", "--out", str(tmp_path / "r.json")
    )
    assert code == 3 and "not in the panel" in err


def test_neighbours_file_without_the_council(tmp_path):
    from carecast.benchmark.neighbours import load_neighbours

    nb = _csv(
        tmp_path, "council,neighbour_1,neighbour_2\nLambeth,Southwark,Nowhere\n", name="nb.csv"
    )
    with pytest.raises(NotFoundError, match="no neighbours for Lewisham"):
        load_neighbours(nb, "Lewisham")
    names, issues = load_neighbours(nb, "Lambeth")
    assert names == ["Southwark"]
    assert issues.row(0, named=True)["value"] == "Nowhere" and issues.row(0, named=True)["row"] == 2


def test_dfe_long_file_with_national_rows_and_a_second_file(tmp_path):
    """A DfE-shaped s251 file (geographic_level, la_name, time_period, line description) plus a
    council's own wide population file combine into one panel; national rows are read past and counted."""
    s251 = _csv(
        tmp_path,
        "time_period,geographic_level,la_name,description_of_expenditure,value\n"
        "201718,National,,3.1.11 Total Children Looked After,9000000\n"
        "201718,Local authority,Lewisham,3.1.11 Total Children Looked After,25300000\n"
        "201718,Local authority,Lambeth,3.1.1 Residential care (D),7000000\n",
        name="s251.csv",
    )
    pop = _csv(
        tmp_path,
        "LA,Financial year,Pop 0-17\nLewisham,2017/18,68272\nLambeth,2017/18,70000\n",
        name="pop.csv",
    )
    p = load_panel([s251, pop])
    assert p.issues.is_empty() and p.skipped_totals == 1
    skipped = p.summary().filter(pl.col("what").str.starts_with("national"))
    assert skipped["problems"].item() == 1
    wide = p.wide().filter(pl.col("council") == "Lewisham").row(0, named=True)
    assert (wide["s251_3_1_11"], wide["population_0_17"], wide["year"]) == (
        25_300_000,
        68_272,
        2017,
    )


_MEASURES = ["csc_spend", "csc_budget", "lac", "population_0_25"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Lewisham", "Lambeth", "Camden"]),
            st.integers(2010, 2020),
            st.lists(
                st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)), min_size=4, max_size=4
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_wide_csv_round_trip_loses_nothing(tmp_path, rows):
    """Whatever the figures, every non-blank cell is kept once, and every repeat is reported."""
    lines = ["council,year," + ",".join(_MEASURES)]
    for council, year, values in rows:
        lines.append(
            f"{council},{year}-{(year + 1) % 100:02d},"
            + ",".join("" if v is None else repr(v) for v in values)
        )
    p = (
        load_panel(_csv(tmp_path, "\n".join(lines) + "\n", name="rt.csv"))
        if any(v is not None for _, _, vs in rows for v in vs)
        else None
    )
    if p is None:
        return
    s = {what: figures for what, figures, _ in p.summary().iter_rows()}
    assert s["cells read"] == 4 * len(rows)
    seen: dict[tuple, float] = {}
    for council, year, values in rows:
        for m, v in zip(_MEASURES, values, strict=True):
            if v is not None:
                seen.setdefault((council, year, m), v)
    got = {
        (c, y, m): v
        for c, y, m, v in p.data.select("council", "year", "measure", "value").iter_rows()
    }
    assert got == pytest.approx(seen)


def test_typographic_minus_and_brackets_are_negative(tmp_path):
    p = load_panel(
        _csv(tmp_path, "council,year,csc_spend,csc_budget\nLewisham,2017,\u2212120,(1\u00a0200)\n")
    )
    assert sorted(p.data["value"].to_list()) == [-1200.0, -120.0]


def test_dfe_style_neighbours_file(tmp_path):
    """The DfE's statistical-neighbour list: LA number, LA name, SN1..SN10; other columns are not neighbours."""
    from carecast.benchmark.neighbours import load_neighbours

    nb = _csv(
        tmp_path,
        "LA number,LA name,Region,SN1,SN2,SN3\n209,Lewisham,London,Lambeth,E09000028,210\n",
        name="sn.csv",
    )
    names, issues = load_neighbours(nb, "209")
    assert (
        names == ["Lambeth", "Southwark"] and issues.is_empty()
    )  # 210 is Southwark's DfE number too
