"""run_rules: one outcome per rule of the year's list, unchecked rules say why, results table."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.dferules import run_rules
from carecast.dferules.catalogue import available_years, rule_list, ruleset_year, year_label
from carecast.errors import ParameterError
from tests.dferules.conftest import GOOD_CHILD, make_return


def test_rule_lists_per_year_are_the_dfe_counts():
    counts = {year: len(rule_list(year)) for year in available_years()}
    assert counts == {2023: 293, 2024: 312, 2025: 305, 2026: 316, 2027: 327}


def test_every_rule_of_the_year_is_reported_once():
    result = run_rules(make_return(header=[GOOD_CHILD["header"]]), 2025)
    codes = [o.code for o in result.outcomes]
    assert codes == [r.code for r in rule_list(2025)]
    assert len(set(codes)) == 305


def test_a_rule_needing_last_year_is_unchecked_without_it_and_checked_with_it():
    this_year = make_return(header=[GOOD_CHILD["header"]])
    alone = run_rules(this_year, 2025)["202"]
    assert not alone.checked and "last year" in alone.reason
    changed = dict(GOOD_CHILD["header"], SEX="M")
    with_last = run_rules(this_year, 2025, previous=make_return(header=[changed]))["202"]
    assert with_last.checked and with_last.rows == {"header": 1} and with_last.children == 1


def test_a_missing_table_is_named_in_the_reason():
    outcome = run_rules(make_return(header=[GOOD_CHILD["header"]]), 2025)["1006"]
    assert not outcome.checked and "missing table" in outcome.reason


def test_rules_needing_a_reference_list_say_so():
    outcome = run_rules(make_return(episodes=[GOOD_CHILD["episodes"]]), 2025)["224"]
    assert not outcome.checked and outcome.reason


def test_a_return_before_the_oldest_list_is_checked_against_the_nearest():
    assert ruleset_year(2018) == 2023 and ruleset_year(2030) == 2027 and ruleset_year(2025) == 2025
    assert year_label(2025) == "2024-25"
    with pytest.raises(ParameterError):
        ruleset_year(25)


def test_to_frame_lists_rows_children_and_examples_without_child_ids():
    bad = dict(GOOD_CHILD["header"], CHILD="SECRET-ID", SEX="X")
    result = run_rules(make_return(header=[GOOD_CHILD["header"], bad]), 2025)
    frame = result.to_frame()
    row = frame.filter(pl.col("code") == "101").row(0, named=True)
    assert (row["checked"], row["rows"], row["children"]) == (True, 1, 1)
    assert row["examples"] == "header rows 3"  # the second data row: row 3 of the file
    text = frame.select(pl.concat_str(pl.col(pl.String), separator=" ", ignore_nulls=True))
    assert not text.to_series().str.contains("SECRET").any()
    assert result["101"].failed and not result["102"].failed


def test_values_are_read_as_the_dfe_tool_reads_them():
    """Lower case is upper-cased and empty text is blank before any rule runs."""
    child = dict(GOOD_CHILD["header"], SEX="f", MC_DOB="")
    result = run_rules(make_return(header=[child]), 2025)
    assert result["101"].rows == {"header": 0}
    assert result["171"].rows == {"header": 0}


def test_a_table_missing_a_column_leaves_those_rules_unchecked_with_the_column_named():
    episodes = make_return(episodes=[GOOD_CHILD["episodes"]])["episodes"].drop("URN")
    result = run_rules(
        {"header": make_return(header=[GOOD_CHILD["header"]])["header"], "episodes": episodes}, 2025
    )
    assert not result["222"].checked and "URN" in result["222"].reason
    assert result["143"].checked  # rules not reading URN still run


def test_numbers_given_as_numbers_are_read_as_text():
    header = make_return(header=[GOOD_CHILD["header"]])["header"].with_columns(
        pl.lit(0).alias("MOTHER")
    )
    assert run_rules({"header": header}, 2025, only={"612"})["612"].checked


def test_collection_year_can_be_written_as_people_write_it():
    from carecast.dferules.catalogue import parse_year

    assert parse_year("2024-25") == parse_year("2024/2025") == parse_year(2025) == 2025
    with pytest.raises(ParameterError):
        parse_year("2024-26")
    result = run_rules(make_return(header=[GOOD_CHILD["header"]]), "2024-25", only={"101"})
    assert result.collection_year == 2025
