"""Matching: hard filters never admit an excluded home, every exclusion names its filter, the score is monotone."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecast.errors import ParameterError
from carecast.market.directory import Directory
from carecast.market.examples import example_directory, example_homes, example_referral
from carecast.market.matching import FILTERS, match
from carecast.market.settings import load_settings
from carecast.market.vocab import vocabulary
from carecast.plumbing.geo import Point, distance_miles
from carecast.schema import councils, find_council

VOC = vocabulary()
COUNCIL_NAMES = [c.name for c in councils()][:60]


def _failing(home: dict, ref, excluded_ratings) -> set[str]:
    """An independent, row-by-row statement of the hard filters (the vectorised code must agree)."""
    allowed = set(ref.placement_types.preferred or VOC.types.ids) - set(
        ref.placement_types.unsuitable
    )
    age = int(np.floor(ref.child.age))
    out = set()
    if home["type"] not in allowed:
        out.add("type")
    if (home["age_min"] is not None and home["age_min"] > age) or (
        home["age_max"] is not None and home["age_max"] < age
    ):
        out.add("age")
    if home["sexes"] not in ("any", ref.child.sex):
        out.add("sex")
    if not set(ref.needs) <= set(home["needs"]):
        out.add("needs_registered")
    for z in ref.locations.avoid:
        if z.councils and home["host_council"] in z.councils:
            out.add("exclusion_zone")
        if z.centre is not None:
            c = find_council(z.centre.council)
            if (
                distance_miles(Point(home["lat"], home["lon"]), Point(c.lat, c.lon))
                <= z.radius_miles
            ):
                out.add("exclusion_zone")
    need = 1 + sum(s.live_together for s in ref.siblings or [])
    if home["places"] < need or (
        home["vacancies"] is not None
        and home["vacancies"] < need
        and (home["next_vacancy_date"] is None or home["next_vacancy_date"] > ref.needed_by)
    ):
        out.add("vacancy")
    if ref.urgency == "same_day" and home["same_day_admissions"] is False:
        out.add("same_day")
    if (
        ref.required_ratio
        and home["max_staffing_ratio"] is not None
        and home["max_staffing_ratio"] < ref.required_ratio
    ):
        out.add("staffing_ratio")
    if ref.education_on_site and home["education_on_site"] is False:
        out.add("education_on_site")
    if home["ofsted_rating"] in excluded_ratings:
        out.add("rating")
    return out


referrals = st.fixed_dictionaries(
    {
        "needs": st.lists(st.sampled_from(VOC.needs.ids), max_size=3, unique=True),
        "child": st.fixed_dictionaries(
            {"age": st.floats(0, 17.9), "sex": st.sampled_from(["male", "female"])}
        ),
        "placement_types": st.fixed_dictionaries(
            {
                "preferred": st.lists(st.sampled_from(VOC.types.ids), max_size=2, unique=True),
                "unsuitable": st.lists(st.sampled_from(VOC.types.ids), max_size=2, unique=True),
            }
        ),
        "urgency": st.sampled_from(VOC.urgency.ids),
        "staffing_ratio": st.sampled_from([None, "1:1", "2:1", "3:1", "1:2"]),
        "education_on_site": st.booleans(),
        "needed_by": st.dates(dt.date(2026, 11, 1), dt.date(2027, 3, 1)).map(str),
        "siblings": st.lists(
            st.builds(lambda t: {"age": 10, "live_together": t}, st.booleans()), max_size=3
        ),
        "avoid": st.lists(
            st.one_of(
                st.builds(
                    lambda cs: {"name": "councils", "councils": cs},
                    st.lists(st.sampled_from(COUNCIL_NAMES), min_size=1, max_size=5),
                ),
                st.builds(
                    lambda c, r: {"name": "circle", "centre": {"council": c}, "radius_miles": r},
                    st.sampled_from(COUNCIL_NAMES),
                    st.floats(1, 80),
                ),
            ),
            max_size=2,
        ),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=referrals, seed=st.integers(0, 10_000))
def test_hard_filters_never_admit_an_excluded_home(spec, seed):
    avoid = spec.pop("avoid")
    ref = example_referral(**spec, locations={"home": {"council": "Lewisham"}, "avoid": avoid})
    d = example_directory(60, seed)
    res = match(ref, d)
    excluded_ratings = load_settings().excluded_ratings
    homes = {h["urn"]: h for h in d.homes.iter_rows(named=True)}
    shortlisted, excluded = set(res.shortlist["urn"]), set(res.excluded["urn"])
    assert shortlisted.isdisjoint(excluded) and shortlisted | excluded == set(homes)
    for urn in shortlisted:
        assert _failing(homes[urn], ref, excluded_ratings) == set(), urn
    for row in res.excluded.iter_rows(named=True):
        named = set(row["excluded_by"].split(";"))
        assert named == _failing(homes[row["urn"]], ref, excluded_ratings)
        assert named <= set(FILTERS)
        for f in named:  # the explanation names the filter, with its reason
            assert f"{f}: " in row["reasons"]
    assert res.filters["homes_failing"].to_list() == [
        sum(f in r.split(";") for r in res.excluded["excluded_by"]) for f in FILTERS
    ]
    assert res.filters["homes_left_after"][-1] == len(shortlisted)


def _pair(**changes) -> Directory:
    """Two identical eligible homes; ``changes`` maps column -> (value for A, value for B)."""
    base = example_homes(1, seed=5).with_columns(
        pl.lit("childrens_home").alias("type"),
        pl.lit(["semh", "cse_cce"]).cast(pl.List(pl.Utf8)).alias("needs"),
        pl.lit("any").alias("sexes"),
        pl.lit(10).cast(pl.Int32).alias("age_min"),
        pl.lit(17).cast(pl.Int32).alias("age_max"),
        pl.lit(2).cast(pl.Int32).alias("vacancies"),
        pl.lit(3.0).alias("max_staffing_ratio"),
        pl.lit("good").alias("ofsted_rating"),
        pl.lit(51.27).alias("lat"),
        pl.lit(0.52).alias("lon"),
        pl.lit(4000.0).alias("price_min_weekly"),
        pl.lit(4000.0).alias("price_max_weekly"),
        pl.lit(4).cast(pl.Int32).alias("placements_made"),
        pl.lit(3).cast(pl.Int32).alias("good_outcomes"),
        pl.lit(1).cast(pl.Int32).alias("breakdowns"),
    )
    homes = pl.concat(
        [base.with_columns(pl.lit("A").alias("urn")), base.with_columns(pl.lit("B").alias("urn"))]
    )
    for col, (a, b) in changes.items():
        homes = homes.with_columns(
            pl.when(pl.col("urn") == "A")
            .then(pl.lit(a))
            .otherwise(pl.lit(b))
            .cast(homes.schema[col])
            .alias(col)
        )
    fb = homes.select(
        "urn", pl.lit("any").alias("need"), "placements_made", "good_outcomes", "breakdowns"
    )
    return Directory(homes, fb)


def _scores(d: Directory, **ref_overrides) -> dict[str, float]:
    ref = example_referral(**ref_overrides)
    res = match(ref, d)
    assert res.shortlist.height == 2, res.excluded
    return dict(zip(res.shortlist["urn"], res.shortlist["score"], strict=True))


@settings(max_examples=30, deadline=None)
@given(near=st.floats(0, 1.5), extra=st.floats(0, 1.5))
def test_score_is_monotone_in_distance_from_home(near, extra):
    # both homes east of Lewisham (outside the M25), B further away
    s = _scores(_pair(lon=(0.52 + near, 0.52 + near + extra)))
    assert s["A"] >= s["B"]


@settings(max_examples=30, deadline=None)
@given(a=st.floats(500, 9000), b=st.floats(500, 9000))
def test_score_is_monotone_in_price(a, b):
    s = _scores(_pair(price_min_weekly=(a, b), price_max_weekly=(a, b)))
    assert (s["A"] >= s["B"]) if a <= b else (s["A"] <= s["B"])


@pytest.mark.parametrize(
    "better,worse",
    [
        ("outstanding", "good"),
        ("good", "not_yet_inspected"),
        ("not_yet_inspected", "requires_improvement"),
    ],
)
def test_score_is_monotone_in_rating(better, worse):
    s = _scores(_pair(ofsted_rating=(better, worse)))
    assert s["A"] > s["B"]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 30), k=st.integers(0, 30), extra=st.integers(0, 5))
def test_score_is_monotone_in_track_record(n, k, extra):
    broke = min(k, n)
    fewer = max(broke - extra, 0)
    s = _scores(
        _pair(
            placements_made=(n, n), breakdowns=(fewer, broke), good_outcomes=(n - fewer, n - broke)
        )
    )
    assert s["A"] >= s["B"]


def test_score_is_monotone_in_distance_from_important_places():
    # same distance from home (Lewisham) but A nearer the grandmother in Bromley? Use important place east of both.
    s = _scores(
        _pair(lat=(51.27, 51.27), lon=(0.52, 0.52)),
        locations={
            "home": {"council": "Lewisham"},
            "important": [{"name": "school", "council": "Kent"}],
        },
    )
    assert s["A"] == s["B"]
    s = _scores(
        _pair(lon=(0.60, 0.70)),
        locations={
            "home": {"council": "Lewisham"},
            "important": [{"name": "school", "lat": 51.27, "lon": 0.60}],
        },
    )
    assert s["A"] > s["B"]


def test_points_add_up_and_weights_are_shown_and_configurable():
    d = example_directory(200, seed=2)
    ref = example_referral()
    res = match(ref, d)
    pts = res.shortlist.select(pl.sum_horizontal(pl.col("^pts_.*$"))).to_series()
    assert (pts - res.shortlist["score"]).abs().max() < 0.6  # rounding of each part to 0.1
    assert (
        abs(sum(res.weights.values()) - 1) < 1e-9
        and res.weights["distance_home"] > res.weights["price"]
    )
    only_price = match(
        ref,
        d,
        weights={
            "weights": {
                "distance_home": 0,
                "distance_important_places": 0,
                "rating": 0,
                "track_record": 0,
                "price": 1,
            }
        },
    )
    assert only_price.weights["price"] == 1
    prices = only_price.shortlist["s_price"].to_list()
    assert prices == sorted(prices, reverse=True)


@pytest.mark.parametrize(
    "override,field",
    [
        ({"weights": {"colour": 1}}, "weights"),
        ({"nonsense": 1}, "nonsense"),
        ({"weights": {"price": -1}}, "weights.price"),
        ({"price_ratio_zero_score": 0.1}, "price_ratio_zero_score"),
    ],
)
def test_bad_weights_are_parameter_errors(override, field):
    with pytest.raises(ParameterError) as info:
        load_settings(override)
    assert info.value.where.field == field


@pytest.mark.parametrize(
    "lat,lon,inside",
    [
        (51.44, -0.02, True),
        (51.372, -0.10, True),
        (51.236, -0.570, False),
        (51.27, 0.52, False),
        (51.77, 0.09, False),
        (51.88, -0.42, False),
    ],
)
def test_m25_bail_condition(lat, lon, inside):
    d = _pair(lat=(lat, 51.27), lon=(lon, 0.52))
    res = match(example_referral(), d)
    excluded = dict(zip(res.excluded["urn"], res.excluded["reasons"], strict=True))
    assert ("A" in excluded) == inside
    if inside:
        assert excluded["A"] == "exclusion_zone: inside 'bail conditions: not inside the M25'"


def test_matching_3000_homes_is_fast():

    d = example_directory(3000, seed=1)
    ref = example_referral()
    match(ref, d)
    best = min(_timed(lambda: match(ref, d)) for _ in range(3))
    assert (
        best < 0.4
    )  # the benchmark holds the 200 ms line on a quiet machine; this guards against regressions


def _timed(fn):
    import time

    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_referral_postcodes_use_the_lookup_or_say_why_not(tmp_path):
    from carecast.plumbing.geo import read_directory as load_postcodes

    (tmp_path / "pc.csv").write_text("pcds,oslaua,lat,long\nSE6 4RU,E09000023,51.27,0.52\n")
    d = _pair(lat=(51.27, 51.27), lon=(0.52, 0.62))
    home = {"home": {"postcode": "se64ru"}}
    without = match(example_referral(locations=home), d)
    assert any(
        "cannot be located without --postcodes" in n and "Lewisham" in n for n in without.notes
    )
    located = match(
        example_referral(locations=home), d, postcodes=load_postcodes(tmp_path / "pc.csv")
    )
    assert not any("SE6 4RU" in n for n in located.notes)
    assert located.shortlist.filter(pl.col("urn") == "A")["distance_home_miles"].item() == 0.0
