"""take_snapshot: which placements are open, where they are, and how tables are computed."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecast.errors import InputError, InsufficientDataError, ParameterError
from carecast.snapshot import load_parameters, resolve_region, take_snapshot

from .snapshot_builders import DATE, build, register


def _snap(specs, **kw):
    episodes, children = build(specs)
    kw.setdefault("date", DATE)
    return take_snapshot(episodes, children, **kw)


def test_open_on_date_excludes_ended_short_breaks_and_stale_data():
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Lambeth", "n": 5},
            {
                "council": "Lambeth",
                "host": "Lambeth",
                "n": 2,
                "dec": DATE,
            },  # ended on the date: not open
            {
                "council": "Lambeth",
                "host": "Lambeth",
                "n": 3,
                "dec": DATE + dt.timedelta(days=1),
            },  # open
            {
                "council": "Lambeth",
                "host": "Lambeth",
                "n": 4,
                "decom": DATE + dt.timedelta(days=1),
            },  # not started
            {"council": "Lambeth", "host": "Lambeth", "n": 6, "short_break": True},
            {
                "council": "Lewisham",
                "host": "Kent",
                "n": 7,
                "data_end": DATE - dt.timedelta(days=1),
            },
            # a return for 2024-25 only cannot say who was looked after on 31/03/2024
            {
                "council": "Croydon",
                "host": "Kent",
                "n": 2,
                "collection_year": 2025,
                "decom": dt.date(2020, 1, 1),
            },
        ]
    )
    assert snap.total_placements == 8
    assert snap.coverage == ["Lambeth"]
    reasons = dict(snap.frame("exclusions").iter_rows())
    assert reasons["short-break episode (LS V3/V4): not looked after for this purpose"] == 6
    assert reasons["open episode but the council's data ends before the snapshot date"] == 7
    assert reasons["open episode but the council's data starts after the snapshot date"] == 2
    cov = dict(snap.frame("coverage_by_council").select("council", "supplied_data").iter_rows())
    assert cov["Lambeth"] and not cov["Lewisham"]


def test_overlapping_open_episodes_keep_the_latest_and_are_counted():
    episodes, children = build([{"council": "Lambeth", "host": "Kent", "n": 1}])
    later = episodes.with_columns(
        pl.col("decom") + pl.duration(days=10), pl.lit("Lambeth").alias("placement_la")
    )
    snap = take_snapshot(pl.concat([episodes, later]), children, date=DATE)
    assert snap.total_placements == 1
    assert snap.location["in_area"] == 1  # the later episode (placed in Lambeth) wins
    assert (
        dict(snap.frame("exclusions").iter_rows())[
            "overlapping episode open on the same date (latest start kept)"
        ]
        == 1
    )


def test_location_classes_and_host_from_register_by_urn():
    reg = register(
        [
            {"urn": "SC1", "council": "Croydon"},
            {"urn": "SC2", "council": "Kent", "rating": "Outstanding"},
        ]
    )
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Lambeth", "n": 5},
            {"council": "Lambeth", "host": None, "urn": "SC1", "n": 6},  # host from the register
            {"council": "Lambeth", "host": None, "urn": "SC2", "n": 7},
            {"council": "Lambeth", "host": None, "in_area": True, "n": 2},  # loader's flag, no host
            {"council": "Lambeth", "host": None, "n": 3},  # nothing known
        ],
        providers=reg,
        suppress=False,
    )
    assert snap.location == {
        "in_area": 7,
        "in_region_out_of_area": 6,
        "out_of_region": 7,
        "unknown": 3,
    }
    src = dict(snap.placements.group_by("host_source").len().iter_rows())
    assert src == {"postcode": 5, "provider register": 13, "none": 5}
    rated = snap.placements.filter(pl.col("urn") == "SC2")["ofsted_rating"].unique().to_list()
    assert rated == ["Outstanding"]
    row = snap.frame("location_by_council").filter(pl.col("cohort") == "all").row(0, named=True)
    assert row["located"] == 20 and row["unknown"] == 3
    assert row["out_of_region_pct"] == pytest.approx(7 / 20)


def test_council_names_are_matched_whatever_the_spelling():
    snap = _snap(
        [
            {"council": "E09000022", "host": "lambeth", "n": 5},
            {"council": "Kingston-upon-Thames", "host": "KENT", "n": 5},
        ]
    )
    assert snap.coverage == ["Kingston upon Thames", "Lambeth"]
    assert snap.location["in_area"] == 5 and snap.location["out_of_region"] == 5


def test_pooled_and_mean_of_councils_differ_as_they_should():
    # Lambeth (Inner): 1 of 10 out of London; Croydon (Outer): 2 of 2 out of London
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Lambeth", "n": 9},
            {"council": "Lambeth", "host": "Kent", "n": 1},
            {"council": "Croydon", "host": "Kent", "n": 2},
        ]
    )
    pooled = snap.frame("location_pooled").filter(
        (pl.col("cohort") == "all") & (pl.col("location") == "out_of_region")
    )
    by_scope = {r["scope"]: r for r in pooled.iter_rows(named=True)}
    assert (by_scope["all"]["numerator"], by_scope["all"]["denominator"]) == (3, 12)
    assert (by_scope["Inner London"]["numerator"], by_scope["Inner London"]["denominator"]) == (
        1,
        10,
    )
    assert by_scope["Outer London"]["councils"] == "Croydon"
    mean = (
        snap.frame("location_mean_of_councils")
        .filter(
            (pl.col("cohort") == "all")
            & (pl.col("scope") == "all")
            & (pl.col("location") == "out_of_region")
        )
        .row(0, named=True)
    )
    assert mean["mean_share"] == pytest.approx((0.1 + 1.0) / 2)
    assert (mean["min_share"], mean["max_share"], mean["councils_at_100_pct"]) == (0.1, 1.0, 1)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=400, allow_nan=False)),
        min_size=1,
        max_size=30,
    )
)
def test_distance_bands_partition_the_placements(distances):
    snap = _snap([{"council": "Lambeth", "host": "Kent", "distance": d} for d in distances])
    dist = snap.frame("distance").filter(pl.col("cohort") == "all")
    assert dist["placements"].sum() == len(distances)
    bands = dict(dist.select("distance_band", "placements").iter_rows())
    assert bands["unknown"] == sum(d is None for d in distances)
    assert bands["50+"] == sum(d is not None and d >= 50 for d in distances)
    assert bands["0-5"] == sum(d is not None and d < 5 for d in distances)


def test_distance_band_edges():
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Kent", "distance": d}
            for d in (0, 4.99, 5, 10, 20, 49.9, 50)
        ]
    )
    got = snap.placements.sort("distance_miles")["distance_band"].to_list()
    assert got == ["0-5", "0-5", "5-10", "10-20", "20-50", "20-50", "50+"]


def test_region_as_a_list_of_councils_treats_the_rest_as_out_of_region():
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Croydon", "n": 5},
            {"council": "Lambeth", "host": "Southwark", "n": 5},
            {"council": "Croydon", "host": "Croydon", "n": 5},
        ],
        region="Lambeth, Southwark",
    )
    assert snap.coverage == ["Lambeth"]
    assert snap.location == {
        "in_area": 0,
        "in_region_out_of_area": 5,
        "out_of_region": 5,
        "unknown": 0,
    }
    assert (
        dict(snap.frame("exclusions").iter_rows())[
            "placed by a council outside the region (counted only in the use of region homes)"
        ]
        == 5
    )


def test_other_councils_use_of_region_homes_is_counted():
    reg = register([{"urn": "SC1", "council": "Croydon", "places": 10}])
    snap = _snap(
        [
            {"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 3},
            {"council": "Kent", "host": "Croydon", "urn": "SC1", "n": 4},
        ],
        providers=reg,
    )
    overall = (
        snap.frame("utilisation").filter(pl.col("host_council") == "All region").row(0, named=True)
    )
    assert (
        overall["used_by_region_councils"],
        overall["used_by_other_councils"],
        overall["vacant"],
    ) == (3, 4, 3)
    assert snap.other_councils == ["Kent"]


def test_register_occupancy_overrides_observed_other_use():
    reg = register([{"urn": "SC1", "council": "Croydon", "places": 10}]).with_columns(
        pl.lit("8").alias("occupied")
    )
    snap = _snap([{"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 3}], providers=reg)
    overall = (
        snap.frame("utilisation").filter(pl.col("host_council") == "All region").row(0, named=True)
    )
    assert (overall["used_by_other_councils"], overall["vacant"]) == (5, 2)
    assert overall["other_use_source"] == "register occupancy"


def test_without_a_register_supply_tables_are_absent():
    snap = _snap([{"council": "Lambeth", "host": "Kent", "n": 5}])
    assert "utilisation" not in snap.tables and "supply_by_host" not in snap.tables
    assert "location_by_council" in snap.tables


def test_typology_thresholds_come_from_parameters():
    specs = [
        {"council": "Lambeth", "host": "Kent", "n": 4},
        {"council": "Lambeth", "host": "Lambeth", "n": 96, "category": "fostering_in_house"},
    ]
    default = _snap(specs)
    assert default.frame("typology_by_council")["group"].to_list() == [
        5
    ]  # 4% residential, none in London
    strict = _snap(specs, thresholds={"typology_residential_share_max": 0.05})
    row = strict.frame("typology_by_council").row(0, named=True)
    assert row["group"] == 1 and "4.0%" in row["reason"]


def test_bad_inputs_raise_plain_errors():
    episodes, children = build([{"council": "Lambeth", "host": "Kent"}])
    with pytest.raises(ParameterError, match="not a date"):
        take_snapshot(episodes, children, date="31st March")
    with pytest.raises(ParameterError, match="neither a region nor a council"):
        take_snapshot(episodes, children, date=DATE, region="Atlantis")
    with pytest.raises(InsufficientDataError, match="no council in London has data covering"):
        take_snapshot(episodes, children, date=DATE - dt.timedelta(days=3650))
    with pytest.raises(InputError, match="no episodes"):
        take_snapshot(episodes.head(0), children, date=DATE)


def test_region_resolution():
    assert len(resolve_region("london").members) == 33
    assert resolve_region("Lambeth,Southwark").members == ("Lambeth", "Southwark")
    with pytest.raises(ParameterError, match="is not a council"):
        resolve_region("Lambeth,Nowhere")


def test_parameter_file_errors_name_the_key(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("typology_residential_share_max: {value: 3}\n")
    with pytest.raises(ParameterError, match="not a share between 0 and 1") as exc:
        load_parameters(bad)
    assert exc.value.where.field == "typology_residential_share_max"
    bad.write_text("no_such_threshold: {value: 1}\n")
    with pytest.raises(ParameterError, match="unknown parameter 'no_such_threshold'"):
        load_parameters(bad)
    bad.write_text("distance_bands_miles: {value: [0, 10, 5]}\n")
    with pytest.raises(ParameterError, match="increasing list"):
        load_parameters(bad)
    ok = tmp_path / "ok.yaml"
    ok.write_text("distance_bands_miles: {value: [0, 25]}\n")
    params = load_parameters(ok)
    assert params.distance_band_labels == ["0-25", "25+"] and str(ok) in params.sources


_COUNCILS = ["Lambeth", "Croydon", "Kent", "Lewisham"]


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_COUNCILS[:2] + ["Lewisham"]),
            st.sampled_from([*_COUNCILS, None]),
            st.sampled_from(["residential_external", "fostering_ifa", "residential_in_house"]),
            st.integers(1, 6),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_tables_add_up(groups):
    """Property: every placement is in exactly one location class, in every table that splits them."""
    specs = [{"council": c, "host": h, "category": cat, "n": n} for c, h, cat, n in groups]
    snap = _snap(specs)
    total = sum(n for *_, n in groups)
    assert snap.total_placements == total and sum(snap.location.values()) == total
    by_council = snap.frame("location_by_council").filter(pl.col("cohort") == "all")
    assert by_council["placements"].sum() == total
    assert (
        by_council["in_area"] + by_council["in_region_out_of_area"] + by_council["out_of_region"]
        == by_council["located"]
    ).all()
    pooled = snap.frame("location_pooled").filter(
        (pl.col("cohort") == "all") & (pl.col("scope") == "all")
    )
    known = pooled.filter(pl.col("location") != "unknown")
    assert known["numerator"].sum() == known["denominator"][0] == total - snap.location["unknown"]
    cats = snap.frame("location_by_category")
    assert (
        cats.filter(~pl.col("category").is_in(["all", "residential"]))["placements"].sum() == total
    )
    assert snap.frame("typology_by_council")["children_looked_after"].sum() == total
    assert snap.frame("cohort_profile")["children"].sum() == total
