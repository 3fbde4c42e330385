"""The SSDA903 specification: base code lists from DOMAIN.md §3, per-year differences applied in order."""

from __future__ import annotations

import pytest

from carecast.schema.ssda903 import TABLES, spec_for_year, table_spec, valid_codes, year_range


def test_tables_and_required_columns_match_domain_brief():
    assert TABLES == (
        "header",
        "episodes",
        "uasc",
        "reviews",
        "missing",
        "oc2",
        "oc3",
        "ad1",
        "placed_for_adoption",
        "previous_permanence",
        "sw_episodes",
    )
    assert set(spec_for_year(2020).tables) == set(TABLES)
    assert table_spec("header").required == ["CHILD", "SEX", "DOB"]
    assert {"CHILD", "DECOM", "LS", "PLACE"} <= set(table_spec("episodes").required)
    assert table_spec("episodes").date_columns == ["DECOM", "DEC"]
    assert table_spec("uasc").date_columns == ["DOB", "DUC"]


def test_code_lists_contain_the_domain_codes():
    spec = spec_for_year(2020)
    lists = spec.code_lists
    assert {
        "A3",
        "A6",
        "H5",
        "K1",
        "K2",
        "P1",
        "P2",
        "P3",
        "R1",
        "R2",
        "R3",
        "R5",
        "S1",
        "T0",
        "T4",
        "U1",
        "U6",
        "Z1",
    } <= set(lists["place"])
    assert set(lists["place_provider"]) == {f"PR{i}" for i in range(6)}
    assert {"V3", "V4", "C1", "C2", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "D1"} == set(
        lists["ls"]
    )
    assert set(lists["rne"]) == set("SLPTBU")
    assert set(lists["cin"]) == {f"N{i}" for i in range(1, 9)}
    assert {
        "X1",
        "E11",
        "E12",
        "E2",
        "E3",
        "E4A",
        "E4B",
        "E41",
        "E5",
        "E6",
        "E7",
        "E8",
        "E9",
    } <= set(lists["rec"])


def test_per_year_changes_apply_cumulatively():
    early, late = spec_for_year(2016).code_lists["rec"], spec_for_year(2019).code_lists["rec"]
    assert "E43" in early and "E45" not in early
    assert "E45" in late and "E43" not in late
    assert spec_for_year(2019).unverified  # changes still to check against DfE guidance are listed


@pytest.mark.parametrize("year", [1990, 2050])
def test_years_outside_the_file_use_the_nearest_year(year):
    first, last = year_range()
    assert spec_for_year(year).year == min(max(year, first), last)


def test_every_code_column_names_a_code_list():
    spec = spec_for_year(2020)
    for table in spec.tables.values():
        for col in table.code_columns:
            assert col.codes in spec.code_lists, (table.name, col.name)


def test_valid_codes_frame_is_per_year():
    frame = valid_codes("episodes", [2016, 2019])
    rec = frame.filter(frame["column"] == "REC")
    assert "E45" in rec.filter(rec["collection_year"] == 2019)["code"].to_list()
    assert "E45" not in rec.filter(rec["collection_year"] == 2016)["code"].to_list()
