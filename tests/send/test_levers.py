import datetime as dt

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.send.levers import SendScenario, apply_levers, load_send_scenario, parse_send_scenario

SETTINGS = ("mainstream", "resourced", "special", "inmss", "fe_college", "alternative", "other")
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]


def states(**per_setting):
    s = np.zeros((2, len(MONTHS), 26, len(SETTINGS)))
    for name, n in per_setting.items():
        s[:, :, 10, SETTINGS.index(name)] = n
    return s


def test_example_scenario_loads():
    sc = load_send_scenario("src/carecast/send/data/examples/send_scenario.yaml")
    assert [lv.lever for lv in sc.levers] == [
        "fewer_new_plans",
        "kept_in_mainstream",
        "local_special_places",
        "post19_pathways",
    ]


def test_bad_lever_names_the_line_and_the_fix():
    text = "scenario: x\nlevers:\n  - lever: fewer_new_plans\n    start: 2025-01-01\n    percent: 150\n"
    with pytest.raises(ParameterError) as e:
        parse_send_scenario(text, "s.yaml")
    assert "s.yaml" in str(e.value) and "row 5" in str(e.value) and "0-100" in str(e.value)
    with pytest.raises(ParameterError) as e:
        parse_send_scenario(
            "scenario: x\nlevers:\n  - lever: cheaper_taxis\n    start: 2025-01-01\n", "s.yaml"
        )
    assert "local_special_places" in str(e.value)


def test_local_special_places_take_children_from_inmss_up_to_capacity():
    sc = SendScenario(
        scenario="s",
        levers=[
            {
                "lever": "local_special_places",
                "places": 30,
                "start": dt.date(2025, 6, 1),
                "cost_per_place": 20000,
            }
        ],
    )
    out, cols, notes = apply_levers(states(inmss=50, special=100), SETTINGS, MONTHS, sc)
    j_new = cols.index("local_special_new")
    assert out[:, :5, :, j_new].sum() == 0  # before opening
    assert out[0, 6, :, j_new].sum() == 30 and out[0, 6, :, cols.index("inmss")].sum() == 20
    assert out.sum(axis=3) == pytest.approx(
        states(inmss=50, special=100).sum(axis=3)
    )  # nobody lost
    assert sc.extra_costs(6000) == {"local_special_new": 20000}
    assert notes


def test_post19_pathways_are_not_counted_as_plans():
    sc = SendScenario(
        scenario="s",
        levers=[{"lever": "post19_pathways", "percent": 50, "start": dt.date(2025, 1, 1)}],
    )
    s = np.zeros((1, len(MONTHS), 26, len(SETTINGS)))
    s[:, :, 20, SETTINGS.index("fe_college")] = 10
    s[:, :, 12, SETTINGS.index("special")] = 10
    out, cols, _ = apply_levers(s, SETTINGS, MONTHS, sc)
    assert out[0, 3, 20, cols.index("post19_pathway")] == pytest.approx(5)
    assert out[0, 3, 20, cols.index("fe_college")] == pytest.approx(5)
    assert out[0, 3, 12, cols.index("special")] == 10  # under 19: unchanged


def test_fewer_new_plans_lowers_the_forecast(fitted):
    sc = SendScenario(
        scenario="s",
        levers=[{"lever": "fewer_new_plans", "percent": 50, "start": dt.date(2024, 4, 1)}],
    )
    base = fitted.simulate(horizon_years=2, n_sims=60, seed=2).totals().mean(axis=0)
    less = fitted.simulate(horizon_years=2, n_sims=60, seed=2, scenario=sc).totals().mean(axis=0)
    assert less[0] == base[0]
    assert less[-1] < base[-1] - 0.25 * (base[-1] - base[0])
    # the model is left as it was
    again = fitted.simulate(horizon_years=2, n_sims=60, seed=2).totals().mean(axis=0)
    assert np.array_equal(again, base)


def test_kept_in_mainstream_moves_a_share_of_specialist_growth():
    s = np.zeros((1, len(MONTHS), 26, len(SETTINGS)))
    s[0, :, 10, SETTINGS.index("special")] = np.arange(
        100, 100 + 10 * len(MONTHS), 10
    )  # +10 a month
    sc = SendScenario(
        scenario="s",
        levers=[{"lever": "kept_in_mainstream", "percent": 50, "start": dt.date(2025, 3, 1)}],
    )
    out, cols, _ = apply_levers(s.copy(), SETTINGS, MONTHS, sc)
    kept = out[0, :, 10, cols.index("mainstream_supported")]
    assert kept[:3].sum() == 0
    assert kept[11] == pytest.approx(0.5 * (210 - 120))  # half the growth since March (120 → 210)
    assert out.sum() == pytest.approx(s.sum())
