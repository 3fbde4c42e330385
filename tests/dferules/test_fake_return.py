"""carecast's rules on the DfE's own fake return flag what the DfE validator flags.

The expected counts in ``dfe_validator_counts.yaml`` are the DfE validator's (csc-validator-be-903
0.1.17), measured by ``benchmarks/compare_dfe_validator.py``; they are a reference of the DfE tool,
not carecast's output. The rules where the two differ are listed, with why, in benchmarks/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carecast.dferules.engine import run_rules
from tests.dferules.conftest import fake_return

REFERENCE = yaml.safe_load((Path(__file__).parent / "dfe_validator_counts.yaml").read_text("utf-8"))


@pytest.mark.parametrize("code", sorted(REFERENCE["rules"]))
def test_flagged_counts_equal_the_dfe_validators(code, fake_result):
    expected = REFERENCE["rules"][code]
    outcome = fake_result[code]
    assert outcome.checked
    assert (sum(outcome.rows.values()), outcome.children) == (
        expected["rows"],
        expected["children"],
    )


def test_the_fake_return_is_checked_against_most_of_the_2024_25_rules(fake_result):
    assert len(fake_result.outcomes) == 305
    assert fake_result.checked >= 250
    assert fake_result.ruleset_year == 2025


def test_an_open_episode_is_not_taken_as_ended(fake_result):
    """388 flags 21 rows when the DfE validator runs it alone; its full run flags 1,081 because an
    earlier rule (365) fills blank end dates in place (see benchmarks/README.md)."""
    assert sum(fake_result["388"].rows.values()) == 21


def test_previous_year_rules_run_when_given_last_year():
    tables = fake_return()
    result = run_rules(tables, 2018, previous=tables, ruleset=2025, only={"502", "NoE", "202"})
    assert all(o.checked for o in result.outcomes)
    assert result["202"].rows == {"header": 0}  # the same return as last year: nothing changed
