"""Shared pieces for the DfE rules' tests: tiny hand-made returns and the DfE fake return."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pytest

from carecast.dferules import run_rules
from carecast.dferules.folder import read_csv_folder
from carecast.synth.returns import EPISODE_COLUMNS_903, HEADER_COLUMNS, UASC_COLUMNS
from tests.paths import EXTERNAL

FAKE_RETURN = EXTERNAL / "dfe-903-validator" / "fake-return"

COLUMNS = {
    "header": list(HEADER_COLUMNS),
    "episodes": list(EPISODE_COLUMNS_903),
    "uasc": list(UASC_COLUMNS),
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "oc2": [
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "ad1": [
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ],
    "placed_for_adoption": [
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ],
    "previous_permanence": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "sw_episodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
}

# A child looked after all of 2024-25 with nothing wrong in the tables the tests use.
GOOD_CHILD = {
    "header": {
        "CHILD": "1",
        "SEX": "F",
        "DOB": "01/06/2012",
        "ETHNIC": "WBRI",
        "UPN": "A123456789012",
        "MOTHER": "0",
    },
    "episodes": {
        "CHILD": "1",
        "DECOM": "01/05/2020",
        "RNE": "S",
        "LS": "C2",
        "CIN": "N1",
        "PLACE": "U1",
        "PLACE_PROVIDER": "PR1",
        "HOME_POST": "AB1 2CD",
        "PL_POST": "AB3 4EF",
        "URN": "1234567",
    },
}


def table(name: str, rows: list[dict]) -> pl.DataFrame:
    """A raw 903 table (every column as text) from a few rows; unnamed columns are blank."""
    cols = COLUMNS[name]
    return pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in cols}, schema=dict.fromkeys(cols, pl.String)
    )


def make_return(**rows: list[dict]) -> dict[str, pl.DataFrame]:
    return {name: table(name, r) for name, r in rows.items()}


def flagged(code: str, year: int = 2025, previous: dict | None = None, **rows: list[dict]):
    """Row numbers (0-based) rule ``code`` flags per table on a hand-made return."""
    outcome = run_rules(make_return(**rows), year, previous=previous, only={code})[code]
    assert outcome.checked, outcome.reason
    return {t: s.to_list() for t, s in outcome.flagged.items() if s.len()}


@cache
def fake_return() -> dict[str, pl.DataFrame]:
    return read_csv_folder(FAKE_RETURN)


FAKE_COUNCIL = "E09000027"  # the council the DfE tool's own examples use (and the benchmark)


def fake_postcodes() -> pl.DataFrame:
    """The ONS postcode rows for the fake return's postcodes (see NOTICE.md)."""
    return pl.read_csv(Path(__file__).parent / "fake_return_postcodes.csv", infer_schema=False)


@pytest.fixture(scope="session")
def fake_result():
    return run_rules(
        fake_return(), 2018, ruleset=2025, postcodes=fake_postcodes(), council_code=FAKE_COUNCIL
    )
