"""The forecast: totals add up per simulation; the JSON has the documented shape."""

import json

import numpy as np
import pytest

from carecast.errors import ParameterError
from carecast.published import model, panel, series
from carecast.published.forecast import ForecastRequest, aggregate
from tests.paths import cli
from tests.published.conftest import PUBLISHED


def test_councils_add_up_to_regions_and_england_in_every_simulation(real):
    s = series.from_panel(panel.build(real))
    s = s.take(np.isfinite(s.stock[:, -1]))
    f = model.fit(s, int(s.years[-1]))
    sims = model.simulate(f, 3, n=300, seed=1)
    codes, regions, england = aggregate(sims, s.regions)
    assert len(codes) == 9  # Inner and Outer London filed under London
    np.testing.assert_allclose(regions.sum(1), england)
    for j, code in enumerate(codes):
        np.testing.assert_allclose(regions[:, j], sims[:, s.regions == code].sum(1))
    # bands of the total are not the sum of the councils' bands (councils are not in lockstep)
    assert np.quantile(england[:, 0], 0.95) < np.quantile(sims[:, :, 0], 0.95, axis=0).sum()
    again = model.simulate(f, 3, n=300, seed=1)
    np.testing.assert_array_equal(sims, again)  # fixed seed, same numbers


def test_request_is_checked_before_reading():
    with pytest.raises(ParameterError, match="horizon"):
        ForecastRequest(PUBLISHED, horizon_years=0)


def test_cli_forecast_json(tmp_path):
    import subprocess

    out = tmp_path / "f.json"
    run = subprocess.run(
        [
            cli(),
            "published",
            "forecast",
            str(PUBLISHED),
            "--origin",
            "2023",
            "--horizon-years",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    row = doc["councils"][0]
    assert set(row) == {"ons_code", "dfe_number", "name", "year", "p5", "p25", "p50", "p75", "p95"}
    assert {r["year"] for r in doc["england"]} == {2024, 2025}
    assert all(r["p5"] <= r["p50"] <= r["p95"] for r in doc["councils"])
    # origin 2023: Cumbria's successors did not exist yet, so it is forecast as one area
    names = {r["name"] for r in doc["councils"]}
    assert "Cumberland with Westmorland and Furness" in names and "Cumberland" not in names
    assert "North Northamptonshire" in names  # split back by its 2023 share
    assert len(doc["regions"]) == 9 * 2 and doc["published"]["england"]
