"""Scenario files are validated whole, with the line and the fix, before anything runs."""

import datetime as dt

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.scenarios import load_scenario, parse_scenario

GOOD = """\
scenario: test
levers:
  - lever: reduce_entries
    start: 2025-04-01
    ramp_months: 12
    percent: 10
"""


def test_builtin_ccn_scenario_loads_and_cites_the_report():
    s = load_scenario("ccn_optimised")
    kinds = [lv.lever for lv in s.levers]
    assert kinds == ["reduce_entries", "raise_exits", "step_down", "fostering_mix"]
    assert s.levers[0].percent == 39 and s.levers[0].cost_per_child_supported == 6800
    assert all(lv.reference for lv in s.levers)
    s.check_against(start=dt.date(2025, 1, 1), end=dt.date(2030, 1, 1))


def test_unknown_lever_names_line_and_allowed_levers():
    text = GOOD.replace("reduce_entries", "reduce_entrants")
    with pytest.raises(ParameterError) as info:
        parse_scenario(text, "mine.yaml")
    msg = info.value.render()
    assert "mine.yaml" in msg and "row 3" in msg and "raise_exits" in msg


def test_percentage_over_100_is_rejected_on_its_line():
    text = GOOD.replace("percent: 10", "percent: 140")
    with pytest.raises(ParameterError) as info:
        parse_scenario(text, "mine.yaml")
    assert "row 6" in info.value.render() and "0-100" in info.value.render()


def test_misspelt_key_is_rejected():
    with pytest.raises(ParameterError, match="ramp_month"):
        parse_scenario(GOOD.replace("ramp_months", "ramp_month"), "mine.yaml")


def test_start_after_horizon_and_unknown_category_are_rejected():
    s = parse_scenario(GOOD.replace("2025-04-01", "2040-01-01"))
    with pytest.raises(ParameterError, match="after the projection ends"):
        s.check_against(start=dt.date(2025, 1, 1), end=dt.date(2030, 1, 1))
    s = parse_scenario(
        "scenario: x\nlevers:\n  - {lever: step_down, start: 2025-01-01, percent: 5, from_category: castle}\n"
    )
    with pytest.raises(ParameterError, match="castle"):
        s.check_against(start=dt.date(2025, 1, 1), end=dt.date(2030, 1, 1))


def test_invalid_yaml_gives_the_line():
    with pytest.raises(ParameterError) as info:
        parse_scenario("scenario: x\nlevers:\n  - lever: [unclosed\n", "bad.yaml")
    assert "bad.yaml" in info.value.render() and "row" in info.value.render()


def test_scenarios_combine():
    a = parse_scenario(GOOD)
    b = load_scenario("ccn_optimised")
    c = a + b
    assert c.scenario == "test + ccn_optimised" and len(c.levers) == 1 + len(b.levers)


def test_ramp_reaches_full_effect_linearly():
    lever = parse_scenario(GOOD).levers[0]
    dates = np.array(
        ["2025-03-01", "2025-04-01", "2025-10-01", "2026-04-01", "2027-01-01"],
        dtype="datetime64[D]",
    )
    r = lever.ramp(dates)
    assert r[0] == 0 and r[1] == 0 and r[-1] == 1 and r[-2] == pytest.approx(1, abs=0.01)
    assert r[2] == pytest.approx(0.5, abs=0.02)


def test_effects_translate_levers_onto_the_time_grid():
    from carecast.scenarios.effects import scenario_effects

    cats = ["fostering_in_house", "fostering_ifa", "residential_external"]
    bands = ["0", "1-4", "5-9", "10-15", "16-17"]
    dates = np.arange(
        np.datetime64("2025-01-01"), np.datetime64("2027-01-01"), np.timedelta64(7, "D")
    )
    s = parse_scenario("""
scenario: t
levers:
  - {lever: reduce_entries, start: 2025-01-01, percent: 10, age_bands: ["16-17"], cost_per_child_supported: 100}
  - {lever: fostering_mix, start: 2026-01-01, percent: 50, from_category: fostering_ifa, to_category: fostering_in_house}
  - {lever: raise_exits, start: 2025-01-01, percent: 20, categories: [fostering_ifa]}
  - {lever: step_down, start: 2025-01-01, percent: 30, after_weeks: 26, from_category: residential_external}
""")
    eff = scenario_effects(s, dates, cats, bands, 7.0)
    assert eff.entry_multiplier[-1].tolist() == [1, 1, 1, 1, pytest.approx(0.9)]
    assert eff.exit_multiplier[-1].tolist() == [1, pytest.approx(1.2), 1]
    assert np.allclose(eff.redirect.sum(axis=2), 1.0)  # still a probability of going somewhere
    assert eff.redirect[0, 1, 1] == 1.0 and eff.redirect[-1, 1, 1] == pytest.approx(0.5)
    assert eff.redirect[-1, 1, 0] == pytest.approx(0.5)
    move = eff.forced_moves[0]
    assert (move.from_index, move.to_index, move.after_steps) == (2, 0, 26)
    assert not eff.is_neutral
    base = scenario_effects(load_scenario("baseline"), dates, cats, bands, 7.0)
    assert base.is_neutral
