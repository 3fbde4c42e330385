"""`carecast validate`: summary table, report files an analyst can act on, cleaned data out."""

from __future__ import annotations

import json

import openpyxl
import polars as pl

from carecast.schema.tables import EPISODE_COLUMNS

from .ingest_cases import ep, hd, write_return


def _messy(root):
    write_return(
        root, "Lewisham", 2019, [ep("1", "01/05/2018"), ep("2", "01/05/2018", "01/04/2018")]
    )
    write_return(
        root,
        "Lewisham",
        2020,
        [ep("1", "01/05/2018", "01/06/2019", rec="E4A"), ep("3", "01/07/2019", place="XX")],
        header=[hd("1"), hd("3")],
    )
    write_return(root, "Southwark", 2020, [ep("9", "01/07/2019")])


def test_summary_table_and_html_report(run_cli, tmp_path):
    _messy(tmp_path / "in")
    code, out, err = run_cli("validate", tmp_path / "in", "--out", tmp_path / "q.html")
    assert code == 0, err
    # one line per council and year: read / kept / repaired / flagged / dropped / merged / unknown placement
    line = next(x for x in out.splitlines() if "Lewisham" in x and "2019" in x)
    assert [int(n) for n in line.replace("│", " ").split()[2:]] == [2, 0, 0, 0, 1, 1, 0]
    line = next(x for x in out.splitlines() if "Lewisham" in x and "2020" in x)
    assert int(line.replace("│", " ").split()[-1]) == 1  # PLACE XX
    html = (tmp_path / "q.html").read_text()
    for text in (
        "Problems by council, year and rule",
        "DEC_BEFORE_DECOM",
        "Lewisham/2019/episodes.csv row 3 DEC",
        "UNKNOWN_CODE",
        "PLACE=&#39;XX&#39;",
        "Check both dates",
    ):
        assert text in html, text


def test_json_and_xlsx_reports(run_cli, tmp_path):
    _messy(tmp_path / "in")
    assert run_cli("validate", tmp_path / "in", "--out", tmp_path / "q.json")[0] == 0
    doc = json.loads((tmp_path / "q.json").read_text())
    assert doc["metadata"]["coverage"]["councils"] == ["Lewisham", "Southwark"]
    assert run_cli("validate", tmp_path / "in", "--out", tmp_path / "q.xlsx")[0] == 0
    wb = openpyxl.load_workbook(tmp_path / "q.xlsx", read_only=True)
    assert {"summary", "issues"} <= set(wb.sheetnames)


def test_cleaned_out_csv_and_parquet(run_cli, tmp_path):
    _messy(tmp_path / "in")
    assert (
        run_cli(
            "validate", tmp_path / "in", "--cleaned-out", tmp_path / "clean" / "episodes.parquet"
        )[0]
        == 0
    )
    episodes = pl.read_parquet(tmp_path / "clean" / "episodes.parquet")
    children = pl.read_parquet(tmp_path / "clean" / "episodes_children.parquet")
    assert episodes.columns == list(EPISODE_COLUMNS)
    assert episodes.height == 3 and children.height == 4
    assert run_cli("validate", tmp_path / "in", "--cleaned-out", tmp_path / "e.csv")[0] == 0
    assert "01/05/2018" in (tmp_path / "e.csv").read_text()  # dates as councils write them
