"""Placement category rules: (PLACE, PLACE_PROVIDER, LS) → category and cost group."""

import polars as pl
import pytest
import yaml

from carecast.errors import ParameterError
from carecast.schema import load_categories
from carecast.schema.categories import parse_categories


def _classify(rows):
    df = pl.DataFrame(
        rows, schema={"place": pl.Utf8, "place_provider": pl.Utf8, "ls": pl.Utf8}, orient="row"
    )
    return load_categories().classify(df).select("category", "cost_group").rows()


def test_fostering_split_by_provider_as_domain_defines():
    got = _classify(
        [("U4", "PR1", "C2"), ("U5", "PR4", "C2"), ("U6", "PR5", "V2"), ("U1", "PR1", "C2")]
    )
    assert got == [
        ("fostering_in_house", "in_house_fostering"),
        ("fostering_ifa", "ifa"),
        ("fostering_ifa", "ifa"),
        ("kinship", "kinship"),
    ]


def test_residential_secure_and_fallback():
    got = _classify(
        [
            ("K2", "PR1", "C2"),
            ("K2", "PR4", "C2"),
            ("K1", "PR4", "J2"),
            ("K1", "PR1", "C2"),
            ("H5", "PR4", "V2"),
            ("P1", "PR0", "C2"),
            ("Z1", "PR4", "C2"),
            (None, None, None),
        ]
    )
    assert got == [
        ("residential_in_house", "internal_residential"),
        ("residential_external", "external_residential"),
        ("secure", "secure_remand"),
        ("secure", "secure_welfare"),
        ("supported", "semi_independent"),
        ("placed_with_parents", "placed_with_parents"),
        ("other", "other"),
        ("other", "other"),
    ]


def test_age_bands_cover_0_to_18_without_gaps():
    cats = load_categories()
    ages = pl.DataFrame(
        {"age": [0.0, 0.99, 1.0, 4.99, 5.0, 9.5, 10.0, 15.99, 16.0, 17.99, 18.0, -0.1]}
    )
    got = ages.select(cats.age_band_expr("age")).to_series().to_list()
    assert got == [
        "0",
        "0",
        "1-4",
        "1-4",
        "5-9",
        "5-9",
        "10-15",
        "10-15",
        "16-17",
        "16-17",
        None,
        None,
    ]


def test_bad_categories_file_names_the_key_and_the_fix(tmp_path):
    doc = yaml.safe_load(open(_default_path()))
    doc["rules"][0]["category"] = "fostering_unknown"
    with pytest.raises(ParameterError) as info:
        parse_categories(doc, "mine.yaml")
    assert "rules[1]" in info.value.render() and "fostering_unknown" in info.value.render()
    assert "use one of" in info.value.render()


def test_rules_must_end_with_a_catch_all():
    doc = yaml.safe_load(open(_default_path()))
    doc["rules"] = doc["rules"][:-1]
    with pytest.raises(ParameterError, match="catch everything"):
        parse_categories(doc, "mine.yaml")


def test_missing_file_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_categories(tmp_path / "nope.yaml")


def _default_path():
    from importlib import resources

    return str(resources.files("carecast.schema").joinpath("data/categories.yaml"))
