"""Regional sufficiency pieces on hand-made cases: pooled capacity, register places, summed demand."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.forecast import ForecastResult
from carecast.scenarios import parse_scenario
from carecast.sufficiency import parse_capacity
from carecast.sufficiency.capacity import combine_capacity, with_scenario
from carecast.sufficiency.demand import category_demand, group_demand
from carecast.sufficiency.region import adolescent_gap, region_councils, register_beds

CATS = ("fostering_in_house", "residential_external")
BANDS = ("0", "1-4", "5-9", "10-15", "16-17")


def _capacity(council, households, per_household, home_places):
    return parse_capacity(
        {
            "council": council,
            "as_at": "2025-04-01",
            "foster_households": {
                "current_households": households,
                "approvals_per_year": 5,
                "deregistration_rate": 0.1,
                "children_per_household": per_household,
                "utilisation": 1.0,
            },
            "homes": [{"name": "H", "category": "residential_in_house", "places": home_places}],
        },
        council,
    )


def test_pooled_capacity_keeps_each_councils_places():
    a, b = _capacity("Lewisham", 100, 1.5, 4), _capacity("Southwark", 50, 1.0, 3)
    pooled = combine_capacity([a, b], "SLCP")
    on = [dt.date(2025, 4, 1)]
    total = pooled.places(on).group_by("category").agg(pl.col("places").sum())
    places = dict(total.iter_rows())
    assert places["fostering_in_house"] == pytest.approx(100 * 1.5 + 50 * 1.0)
    assert places["residential_in_house"] == 7
    fh = pooled.foster_households
    assert fh.approvals_per_year == 10 and fh.deregistrations_per_year == pytest.approx(0.1 * 150)
    assert {h.name for h in pooled.homes} == {"Lewisham: H", "Southwark: H"}
    no_leavers = parse_capacity(
        {
            "council": "Lambeth",
            "as_at": "2025-04-01",
            "foster_households": {"current_households": 10},
        },
        "t",
    )
    assert combine_capacity(
        [a, no_leavers], "x"
    ).foster_households.deregistrations_per_year == pytest.approx(10)


def test_scenario_capacity_lever_adds_and_removes_places():
    cap = _capacity("Lewisham", 100, 1.0, 4)
    scenario = parse_scenario("""\
scenario: homes
levers:
  - {lever: capacity, start: 2026-04-01, category: residential_in_house, places: 6}
  - {lever: capacity, start: 2027-04-01, category: residential_in_house, places: -4}
""")
    res = with_scenario(cap, scenario).places(
        [dt.date(2025, 5, 1), dt.date(2026, 5, 1), dt.date(2027, 5, 1)]
    )
    home = (
        res.filter(pl.col("category") == "residential_in_house")
        .group_by("date")
        .agg(pl.col("places").sum())
        .sort("date")
    )
    assert home["places"].to_list() == [4, 10, 6]


def test_register_places_in_the_region_are_attributed_by_share():
    providers = pl.DataFrame(
        {
            "type": ["childrens_home", "childrens_home", "childrens_home", "ifa", "secure"],
            "owner": ["private", "local_authority", "private", "private", "local_authority"],
            "host_council": ["Lewisham", "Lewisham", "Kent", "Croydon", "Lambeth"],
            "places": [6, 4, 9, 100, 8],
        }
    )
    label, members = region_councils("london")
    assert label == "London" and len(members) == 33 and "Lewisham" in members
    beds, table = register_beds(providers, members, label, share=0.5)
    places = {b.category: b.places for b in beds}
    # council-run homes come from the councils' own files; Kent is not in London
    assert places == {"residential_external": 3, "fostering_ifa": 50, "secure": 4}
    assert table.filter(pl.col("type") == "childrens_home")["places"].item() == 6


def test_region_spec_accepts_partnerships_and_lists():
    assert len(region_councils("SLCP")[1]) == 12
    assert region_councils("Lewisham, southwark")[1] == ["Lewisham", "Southwark"]


def _result(sims: np.ndarray) -> ForecastResult:
    """A forecast whose monthly states are ``sims`` (sims, months) children aged 10-15 in residential care."""
    n_s, n_m = sims.shape
    states = np.zeros((n_s, n_m, len(BANDS), len(CATS)), np.int32)
    states[:, :, 3, 1] = sims
    months = [dt.date(2025, 4 + m, 1) for m in range(n_m)]
    zeros = np.zeros((n_s, n_m, len(CATS)), np.int32)
    return ForecastResult(
        council="x",
        start=months[0],
        step_days=7,
        categories=CATS,
        age_bands=BANDS,
        dates_=months,
        sim_counts_=zeros,
        sim_age_counts_=np.zeros((n_s, n_m, len(BANDS)), np.int32),
        sim_days_=zeros.astype(np.float32),
        month_dates_=months,
        sim_month_states_=states,
        expected_=np.zeros((n_m, len(BANDS), len(CATS))),
        history_=pl.DataFrame(
            schema={"date": pl.Date, "category": pl.Utf8, "age_band": pl.Utf8, "children": pl.Int64}
        ),
    )


def test_regional_demand_is_the_band_of_the_sum_not_the_sum_of_bands():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 20, size=(400, 3))
    b = 20 - a  # perfectly offsetting councils: the region always has 20
    region = ForecastResult.combine([_result(a), _result(b)])
    demand = category_demand(region).filter(pl.col("category") == "residential_external")
    assert demand["p90"].to_list() == [20.0, 20.0, 20.0]
    summed_bands = np.quantile(a, 0.9, axis=0) + np.quantile(b, 0.9, axis=0)
    assert (summed_bands > 25).all()
    teen = group_demand(region, ["residential_external"], 10, "teens")
    assert teen["p50"].to_list() == [20.0, 20.0, 20.0]
    assert group_demand(region, ["residential_external"], 16, "older")["p90"].to_list() == [
        0.0,
        0.0,
        0.0,
    ]


def test_adolescent_gap_sizes_the_block_contract_and_homes():
    months = [dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2026, 4, 1)]
    demand = pl.DataFrame(
        {
            "date": months,
            "category": "teens",
            "mean": [0.0] * 3,
            "p10": [5.0] * 3,
            "p50": [8.0, 9.0, 12.0],
            "p90": [10.0, 11.0, 15.0],
        }
    )
    cap = _capacity("Lewisham", 10, 1.0, 4)  # 4 residential places
    gap = adolescent_gap(demand, cap)
    rows = gap.by_year.sort("financial_year").to_dicts()
    assert [r["block_places_needed_p90"] for r in rows] == [7, 11]
    assert [r["new_4_bed_homes_p90"] for r in rows] == [2, 3]
