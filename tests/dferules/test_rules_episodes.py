"""Episode rules (codes, dates, combinations, sequences) on hand-made tables."""

from __future__ import annotations

import pytest

from tests.dferules.conftest import GOOD_CHILD, flagged

H = GOOD_CHILD["header"]
E = GOOD_CHILD["episodes"]


def _e(**changes):
    return dict(E, **changes)


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        ("141", _e(DECOM="2020/05/01"), _e()),
        ("143", _e(RNE="Q"), _e(RNE="B")),
        ("144", _e(LS="Z9"), _e(LS="J3")),
        ("145", _e(CIN="N9"), _e(CIN="N8")),
        ("146", _e(PLACE="K3"), _e(PLACE="K2")),  # K3 is only valid from 2025-26
        ("148", _e(DEC="01/06/2024"), _e(DEC="01/06/2024", REC="E8")),
        ("149", _e(DEC="01/06/2024", REC="E99"), _e(DEC="01/06/2024", REC="E4A")),
        ("1009", _e(REASON_PLACE_CHANGE="BORED"), _e(REASON_PLACE_CHANGE="CUSTOD")),
        ("213", _e(PLACE="T1"), _e(PLACE="T1", PLACE_PROVIDER=None)),
        ("217", _e(PLACE="A3", RNE="P", LS="E1"), _e(PLACE="A3", RNE="T", LS="E1")),
        ("353", _e(DECOM="01/01/1990"), _e()),
        ("354", _e(DECOM="01/04/2025"), _e()),
        ("355", _e(DEC="01/05/2020", REC="E8"), _e(DEC="02/05/2020", REC="E8")),
        ("356", _e(DEC="01/04/2020", REC="E8"), _e(DEC="02/05/2020", REC="E8")),
        (
            "365",
            _e(LS="V3", RNE="S", DECOM="01/01/2025", DEC="20/01/2025", REC="E8"),
            _e(LS="V3", RNE="S", DECOM="01/01/2025", DEC="18/01/2025", REC="E8"),
        ),
        (
            "378",
            _e(PLACE="P1", LS="V2", PLACE_PROVIDER="PR0"),
            _e(PLACE="P1", PLACE_PROVIDER="PR0"),
        ),
        ("385", _e(DEC="01/04/2025", REC="E8"), _e(DEC="31/03/2025", REC="E8")),
        ("390", _e(DEC="01/06/2024", REC="E11"), _e(PLACE="A4", DEC="01/06/2024", REC="E11")),
        ("408", _e(PLACE="A5"), _e(PLACE="A5", LS="E1")),
        ("527", _e(PLACE="R2"), _e(PLACE="R2", PLACE_PROVIDER="PR4")),
        ("550", _e(PLACE_PROVIDER="PR0"), _e(PLACE="P1", PLACE_PROVIDER="PR0")),
    ],
)
def test_episode_rule(code, bad, good):
    good, bad = dict(good, CHILD="1"), dict(bad, CHILD="2")
    assert flagged(code, header=[H, dict(H, CHILD="2")], episodes=[good, bad]) == {"episodes": [1]}


def _stay(child: str, *episodes: dict) -> list[dict]:
    return [dict(E, CHILD=child, **e) for e in episodes]


def test_new_episode_must_start_when_the_last_ended():
    flows = _stay(
        "1",
        {"DECOM": "01/05/2020", "DEC": "01/06/2024", "REC": "X1"},
        {"DECOM": "01/06/2024", "RNE": "P", "PLACE": "U2"},
    )
    gap = _stay(
        "2",
        {"DECOM": "01/05/2020", "DEC": "01/06/2024", "REC": "X1"},
        {"DECOM": "05/06/2024", "RNE": "P", "PLACE": "U2"},
    )
    assert flagged("433", episodes=flows + gap) == {"episodes": [3]}
    assert flagged("388", episodes=flows + gap) == {"episodes": [2]}


def test_reason_for_change_must_match_what_changed():
    same_place = _stay(
        "1",
        {"DECOM": "01/05/2020", "DEC": "01/06/2024", "REC": "X1"},
        {"DECOM": "01/06/2024", "RNE": "P"},
    )
    moved = _stay(
        "2",
        {"DECOM": "01/05/2020", "DEC": "01/06/2024", "REC": "X1"},
        {"DECOM": "01/06/2024", "RNE": "P", "PLACE": "U3"},
    )
    assert flagged("435", episodes=same_place + moved) == {"episodes": [1]}


def test_episodes_after_leaving_care_at_death_or_18():
    eps = _stay(
        "1",
        {"DECOM": "01/05/2020", "DEC": "01/06/2024", "REC": "E2"},
        {"DECOM": "02/06/2024", "RNE": "S"},
    )
    assert flagged("437", episodes=eps) == {"episodes": [0]}
    assert flagged("437", episodes=eps[1:]) == {}


def test_emergency_protection_spell_over_21_days():
    long = _stay(
        "1",
        {"DECOM": "01/01/2025", "LS": "L2", "DEC": "15/01/2025", "REC": "X1"},
        {"DECOM": "15/01/2025", "LS": "L2", "RNE": "P", "DEC": "01/02/2025", "REC": "E8"},
    )
    short = _stay("2", {"DECOM": "01/01/2025", "LS": "L2", "DEC": "15/01/2025", "REC": "E8"})
    assert flagged("362", episodes=long + short) == {"episodes": [0, 1]}


def test_adopted_child_with_later_episodes_is_flagged():
    eps = _stay(
        "1",
        {"DECOM": "01/05/2020", "PLACE": "A4", "DEC": "01/06/2021", "REC": "E11"},
        {"DECOM": "01/06/2023", "RNE": "S"},
    )
    assert flagged("199", episodes=eps) == {"episodes": [1]}


def test_ages_at_events_come_from_the_header():
    young = dict(H, CHILD="2", DOB="01/01/2018")
    eps = [
        dict(E, CHILD="1", LS="J2", DECOM="01/08/2023"),
        dict(E, CHILD="2", LS="J2", DECOM="01/05/2024"),
    ]
    assert flagged("358", header=[H, young], episodes=eps) == {"episodes": [1], "header": [1]}
    over_18 = dict(H, CHILD="3", DOB="01/01/2005")
    eps = [dict(E, CHILD="3", DECOM="01/05/2024")]
    assert flagged("352", header=[over_18], episodes=eps) == {"episodes": [0]}
    assert flagged("352", header=[H], episodes=[E]) == {}


def test_first_episode_must_carry_on_last_years_open_episode():
    from tests.dferules.conftest import make_return

    last = make_return(episodes=[dict(E, LS="C1")])
    assert flagged("503B", previous=last, header=[H], episodes=[E]) == {"episodes": [0]}
    assert flagged("503A", previous=last, header=[H], episodes=[E]) == {}
    closed = make_return(episodes=[dict(E, LS="C1", DEC="01/01/2024", REC="E8")])
    assert flagged("503B", previous=closed, header=[H], episodes=[E]) == {}


def test_an_episode_in_both_returns_is_one_adoption():
    from tests.dferules.conftest import make_return

    adopted = dict(E, PLACE="A4", DEC="01/06/2024", REC="E11")
    assert flagged("199", previous=make_return(episodes=[adopted]), episodes=[adopted]) == {}
    later = dict(E, DECOM="01/07/2024", RNE="S")
    found = flagged("199", previous=make_return(episodes=[adopted]), episodes=[later])
    assert found == {"episodes": [0]}
