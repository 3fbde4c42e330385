"""Header and UASC rules on hand-made tables: one failing and one passing case each."""

from __future__ import annotations

import pytest

from tests.dferules.conftest import GOOD_CHILD, flagged

H = GOOD_CHILD["header"]


def _h(**changes):
    return dict(H, **changes)


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        ("101", _h(SEX="1"), _h(SEX="M")),
        ("102", _h(DOB="31/02/2012"), _h(DOB="28/02/2012")),
        ("103", _h(ETHNIC="XXXX"), _h(ETHNIC="AOTH")),
        ("168", _h(UPN="S123456789012"), _h(UPN="UN2")),
        ("171", _h(MC_DOB="2020-01-01"), _h(MOTHER="1", MC_DOB="01/01/2020")),
        ("174", _h(SEX="M", MC_DOB="01/01/2020"), _h(SEX="M")),
        ("209", _h(DOB="01/01/2010", UPN="UN1"), _h(DOB="01/01/2022", UPN="UN1")),
        ("232", _h(SEX="U"), _h(SEX="F")),
        ("301", _h(DOB="01/04/2025"), _h(DOB="31/03/2025")),
        ("351", _h(DOB="01/01/1998"), _h(DOB="01/05/1999")),
        ("611", _h(MOTHER="1"), _h(MOTHER="1", MC_DOB="01/01/2024")),
        ("612", _h(MOTHER="0", MC_DOB="01/01/2024"), _h(MOTHER="1", MC_DOB="01/01/2024")),
        (
            "620",
            _h(DOB="01/01/2015", MOTHER="1", MC_DOB="01/01/2024"),
            _h(DOB="01/01/2008", MOTHER="1"),
        ),
        (
            "621",
            _h(DOB="01/01/2010", MC_DOB="01/01/2009"),
            _h(DOB="01/01/2008", MC_DOB="01/01/2024"),
        ),
    ],
)
def test_header_rule(code, bad, good):
    assert flagged(code, header=[good, bad]) == {"header": [1]}


def test_sex_codes_follow_the_ruleset_year():
    assert flagged("101", year=2024, header=[_h(SEX="1"), _h(SEX="M")]) == {"header": [1]}


def test_child_with_no_episodes_is_flagged_unless_a_care_leaver():
    other, leaver = _h(CHILD="2"), _h(CHILD="3")
    found = flagged(
        "EPI",
        header=[H, other, leaver],
        episodes=[GOOD_CHILD["episodes"]],
        oc3=[{"CHILD": "3", "IN_TOUCH": "YES"}],
    )
    assert found == {"header": [1]}


def test_uasc_rules():
    uasc = [
        {"CHILD": "1", "SEX": "F", "DOB": "01/06/2012", "DUC": "02/06/2030"},
        {"CHILD": "9", "SEX": "M", "DOB": "01/06/2012", "DUC": "01/06/2024"},
    ]
    assert flagged("304", header=[H], uasc=uasc) == {"uasc": [0]}
    assert flagged("INT09", header=[H], uasc=uasc) == {"uasc": [1]}
    assert flagged("104", header=[H], uasc=[dict(uasc[0], DUC="01/01/2024")]) == {"uasc": [0]}
    assert flagged("INT21", header=[H], uasc=[dict(uasc[0], SEX="M")]) == {"uasc": [0]}
    assert flagged("INT18", header=[H], uasc=uasc[:1]) == {}


def test_header_against_last_year():
    last = {"header": [_h(ETHNIC="WIRI", UPN="UN1")]}
    from tests.dferules.conftest import make_return

    previous = make_return(**last)
    assert flagged("204", previous=previous, header=[H]) == {"header": [0]}
    assert flagged("203", previous=previous, header=[H]) == {}
    assert flagged("208", previous=previous, header=[H]) == {}  # from unknown to known is fine
    assert flagged("208", previous=make_return(header=[H]), header=[_h(UPN="B123456789012")]) == {
        "header": [0]
    }


def test_repeated_child_in_header():
    assert flagged("INT32", header=[H, H, _h(CHILD="2")]) == {"header": [0, 1]}
