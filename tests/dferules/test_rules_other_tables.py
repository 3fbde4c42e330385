"""Rules on reviews, missing, OC2, OC3, AD1, placed for adoption, previous permanence and
social-worker episodes, on hand-made tables: a failing and a passing row each."""

from __future__ import annotations

import pytest

from tests.dferules.conftest import GOOD_CHILD, flagged, make_return

H = GOOD_CHILD["header"]
E = GOOD_CHILD["episodes"]
DOB = H["DOB"]


@pytest.mark.parametrize(
    ("code", "table", "bad", "good"),
    [
        (
            "166",
            "reviews",
            {"REVIEW": "32/01/2025"},
            {"REVIEW": "01/01/2025", "REVIEW_CODE": "PN1"},
        ),
        (
            "167",
            "reviews",
            {"REVIEW": "01/01/2025", "REVIEW_CODE": "PN9"},
            {"REVIEW": "01/01/2025", "REVIEW_CODE": "PN1"},
        ),
        (
            "440",
            "reviews",
            {"REVIEW": "01/01/2025", "REVIEW_CODE": "PN0"},
            {"REVIEW": "01/01/2025", "REVIEW_CODE": "PN1"},
        ),
        (
            "1006",
            "missing",
            {"MISSING": "X", "MIS_START": "01/01/2025"},
            {"MISSING": "M", "MIS_START": "01/01/2025"},
        ),
        (
            "567",
            "missing",
            {"MISSING": "A", "MIS_START": "05/01/2025", "MIS_END": "01/01/2025"},
            {"MISSING": "A", "MIS_START": "01/01/2025", "MIS_END": "05/01/2025"},
        ),
        (
            "571",
            "missing",
            {"MISSING": "A", "MIS_START": "01/03/2024", "MIS_END": "05/03/2024"},
            {"MISSING": "A", "MIS_START": "01/01/2025", "MIS_END": "05/01/2025"},
        ),
        ("180", "oc2", {"SDQ_SCORE": "41"}, {"SDQ_SCORE": "40"}),
        ("196", "oc2", {"SDQ_REASON": "SDQ9"}, {"SDQ_REASON": "SDQ2"}),
        ("197a", "oc2", {"SDQ_SCORE": "10", "SDQ_REASON": "SDQ1"}, {"SDQ_SCORE": "10"}),
        (
            "193",
            "oc2",
            {"SUBSTANCE_MISUSE": "0", "INTERVENTION_RECEIVED": "1"},
            {"SUBSTANCE_MISUSE": "1", "INTERVENTION_RECEIVED": "1"},
        ),
        ("131", "oc3", {"IN_TOUCH": "MAYBE"}, {"IN_TOUCH": "NREQ"}),
        (
            "345",
            "oc3",
            {"IN_TOUCH": "YES", "ACTIV": "0", "ACCOM": "B1"},
            {"IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
        ),
        ("175", "ad1", {"NB_ADOPTR": "3"}, {"NB_ADOPTR": "2"}),
        (
            "517",
            "ad1",
            {"LS_ADOPTR": "L3", "SEX_ADOPTR": "MM"},
            {"LS_ADOPTR": "L3", "SEX_ADOPTR": "MF"},
        ),
        (
            "333",
            "ad1",
            {"DATE_INT": "05/01/2025", "DATE_MATCH": "01/01/2025"},
            {"DATE_INT": "01/01/2025", "DATE_MATCH": "05/01/2025"},
        ),
        (
            "119",
            "placed_for_adoption",
            {"DATE_PLACED": "01/01/2024", "DATE_PLACED_CEASED": "01/02/2024"},
            {
                "DATE_PLACED": "01/01/2024",
                "DATE_PLACED_CEASED": "01/02/2024",
                "REASON_PLACED_CEASED": "RD1",
            },
        ),
        (
            "522",
            "placed_for_adoption",
            {"DATE_PLACED": "01/03/2024", "DATE_PLACED_CEASED": "01/02/2024"},
            {"DATE_PLACED": "01/01/2024", "DATE_PLACED_CEASED": "01/02/2024"},
        ),
        ("631", "previous_permanence", {"PREV_PERM": "P9"}, {"PREV_PERM": "Z1"}),
        (
            "633",
            "previous_permanence",
            {"PREV_PERM": "P1", "LA_PERM": "123"},
            {"PREV_PERM": "P1", "LA_PERM": "SCO"},
        ),
        (
            "SW02STG1",
            "sw_episodes",
            {"SW_ID": "AB123", "SW_DECOM": "01/05/2024"},
            {"SW_ID": "SW123", "SW_DECOM": "01/05/2024"},
        ),
        (
            "SW13STG1",
            "sw_episodes",
            {"SW_ID": "SW1", "SW_DECOM": "01/05/2024"},
            {"SW_ID": "SW1", "SW_DECOM": "01/05/2024", "SW_REASON": "MANAGE"},
        ),
    ],
)
def test_table_rule(code, table, bad, good):
    rows = [dict(good, CHILD="1", DOB=DOB), dict(bad, CHILD="1", DOB=DOB)]
    found = flagged(code, header=[H], episodes=[E], **{table: rows})
    assert found == {table: [1]}


def test_partial_permanence_date_is_read_as_its_latest_day():
    perm = [
        {"CHILD": "1", "DOB": DOB, "PREV_PERM": "P1", "LA_PERM": "800", "DATE_PERM": "ZZ/04/2020"},
        {"CHILD": "2", "DOB": DOB, "PREV_PERM": "P1", "LA_PERM": "800", "DATE_PERM": "ZZ/06/2020"},
    ]
    eps = [dict(E, CHILD="1"), dict(E, CHILD="2")]  # both start on 1 May 2020
    found = flagged("632", header=[H, dict(H, CHILD="2")], episodes=eps, previous_permanence=perm)
    assert found == {"episodes": [1], "previous_permanence": [1]}


def test_continuously_looked_after_decides_the_oc2_rules():
    left = dict(E, CHILD="2", DEC="01/10/2024", REC="E8")  # left care during the year
    oc2 = [
        {"CHILD": "1", "DOB": DOB, "SDQ_SCORE": "12"},
        {"CHILD": "2", "DOB": DOB, "SDQ_SCORE": "12"},
    ]
    found = flagged("185", header=[H, dict(H, CHILD="2")], episodes=[E, left], oc2=oc2)
    assert found == {"oc2": [1]}


def test_missing_period_outside_care():
    missing = [
        {
            "CHILD": "1",
            "DOB": DOB,
            "MISSING": "M",
            "MIS_START": "01/01/2025",
            "MIS_END": "02/01/2025",
        },
        {
            "CHILD": "1",
            "DOB": DOB,
            "MISSING": "M",
            "MIS_START": "01/01/2019",
            "MIS_END": "02/01/2019",
        },
    ]
    assert flagged("578", header=[H], episodes=[E], missing=missing) == {"missing": [1]}
    assert flagged("581", header=[H], episodes=[E], missing=missing) == {"missing": [1]}


def test_care_leaver_who_died_in_care():
    died = dict(E, CHILD="2", DEC="01/10/2024", REC="E2")
    oc3 = [
        {"CHILD": "1", "DOB": DOB, "IN_TOUCH": "YES"},
        {"CHILD": "2", "DOB": DOB, "IN_TOUCH": "DIED"},
    ]
    assert flagged("1000", header=[H], episodes=[E, died], oc3=oc3) == {"oc3": [1]}


def test_placed_for_adoption_against_last_year():
    last = make_return(placed_for_adoption=[{"CHILD": "1", "DATE_PLACED": "01/01/2023"}])
    now = [{"CHILD": "1", "DATE_PLACED": "01/02/2023"}]
    assert flagged("560", previous=last, header=[H], placed_for_adoption=now) == {
        "placed_for_adoption": [0]
    }
    same = [{"CHILD": "1", "DATE_PLACED": "01/01/2023"}]
    assert flagged("560", previous=last, header=[H], placed_for_adoption=same) == {}


def test_care_leaver_must_be_a_relevant_child():
    header = [dict(H, CHILD="1", DOB="01/01/2006"), dict(H, CHILD="2", DOB="01/01/2006")]
    eps = [
        dict(E, CHILD="1", DECOM="01/01/2021", DEC="01/06/2024", REC="E8"),
        dict(E, CHILD="2", DECOM="01/01/2024", DEC="01/02/2024", REC="E8"),
    ]
    oc3 = [
        {"CHILD": "1", "DOB": "01/01/2006", "IN_TOUCH": "YES"},
        {"CHILD": "2", "DOB": "01/01/2006", "IN_TOUCH": "YES"},
    ]
    last = make_return(episodes=eps)
    found = flagged("1001", previous=last, header=header, episodes=eps, oc3=oc3)
    assert found == {"oc3": [1]}  # 31 days in care after 14: not a relevant child
