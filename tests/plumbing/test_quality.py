"""One data-quality log: issues from any reader or capability in one shape, counted and shown."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.plumbing.quality import (
    ISSUE_SCHEMA,
    Issue,
    combine,
    counts,
    report_table,
    row_issues,
    rows_affected,
)


def test_rows_and_single_issues_combine_into_one_shape():
    rows = pl.DataFrame({"row": [3, 5], "code": ["Z9", "Q1"], "urn": ["SC1", "SC2"]})
    flagged = row_issues(
        rows,
        rule="UNKNOWN_CODE",
        severity="flagged",
        file="a.csv",
        column="code",
        value=pl.col("code"),
        record=pl.col("urn"),
        message=pl.format("code {} is not known", pl.col("code")),
        fix="check it",
    )
    sheet = Issue(
        rule="SHEET_NOT_READ",
        severity="flagged",
        message="not read",
        file="b.xlsx",
        value="Notes",
        count=12,
    )
    both = combine(flagged, [sheet])
    assert both.schema == pl.Schema(ISSUE_SCHEMA)
    assert both["message"].to_list()[:2] == ["code Z9 is not known", "code Q1 is not known"]
    assert both["record"].to_list() == ["SC1", "SC2", None]
    assert counts(both).select("rule", "count").rows() == [
        ("SHEET_NOT_READ", 12),
        ("UNKNOWN_CODE", 1),
        ("UNKNOWN_CODE", 1),
    ]  # by message too
    same = row_issues(rows, rule="R", severity="rejected", message="left out", fix="")
    assert counts(same).select("rule", "count").rows() == [("R", 2)]


def test_rows_affected_counts_each_row_once_and_rejected_wins():
    issues = combine(
        [
            Issue("A", "rejected", "m", file="f", row=2),
            Issue("B", "repaired", "m", file="f", row=2),
            Issue("C", "repaired", "m", file="f", row=3),
            Issue("D", "repaired", "m", file="f", row=3),
        ]
    )
    assert rows_affected(issues, "rejected") == 1
    assert rows_affected(issues, "repaired", unless="rejected") == 1


def test_report_table_has_human_headings_and_drops_empty_columns():
    table = report_table(combine([Issue("A", "rejected", "bad", fix="mend it", file="f", row=2)]))
    assert table.columns == [
        "Rule",
        "What happened",
        "File",
        "Row",
        "Problem",
        "What to do",
        "Rows",
    ]


def test_an_unknown_severity_is_a_programming_error():
    with pytest.raises(ValueError):
        Issue("A", "lost", "m")  # type: ignore[arg-type]


def test_yaml_rule_loaders_give_the_same_shape():
    from carecast.plumbing.quality import Rule, rule_rows_as_issues

    rules = {
        "BAD_DATE": Rule("BAD_DATE", "repaired", "not a date", "write dd/mm/yyyy"),
        "NO_ID": Rule("NO_ID", "dropped", "no id", "add the id"),
    }
    events = pl.DataFrame(
        {
            "uid": [1, 2],
            "rule_id": ["NO_ID", "BAD_DATE"],
            "source_file": ["a.csv"] * 2,
            "source_row": [2, 3],
            "column": [None, "DEC"],
            "value": [None, None],
        }
    )
    got = rule_rows_as_issues(events, rules)
    assert got.schema == pl.Schema(ISSUE_SCHEMA)
    assert got.select("rule", "severity", "row", "message").rows() == [
        ("NO_ID", "rejected", 2, "no id"),
        ("BAD_DATE", "repaired", 3, "not a date"),
    ]


def test_the_903_loader_reports_in_the_same_shape(tmp_path):
    from carecast.ingest import load_returns

    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    row = "1,01/05/2018,S,C2,N1,U4,PR1,,,,,,"
    (folder / "episodes.csv").write_text(f"{header}\n{row}\n{header}\n")
    issues = load_returns(tmp_path).quality.issues()
    hit = issues.filter(pl.col("rule") == "REPEATED_HEADER")
    assert hit.select("severity", "file", "row").rows() == [
        ("rejected", "Lewisham/2019/episodes.csv", 3)
    ]
