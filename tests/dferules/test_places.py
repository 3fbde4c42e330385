"""Placement council, in/out of area and distance from a postcode lookup, and the rules on them."""

from __future__ import annotations

import polars as pl
import pytest

from carecast.dferules import run_rules
from carecast.dferules.places import add_placement_geography
from carecast.errors import InputError
from tests.dferules.conftest import GOOD_CHILD, make_return

LOOKUP = pl.DataFrame(
    {
        "postcode": ["AB1 2CD", "AB3 4EF", "EH1 1AA"],
        "la_code": ["E06000001", "E07000002", "S12000036"],
        "upper_la_code": ["E06000001", "E10000002", None],
        "easting": ["400000", "403000", "325000"],
        "northing": ["500000", "504000", "674000"],
    }
)
E = GOOD_CHILD["episodes"]


def _episodes(*changes: dict) -> pl.DataFrame:
    return make_return(episodes=[dict(E, **c) for c in changes])["episodes"]


def test_council_location_and_distance_as_the_dfe_derives_them():
    eps = _episodes({}, {"PL_POST": "ab1 2cd"}, {"PL_POST": "EH1 1AA"}, {"PL_POST": "ZZ9 9ZZ"})
    out = add_placement_geography(eps, LOOKUP, council_code="E06000001")
    assert out["PL_LA"].to_list() == ["E10000002", "E06000001", "SCO", None]
    assert out["PL_LOCATION"].to_list() == ["OUT", "IN", "OUT", None]
    assert out["PL_DISTANCE"].to_list()[:2] == ["3.1", "0.0"]  # 5 km = 3.1 miles
    assert out["PL_POST_FOUND"].to_list() == ["true", "true", "true", "false"]
    assert out.height == eps.height and out.columns[: eps.width] == eps.columns


def test_a_lookup_without_the_columns_is_refused():
    with pytest.raises(InputError, match="easting"):
        add_placement_geography(_episodes({}), LOOKUP.drop("easting"), None)


def test_rules_on_the_placement_area():
    tables = make_return(
        header=[GOOD_CHILD["header"]],
        episodes=[dict(E), dict(E, PL_POST="ZZ9 9ZZ"), dict(E, LS="V3", PL_POST="AB1 2CD")],
    )
    without = run_rules(tables, 2025, only={"169"})["169"]
    assert not without.checked and "postcode" in without.reason
    result = run_rules(
        tables,
        2025,
        postcodes=LOOKUP,
        council_code="E06000001",
        only={"169", "392c", "420", "411", "1015"},
    )
    assert result["169"].flagged["episodes"].to_list() == [1]  # placement postcode not found
    assert result["392c"].flagged["episodes"].to_list() == [1]
    assert result["420"].flagged["episodes"].to_list() == [2]  # respite with a placement council
    assert result["1015"].flagged["episodes"].to_list() == []  # U1 is a foster placement
    assert result["411"].flagged["episodes"].to_list() == []
