"""The forecast service: a council's own categories reach the costing, and a bad input fails before
anything is fitted (both through ``carecast forecast``, as a user meets them)."""

import datetime as dt
import json
import time
from importlib import resources

import polars as pl
import pytest
import yaml

from carecast.errors import InputError, ParameterError
from carecast.services.forecast import ForecastRequest, run_forecast

from .conftest import process_council

MERGED = {"in_house_fostering": "fostering", "ifa": "fostering"}


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """Episodes cleaned with categories whose two fostering cost groups are one, that categories
    file, and a unit-costs file priced for its groups."""
    folder = tmp_path_factory.mktemp("merged")
    episodes = process_council(
        seed=5,
        start=dt.date(2017, 4, 1),
        years=7,
        entries_per_year=50,
        exit_per_year=0.7,
        move_per_year=0.3,
        categories=["fostering_in_house", "fostering_ifa", "supported"],
    )
    episodes = episodes.with_columns(pl.col("cost_group").replace(MERGED))
    episodes.write_parquet(folder / "episodes.parquet")

    cats = yaml.safe_load(
        resources.files("carecast.schema").joinpath("data/categories.yaml").read_text("utf-8")
    )
    for group in MERGED:
        del cats["cost_groups"][group]
    cats["cost_groups"]["fostering"] = {"label": "Fostering (all)"}
    for rule in cats["rules"]:
        rule["cost_group"] = MERGED.get(rule["cost_group"], rule["cost_group"])
    (folder / "cats.yaml").write_text(yaml.safe_dump(cats), encoding="utf-8")

    costs = yaml.safe_load(
        resources.files("carecast.costs").joinpath("data/unit_costs.yaml").read_text("utf-8")
    )
    costs["cost_groups"]["fostering"] = costs["cost_groups"].pop("ifa")
    del costs["cost_groups"]["in_house_fostering"]
    (folder / "costs.yaml").write_text(yaml.safe_dump(costs), encoding="utf-8")
    return folder


def test_custom_categories_with_merged_cost_groups_forecast_with_costs(carecast, merged, tmp_path):
    out = tmp_path / "f.json"
    res = carecast(
        "forecast",
        merged / "episodes.parquet",
        "--categories",
        merged / "cats.yaml",
        "--costs",
        merged / "costs.yaml",
        "--horizon-years",
        1,
        "--simulations",
        20,
        "--out",
        out,
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    assert doc["cost_by_financial_year"][0]["mean"] > 0
    assert "fostering" in json.dumps(doc["assumptions"]["unit_costs"])


def test_a_missing_costs_file_fails_before_fitting(carecast, merged, tmp_path, monkeypatch):
    def never(*_a, **_k):
        raise AssertionError("the model was fitted before the costs file was checked")

    monkeypatch.setattr("carecast.services.forecast.forecast_councils", never)
    began = time.perf_counter()
    res = carecast(
        "forecast",
        merged / "episodes.parquet",
        "--costs",
        tmp_path / "nope.yaml",
        "--simulations",
        2000,
        "--out",
        tmp_path / "x.json",
    )
    assert time.perf_counter() - began < 1.0
    assert res.returncode == 2, res.stderr
    assert (
        "nope.yaml" in res.stderr
        and "does not exist" in res.stderr
        and "Traceback" not in res.stderr
    )


def test_episodes_cleaned_with_other_cost_groups_are_refused_before_fitting(merged):
    request = ForecastRequest.build(source=merged / "episodes.parquet", simulations=10)
    with pytest.raises(InputError, match="fostering"):
        run_forecast(request)  # the shipped categories have no 'fostering' cost group


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"simulations": 0}, "simulations"),
        ({"horizon_years": 40}, "horizon_years"),
        ({"trend": "linear"}, "trend"),
        ({"trend": "population"}, "population"),
        ({"workers": 0}, "workers"),
    ],
)
def test_bad_options_are_parameter_errors_naming_the_field(options, field):
    with pytest.raises(ParameterError) as caught:
        ForecastRequest.build(source=".", **options)
    assert caught.value.where.field == field


def test_the_default_seed_is_fixed_and_recorded(merged):
    request = ForecastRequest.build(
        source=merged / "episodes.parquet",
        categories=merged / "cats.yaml",
        costs=merged / "costs.yaml",
        simulations=10,
        horizon_years=1,
    )
    first, again = run_forecast(request), run_forecast(request)
    assert first.report.metadata["seed"] == 1
    assert first.report.payload["total"] == again.report.payload["total"]
