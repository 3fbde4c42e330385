"""Golden tests: the snapshot rebuilds the Pan-London Snapshot's published figures (LIIA 2022).

Each test feeds hand-made inputs laid out to match the report (liia_fixtures.py) through
``take_snapshot`` and compares the published tables with the report's numbers at the precision the
report prints them.
"""

from __future__ import annotations

import polars as pl
import pytest

from carecast.schema import councils
from carecast.snapshot import take_snapshot

from .liia_fixtures import (
    LONDON_EXTERNAL,
    OUT_OF_LONDON,
    SEED,
    TYPOLOGY_COUNCILS,
    pan_london,
    typology_inputs,
)
from .snapshot_builders import build, register

LONDON = [c.name for c in councils() if c.region == "London"]


@pytest.fixture(scope="module")
def snap():
    episodes, children, reg = pan_london()
    return take_snapshot(episodes, children, date="2024-03-31", region="london", providers=reg)


def _pooled(snap, cohort, scope, location):
    return (
        snap.frame("location_pooled")
        .filter(
            (pl.col("cohort") == cohort)
            & (pl.col("scope") == scope)
            & (pl.col("location") == location)
        )
        .row(0, named=True)
    )


def test_residential_out_of_london_against_liia_2022(snap):
    """790 residential placements by London boroughs, 532 (67%) outside London."""
    row = _pooled(snap, "residential", "all", "out_of_region")
    assert row["denominator"] == SEED["residential_placements"]
    assert row["numerator"] == SEED["placed_outside_london"]
    assert round(row["share"], 2) == 0.67
    assert row["councils_n"] == len(snap.coverage) and "Lambeth" in row["councils"]
    by_cat = (
        snap.frame("location_by_category")
        .filter(pl.col("category") == "residential")
        .row(0, named=True)
    )
    assert (by_cat["placements"], by_cat["out_of_region"]) == (790, 532)
    # the family placements are in the 'all' cohort but not the residential headline
    assert snap.total_placements == 790 + 20 * 10


def test_utilisation_against_liia_2022(snap):
    """568 externally provided places in London, 201 (35%) used by London boroughs; per host 83% to 0%."""
    util = snap.frame("utilisation")
    overall = util.filter(pl.col("host_council") == "All region").row(0, named=True)
    assert overall["places"] == SEED["external_home_places_in_london"]
    assert overall["used_by_region_councils"] == SEED["places_used_by_london_boroughs"]
    assert round(overall["utilisation_by_region_pct"], 2) == 0.35
    assert overall["vacant"] == overall["places"] - overall["used_by_region_councils"]
    hosts = util.filter(pl.col("host_council") != "All region")
    assert round(hosts["utilisation_by_region_pct"].max(), 2) == SEED["utilisation_range"][0]
    assert hosts["utilisation_by_region_pct"].min() == SEED["utilisation_range"][1]
    assert set(hosts["host_council"]) == set(LONDON_EXTERNAL)


def test_places_per_borough_against_liia_2022(snap):
    """Inner London 13.5 children's home places per borough, Outer London 25.7."""
    area = {r["area"]: r for r in snap.frame("supply_by_area").iter_rows(named=True)}
    assert round(area["Inner"]["places_per_council"], 1) == SEED["places_per_borough"]["inner"]
    assert round(area["Outer"]["places_per_council"], 1) == SEED["places_per_borough"]["outer"]
    assert (area["Inner"]["councils_n"], area["Outer"]["councils_n"]) == (14, 19)
    assert area["all"]["external_places"] == SEED["external_home_places_in_london"]


def test_places_per_home_against_liia_2022(snap):
    """4.9 places per home in London vs 5.2 outside."""
    pph = {
        (r["basis"], r["host_location"]): r["places_per_home"]
        for r in snap.frame("places_per_home").iter_rows(named=True)
    }
    assert round(pph[("register", "in_region")], 1) == SEED["places_per_home"]["london"]
    assert round(pph[("register", "out_of_region")], 1) == SEED["places_per_home"]["outside_london"]


def test_host_reach_against_liia_2022(snap):
    """At the high end, 14 boroughs place in Redbridge."""
    reach = snap.frame("host_reach").filter(
        (pl.col("cohort") == "residential") & pl.col("host_in_region")
    )
    top = reach.row(0, named=True)
    assert (top["host_council"], top["placing_councils"]) == SEED["host_reach_max"]


def test_top_destinations_against_liia_2022(snap):
    """The eight most frequent destinations are outside London and take just under half the placements."""
    top = snap.frame("top_destinations").filter(pl.col("cohort") == "residential").head(8)
    assert top["host_council"].to_list() == list(OUT_OF_LONDON)[:8]
    assert not top["host_in_region"].any()
    assert 0.45 < top["cumulative_share"][-1] < 0.5


def test_ofsted_mix_against_liia_2022():
    """Ratings for 109 London and 403 non-London placements: outstanding 7% vs 21%, RI 20% vs 13%."""
    london = {"Outstanding": 8, "Requires improvement": 22, "Good": 79}
    outside = {"Outstanding": 85, "Requires improvement": 52, "Good": 266}
    homes, specs = [], []
    for where, mix in (("Croydon", london), ("Kent", outside)):
        for rating, n in mix.items():
            urn = f"{where}-{rating}"
            homes.append({"urn": urn, "council": where, "rating": rating})
            specs.append({"council": "Lambeth", "host": where, "urn": urn, "n": n})
    episodes, children = build(specs)
    snap = take_snapshot(episodes, children, date="2024-03-31", providers=register(homes))
    mix = {
        (r["host_location"], r["ofsted_rating"]): r
        for r in snap.frame("ofsted_mix").iter_rows(named=True)
    }
    seed = SEED["ofsted"]
    assert mix[("in_region", "Outstanding")]["denominator"] == seed["london_n"]
    assert mix[("out_of_region", "Outstanding")]["denominator"] == seed["outside_n"]
    assert round(mix[("in_region", "Outstanding")]["share"], 2) == seed["outstanding"]["london"]
    assert (
        round(mix[("out_of_region", "Outstanding")]["share"], 2) == seed["outstanding"]["outside"]
    )
    assert (
        round(mix[("in_region", "Requires improvement")]["share"], 2)
        == seed["requires_improvement"]["london"]
    )
    assert (
        round(mix[("out_of_region", "Requires improvement")]["share"], 2)
        == seed["requires_improvement"]["outside"]
    )


def test_cohort_profile_against_liia_2022():
    """n, mean age, % not White British and % male by placement type."""
    specs = []
    for category, s in SEED["cohort_by_type"].items():
        n = s["n"]
        non_wb, male = round(n * s["not_white_british"]), round(n * s["male"])
        for i in range(n):
            offset = 0.0 if (n % 2 and i == n - 1) else (1.0 if i % 2 else -1.0)
            specs.append(
                {
                    "council": "Lambeth" if i % 2 else "Croydon",
                    "category": category,
                    "host": "Lambeth",
                    "age": s["mean_age"] + offset,
                    "ethnic": "BAFR" if i < non_wb else "WBRI",
                    "sex": 1 if (n - 1 - i) < male else 2,
                }
            )
    episodes, children = build(specs)
    snap = take_snapshot(episodes, children, date="2024-03-31")
    prof = {r["category"]: r for r in snap.frame("cohort_profile").iter_rows(named=True)}
    for category, s in SEED["cohort_by_type"].items():
        row = prof[category]
        assert row["children"] == s["n"]
        assert round(row["mean_age"], 1) == s["mean_age"]
        assert round(row["not_white_british_pct"], 2) == s["not_white_british"]
        assert round(row["male_pct"], 2) == s["male"]
        assert row["councils_n"] == 2


def test_typology_against_liia_2022():
    """The commissioning-pattern typology table: councils per group and the group means."""
    episodes, children, intended = typology_inputs(LONDON)
    snap = take_snapshot(episodes, children, date="2024-03-31", region="london")
    per_council = dict(snap.frame("typology_by_council").select("council", "group").iter_rows())
    assert per_council == intended
    for row in snap.frame("typology").iter_rows(named=True):
        n, in_area, oob, hosts, per_host = SEED["typology"][row["group"]]
        assert row["councils_n"] == n == len(TYPOLOGY_COUNCILS[row["group"]])
        assert round(row["mean_in_area_pct"], 2) == in_area
        assert round(row["mean_in_region_out_of_area_pct"], 2) == oob
        assert round(row["mean_region_hosts_used"], 1) == hosts
        assert round(row["mean_placements_per_region_host"], 1) == per_host
