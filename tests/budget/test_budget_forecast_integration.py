"""End to end with the forecast model: starters and leavers from simulations give outturn bands."""

import datetime as dt

import pytest

from carecast.costs.budget.inputs import parse_plan
from carecast.costs.budget.outturn import monitor, starters_leavers_from_forecast
from carecast.costs.budget.placements import cost_placements, placements_from_episodes
from carecast.costs.mix import derive_cost_mix
from carecast.costs.unit_costs import default_unit_costs
from carecast.schema import EPISODE_COLUMNS, conform

forecast = pytest.importorskip("carecast.forecast.region")
synth = pytest.importorskip("carecast.synth")


def test_outturn_bands_from_forecast_simulations(tmp_path):
    res = synth.generate(
        tmp_path / "syn", councils=["Lewisham"], years=(2021, 2024), seed=5, defects=False
    )
    eps = conform(res.episodes, EPISODE_COLUMNS)
    as_of = dt.date(2023, 9, 30)
    plan = parse_plan(
        {
            "council": "Lewisham",
            "financial_year": 2023,
            "lines": {
                "fostering": {
                    "budget": 9e6,
                    "cost_groups": ["in_house_fostering", "ifa", "kinship"],
                },
                "other": {
                    "budget": 12e6,
                    "cost_groups": [
                        "internal_residential",
                        "external_residential",
                        "semi_independent",
                        "secure_welfare",
                        "secure_remand",
                        "placed_with_parents",
                        "other",
                    ],
                },
            },
        },
        "budget.yaml",
    )
    uc = default_unit_costs()
    placements = placements_from_episodes(
        eps, start=dt.date(2023, 4, 1), end=dt.date(2024, 3, 31), as_of=as_of
    )
    costed = cost_placements(
        placements, uc, as_of=as_of, fy_start=dt.date(2023, 4, 1), fy_end=dt.date(2024, 3, 31)
    )
    region = forecast.forecast_councils(eps, start=as_of, horizon_years=0.55, n_sims=60, seed=1)
    r = region.combined
    sl = starters_leavers_from_forecast(
        r.dates_,
        list(r.categories),
        r.sim_counts_,
        plan,
        costed,
        uc,
        as_of=as_of,
        category_cost_mix=derive_cost_mix(eps, end=as_of),
    )
    assert set(sl.sims) == {"fostering", "other"} and all(len(v) == 60 for v in sl.sims.values())
    m = monitor(plan, placements, uc, as_of=as_of, starters_leavers=sl)
    lo, hi = m.total_band()
    assert lo < m.total_outturn < hi
    row = m.lines.row(0, named=True)
    assert row["outturn_p5"] <= row["forecast_outturn"] <= row["outturn_p95"]
    # the forecast's children at the start are today's placements: its net starters/leavers is small
    # next to the commitments it is netted against
    assert abs(row["starters_leavers"]) < 0.5 * row["commitments"]
