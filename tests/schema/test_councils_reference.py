"""The English councils reference file: complete, unique, consistent."""

from __future__ import annotations

import re
from collections import Counter

from carecast.schema.councils import councils, find_council, ons_code_names


def current():
    return [c for c in councils() if c.end_year is None]


def test_all_153_english_councils_with_childrens_services():
    assert len(current()) == 153
    by_region = Counter(c.region for c in current())
    assert by_region == {"London": 33, "North East": 12, "North West": 24, "Yorkshire and The Humber": 15,
                         "East Midlands": 10, "West Midlands": 14, "East of England": 11,
                         "South East": 19, "South West": 15}


def test_codes_are_unique_and_well_formed():
    cs = councils()
    assert len({c.ons_code for c in cs}) == len(cs)
    assert len({c.dfe_number for c in cs}) == len(cs)
    assert len({c.name for c in cs}) == len(cs)
    for c in cs:
        assert re.fullmatch(r"E0[6-9]\d{6}|E10\d{6}", c.ons_code), c
        assert re.fullmatch(r"\d{3}", c.dfe_number), c
        assert 49.8 < c.lat < 55.9 and -6.5 < c.lon < 1.8, c  # inside England


def test_london_has_inner_outer_and_partnerships():
    london = [c for c in councils() if c.is_london]
    assert Counter(c.london_area for c in london) == {"Inner": 14, "Outer": 19}
    assert {c.partnership for c in london} == {"SLCP", "NELCP", "WLA", "CA", "None"}
    assert all(c.london_area is None for c in councils() if not c.is_london)


def test_lookup_by_name_code_number_and_former_code():
    assert find_council("lewisham").dfe_number == "209"
    assert find_council("E09000023").name == "Lewisham"
    assert find_council("E10000023").name == "North Yorkshire"  # pre-2023 county code
    assert find_council("westmorland & furness").ons_code == "E06000064"
    names = dict(ons_code_names().iter_rows())
    assert names["E10000027"] == "Somerset" and names["E06000066"] == "Somerset"


def test_cumbria_is_kept_for_returns_before_2024():
    cumbria = find_council("Cumbria")
    assert cumbria.end_year == 2023
    assert {find_council("Cumberland").region, find_council("Westmorland and Furness").region} == {"North West"}
