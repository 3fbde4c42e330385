"""Unit-cost parameter file: defaults cited, uprating on 1 April, user files validated as a whole."""

import datetime as dt

import pytest
import yaml

from carecast.costs.unit_costs import default_unit_costs, defaults_text, load_unit_costs
from carecast.errors import ParameterError
from carecast.schema import load_categories

# seed_figures.yaml unit_costs_per_week.london_2017_18: Under pressure (Isos, 2019), London 2017-18 weekly rates
SEED = {
    "in_house_fostering": 431,
    "external_fostering": 871,
    "internal_residential": 2575,
    "external_residential": 3316,
    "semi_independent": 856,
    "secure_remand": 2060,
    "secure_welfare": 5468,
}


def test_defaults_cover_every_cost_group_and_are_cited():
    uc = default_unit_costs()
    assert set(uc.groups) == set(load_categories().cost_groups)
    for values in uc.weekly.values():
        assert all(v.reference for v in values)


@pytest.mark.parametrize(
    "group,seed_key",
    [
        ("in_house_fostering", "in_house_fostering"),
        ("ifa", "external_fostering"),
        ("internal_residential", "internal_residential"),
        ("external_residential", "external_residential"),
        ("semi_independent", "semi_independent"),
        ("secure_remand", "secure_remand"),
        ("secure_welfare", "secure_welfare"),
    ],
)
def test_default_unit_costs_against_under_pressure_2019(group, seed_key):
    assert default_unit_costs().weekly_cost(group, dt.date(2017, 9, 1)) == pytest.approx(
        SEED[seed_key]
    )


def test_uprating_happens_on_1_april_not_31_march():
    uc = default_unit_costs().with_weekly({"ifa": 1000}, dt.date(2020, 4, 1), inflation=0.05)
    assert uc.weekly_cost("ifa", dt.date(2021, 3, 31)) == pytest.approx(1000)
    assert uc.weekly_cost("ifa", dt.date(2021, 4, 1)) == pytest.approx(1050)
    assert uc.weekly_cost("ifa", dt.date(2023, 4, 1)) == pytest.approx(1000 * 1.05**3)
    assert uc.weekly_cost("ifa", dt.date(2019, 4, 1)) == pytest.approx(1000 / 1.05)  # deflated back


def _write(tmp_path, doc):
    p = tmp_path / "costs.yaml"
    p.write_text(yaml.safe_dump(doc))
    return p


def _defaults():
    return yaml.safe_load(defaults_text())


def test_edited_user_file_is_used(tmp_path):
    doc = _defaults()
    doc["cost_groups"]["ifa"]["weekly_cost"]["values"] = {"2024-04-01": 999}
    uc = load_unit_costs(_write(tmp_path, doc))
    assert uc.weekly_cost("ifa", dt.date(2024, 6, 1)) == pytest.approx(999)


@pytest.mark.parametrize(
    "mutate,key,words",
    [
        (lambda d: d["cost_groups"].pop("kinship"), "cost_groups.kinship", "no unit cost"),
        (
            lambda d: d["cost_groups"]["ifa"]["weekly_cost"]["values"].update({"2019-04-01": -5}),
            "ifa",
            "negative",
        ),
        (
            lambda d: d["cost_groups"].update({"helicopter": d["cost_groups"]["ifa"]}),
            "helicopter",
            "unknown cost group",
        ),
        (lambda d: d.update({"unit_cost": 1}), "unit_cost", "unknown key"),
        (lambda d: d["cost_groups"]["ifa"].update({"weekly": 1}), "cost_groups.ifa", "unknown key"),
        (
            lambda d: d["cost_groups"]["ifa"]["annual_inflation"]["values"].update(
                {"2019-04-01": 4}
            ),
            "annual_inflation",
            "plausible",
        ),
        (
            lambda d: d["cost_groups"]["ifa"]["weekly_cost"]["values"].update({"soon": 5}),
            "soon",
            "not a date",
        ),
    ],
)
def test_bad_unit_cost_file_names_file_key_and_fix(tmp_path, mutate, key, words):
    doc = _defaults()
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(ParameterError) as exc:
        load_unit_costs(path)
    text = exc.value.render()
    assert str(path) in text and key in text and words in text and "What to do" in text


def test_missing_file_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_unit_costs(tmp_path / "nope.yaml")
