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
    assert by_region == {
        "London": 33,
        "North East": 12,
        "North West": 24,
        "Yorkshire and The Humber": 15,
        "East Midlands": 10,
        "West Midlands": 14,
        "East of England": 11,
        "South East": 19,
        "South West": 15,
    }


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
    assert {find_council("Cumberland").region, find_council("Westmorland and Furness").region} == {
        "North West"
    }


def test_official_and_common_names_find_the_same_council():
    for official, short in (
        ("Bristol, City of", "Bristol"),
        ("Herefordshire, County of", "Herefordshire"),
        ("Kingston upon Hull, City of", "Kingston upon Hull"),
    ):
        assert find_council(official).name == short
        assert find_council(official).official_name == official


def test_abolished_councils_map_to_their_successors():
    north = find_council("Northamptonshire")
    assert north.end_year == 2021
    assert set(north.successors) == {"North Northamptonshire", "West Northamptonshire"}
    for old in ("Bournemouth", "Poole"):
        assert find_council(old).successors == ("Bournemouth, Christchurch and Poole",)
        assert find_council(old).end_year == 2019
    old_dorset = find_council("835")
    assert old_dorset.end_year == 2019 and "Dorset" in old_dorset.successors
    assert find_council("Dorset").dfe_number == "838"  # the current council wins the shared name
    assert find_council("BCP").first_year == 2020
    for c in councils():
        for s in c.successors:
            assert find_council(s).end_year is None, (c.name, s)


def test_reference_file_is_what_the_script_builds_from_the_published_lists():
    import csv
    import importlib.util

    from tests.paths import EXTERNAL, REPO

    if not (EXTERNAL / "dfe-published").is_dir():
        import pytest

        pytest.skip("the DfE published statistics are not in ../shared/external")
    spec = importlib.util.spec_from_file_location(
        "build_councils", REPO / "scripts" / "build_councils.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = {r["dfe_number"]: r for r in module.build()}
    with open(module.OUT, newline="", encoding="utf-8") as fh:
        shipped = {r["dfe_number"]: r for r in csv.DictReader(fh)}
    assert {k: {c: str(v) for c, v in r.items()} for k, r in built.items()} == shipped


def test_unknown_council_is_refused_with_the_nearest_names():
    import pytest

    from carecast.errors import NotFoundError

    with pytest.raises(NotFoundError) as err:
        find_council("Lewisam")
    assert "'Lewisham'" in err.value.fix
