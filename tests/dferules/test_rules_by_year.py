"""Rules whose meaning or existence depends on the collection year's list."""

from __future__ import annotations

from carecast.dferules import run_rules
from tests.dferules.conftest import GOOD_CHILD, flagged, make_return

H = GOOD_CHILD["header"]
E = GOOD_CHILD["episodes"]
SW = {
    "CHILD": "1",
    "DOB": H["DOB"],
    "SW_ID": "SW1",
    "SW_DECOM": "01/05/2024",
    "SW_REASON": "MANAGE",
}


def test_placement_codes_change_in_2025_26():
    eps = [dict(E, PLACE="Z1", PLACE_PROVIDER=None), dict(E, PLACE="Z12", PLACE_PROVIDER=None)]
    assert flagged("146", year=2025, episodes=eps) == {"episodes": [1]}
    assert flagged("146", year=2026, episodes=eps) == {"episodes": [0]}
    assert flagged("526", year=2026, episodes=eps) == {"episodes": [0]}  # Z1 now needs one


def test_rules_exist_only_in_their_years():
    tables = make_return(header=[H], episodes=[E])
    codes_2025 = {o.code for o in run_rules(tables, 2025).outcomes}
    codes_2024 = {o.code for o in run_rules(tables, 2024).outcomes}
    assert "444" not in codes_2025 and "451" in codes_2024 and "451" not in codes_2025


def test_duplicate_upn_from_2025_26():
    header = [H, dict(H, CHILD="2"), dict(H, CHILD="3", UPN="UN2"), dict(H, CHILD="4", UPN="UN2")]
    assert flagged("444", year=2026, header=header) == {"header": [0, 1]}


def test_custody_reason_under_10_from_2025_26():
    young = dict(H, CHILD="2", DOB="01/01/2016")
    eps = [
        dict(E, REASON_PLACE_CHANGE="CUSTOD", DECOM="01/05/2024"),
        dict(E, CHILD="2", REASON_PLACE_CHANGE="CUSTOD", DECOM="01/05/2024"),
    ]
    assert flagged("234", year=2026, header=[H, young], episodes=eps) == {
        "episodes": [1],
        "header": [1],
    }


def test_d1_rules_until_2023_24():
    eps = [
        dict(E, LS="D1", DECOM="01/01/2004", DEC="01/01/2005", REC="E11"),
        dict(E, CHILD="2", LS="D1", DECOM="01/01/2006"),
    ]
    assert flagged("445", year=2024, episodes=eps) == {"episodes": [1]}
    assert flagged("451", year=2024, episodes=eps) == {"episodes": [1]}


def test_social_worker_gap_rule_exempts_first_contact_from_2024_25():
    sw = [SW, dict(SW, SW_DEC=None, SW_DECOM="01/09/2024", SW_REASON="FCONTA")]
    sw[0] = dict(SW, SW_DEC="01/06/2024")
    assert flagged("SW10STG2", year=2024, episodes=[E], sw_episodes=sw) == {"sw_episodes": [1]}
    assert flagged("SW10STG2", year=2025, episodes=[E], sw_episodes=sw) == {}
    overlap = [dict(SW, SW_DEC="01/06/2024"), dict(SW, SW_DECOM="15/05/2024", SW_REASON="FCONTA")]
    assert flagged("SW10bSTG2", year=2026, episodes=[E], sw_episodes=overlap) == {
        "sw_episodes": [1]
    }


def test_social_worker_episodes_2025_26():
    sw = [dict(SW, SW_DEC="02/05/2024"), dict(SW, SW_DECOM="02/05/2024")]
    assert flagged("SW09STG2", year=2026, sw_episodes=sw) == {"sw_episodes": [0]}
    assert flagged("SW09STG2", year=2025, sw_episodes=sw) == {}
    twice = [SW, dict(SW, SW_ID="SW2")]
    assert flagged("SW19STG2", year=2026, sw_episodes=twice) == {"sw_episodes": [1]}
    assert flagged("SW02STG1", year=2026, sw_episodes=[dict(SW, SW_ID="SW")]) == {
        "sw_episodes": [0]
    }
