"""The report hook: dfe_rules in the JSON document, failures with examples in HTML and Excel."""

from __future__ import annotations

import json

import openpyxl

from carecast.dferules import run_rules
from carecast.dferules.report import add_dfe_rules
from carecast.outputs import run_metadata, write_report
from carecast.outputs.report import Report, Section
from tests.dferules.conftest import GOOD_CHILD, make_return


def _report():
    import polars as pl

    return Report(
        title="SSDA903 data-quality report",
        metadata=run_metadata(command="validate"),
        sections=[Section("Summary", tables={"summary": pl.DataFrame({"read": [1]})})],
    )


def test_json_has_one_entry_per_rule_and_html_excel_list_failures(tmp_path):
    bad = dict(GOOD_CHILD["header"], CHILD="2", SEX="X")
    result = run_rules(
        make_return(header=[GOOD_CHILD["header"], bad], episodes=[GOOD_CHILD["episodes"]]), 2025
    )
    report = add_dfe_rules(_report(), result)
    paths = write_report(report, tmp_path / "report.json")
    doc = json.loads(paths[0].read_text("utf-8"))
    entries = {e["code"]: e for e in doc["dfe_rules"]}
    assert len(entries) == 305
    assert entries["101"] == {
        "code": "101",
        "checked": True,
        "rows": {"header": 1},
        "children": 1,
        "collection_year": 2025,
    }
    assert entries["202"]["checked"] is False and "last year" in entries["202"]["reason"]
    assert doc["dfe_ruleset"][0]["ruleset"] == "2024-25"
    assert "summary" in doc["tables"]

    html = write_report(report, tmp_path / "report.html")[0].read_text("utf-8")
    assert "DfE validation rules" in html and "The child or young person" in html
    assert "Example rows" in html

    book = openpyxl.load_workbook(write_report(report, tmp_path / "report.xlsx")[0])
    text = " ".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert "101" in text and "Example rows" in text


def test_validate_puts_the_dfe_rules_in_its_report(tmp_path):
    import subprocess

    from tests.dferules.conftest import FAKE_RETURN
    from tests.paths import cli

    out = tmp_path / "quality.json"
    done = subprocess.run(
        [
            cli(),
            "validate",
            str(FAKE_RETURN),
            "--council",
            "Richmond upon Thames",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["dfe_ruleset"][0]["ruleset"] == "2022-23"  # the fake return is for 2017-18
    assert len(doc["dfe_rules"]) == doc["dfe_ruleset"][0]["rules"] == 293
    entry = next(e for e in doc["dfe_rules"] if e["code"] == "385")
    assert entry["checked"] and entry["rows"]["episodes"] > 0  # end dates after the year
    skipped = subprocess.run(
        [
            cli(),
            "validate",
            str(FAKE_RETURN),
            "--council",
            "Richmond upon Thames",
            "--out",
            str(tmp_path / "plain.json"),
            "--no-dfe-rules",
        ],
        capture_output=True,
        text=True,
    )
    assert skipped.returncode == 0
    assert "dfe_rules" not in json.loads((tmp_path / "plain.json").read_text("utf-8"))
