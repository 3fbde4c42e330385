"""Levers as per-step arrays: properties that must hold for any lever settings."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.scenarios import parse_scenario
from carecast.scenarios.effects import scenario_effects
from carecast.schema import load_categories

CATS = load_categories()
DATES = np.datetime64("2025-04-01") + 7 * np.arange(260)
START = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 1, 1))


def _effects(levers: str):
    s = parse_scenario(f"scenario: x\nlevers:\n{levers}")
    return scenario_effects(s, DATES, list(CATS.categories), list(CATS.age_band_labels), 7.0)


@settings(max_examples=40, deadline=None)
@given(
    start=START,
    ramp=st.integers(0, 60),
    a=st.floats(0, 100),
    b=st.floats(0, 100),
    cut=st.floats(0, 100),
)
def test_effects_stay_valid_for_any_lever_settings(start, ramp, a, b, cut):
    eff = _effects(
        f"  - {{lever: fostering_mix, start: {start}, ramp_months: {ramp}, percent: {a}}}\n"
        f"  - {{lever: fostering_mix, start: {start}, ramp_months: {ramp}, percent: {b},"
        f" from_category: residential_external, to_category: fostering_ifa}}\n"
        f"  - {{lever: reduce_entries, start: {start}, ramp_months: {ramp}, percent: {cut}, age_bands: ['10-15']}}\n"
        f"  - {{lever: step_down, start: {start}, ramp_months: {ramp}, percent: {a}}}\n"
    )
    assert np.allclose(eff.redirect.sum(axis=2), 1.0) and (eff.redirect >= -1e-12).all()
    assert ((eff.entry_multiplier >= 1 - cut / 100 - 1e-12) & (eff.entry_multiplier <= 1)).all()
    band = list(CATS.age_band_labels).index("10-15")
    others = np.delete(eff.entry_multiplier, band, axis=1)
    assert (others == 1).all()  # only the named band is cut
    (move,) = eff.forced_moves
    assert (np.diff(move.probability) >= -1e-12).all() and move.probability.max() <= a / 100 + 1e-12
    before = DATES < np.datetime64(start)
    assert (eff.entry_multiplier[before] == 1).all() and (move.probability[before] == 0).all()
    full = DATES >= np.datetime64(start) + np.timedelta64(int(ramp * 30.4375) + 1, "D")
    assert np.allclose(eff.entry_multiplier[full, band], 1 - cut / 100)
