"""The parameter tree (carecast.parameters): dated values, citations, and whole-file validation."""

from __future__ import annotations

import datetime as dt

import pytest

from carecast.errors import ParameterError
from carecast.parameters import load, parse_text, shipped

FILE = """\
description: Test parameters.
references:
  r1: {title: "Report one", file: seeds/one.txt, section: Costs}
costs:
  label: Costs
  weekly:
    label: Weekly cost
    unit: currency-GBP per week
    values:
      2017-04-01: {value: 100, reference: r1}
      2020-04-01: {value: 120, reference: "Report two, table 3"}
threshold:
  label: Threshold
  unit: children
  reference: {title: Judgement, link: "https://example.org/why"}
  value: 5
"""


def test_values_are_returned_at_a_date_with_unit_label_and_references(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(FILE)
    tree = load(p)
    weekly = tree["costs.weekly"]
    assert (weekly.label, weekly.unit) == ("Weekly cost", "currency-GBP per week")
    assert tree.value("costs.weekly", at=dt.date(2019, 1, 1)) == 100
    assert tree.value("costs.weekly", at=dt.date(2020, 4, 1)) == 120
    assert (
        tree.value("costs.weekly", at=dt.date(2000, 1, 1)) == 100
    )  # before the first date: the first value
    assert tree.value("costs.weekly") == 120
    assert [r.title for r in weekly.references] == ["Report one", "Report two, table 3"]
    assert weekly.references[0].file == "seeds/one.txt"
    assert tree["threshold"].references[0].link == "https://example.org/why"
    assert tree.values() == {"costs.weekly": 120, "threshold": 5}
    assert tree.children("") == ["costs", "threshold"]


@pytest.mark.parametrize(
    ("change", "row", "words"),
    [
        (
            (
                "    unit: currency-GBP per week\n",
                "    unit: currency-GBP per week\n    uprating: cpi\n",
            ),
            9,
            ["unknown key 'uprating'", "metadata"],
        ),
        (
            ("      2020-04-01:", "      2020-13-01:"),
            None,
            ["month must be in 1..12", "YYYY-MM-DD"],
        ),
        (("      2020-04-01:", "      2020-04-xx:"), 11, ["is not a date", "YYYY-MM-DD"]),
        (
            ("  value: 5\n", "  value: 5\n  values: {2020-01-01: 6}\n"),
            13,
            ["either 'value' or 'values'"],
        ),
        (
            ("threshold:\n", "stray: 3\nthreshold:\n"),
            12,
            ["neither a parameter nor a group", "stray: {value"],
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_the_key_and_the_fix(change, row, words):
    with pytest.raises(ParameterError) as info:
        parse_text(FILE.replace(*change), "p.yaml")
    text = info.value.render()
    assert info.value.where.file == "p.yaml" and info.value.where.row == row, text
    assert "What to do" in text and all(w in text for w in words), text


def test_overrides_are_checked_as_a_whole_before_anything_changes():
    tree = parse_text(FILE, "p.yaml")
    new = tree.override({"threshold": {"value": 7}, "costs": {"weekly": 90}}, "mine.yaml")
    assert new.values() == {"costs.weekly": 90, "threshold": 7} and tree.value("threshold") == 5
    assert new.overridden == ("costs.weekly", "threshold")
    with pytest.raises(ParameterError, match="unknown parameter 'costs.monthly'") as info:
        tree.override({"costs": {"monthly": 1}}, "mine.yaml")
    assert "weekly" in info.value.fix
    with pytest.raises(ParameterError, match="group, not a parameter"):
        tree.with_values({"costs": 1}, "mine.yaml")


def test_shipped_files_carry_their_citations():
    costs = shipped("carecast.costs", "unit_costs.yaml")
    ifa = costs["cost_groups.ifa.weekly_cost"]
    assert ifa.at(dt.date(2018, 1, 1)) == 871 and ifa.unit == "currency-GBP per week"
    assert any("Under pressure" in r.title and r.file for r in ifa.references)
    assert shipped("carecast.forecast", "model.yaml")["quantiles"].unit == "fraction"
