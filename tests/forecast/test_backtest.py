"""Backtesting: what was known at the origin, scores, baselines, rolling origins."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.errors import InsufficientDataError, ParameterError
from carecast.forecast import as_known_at, backtest
from carecast.forecast.backtest import _linear_trend, rolling_origins, score

from .conftest import make_episodes

pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")

DOB = dt.date(2010, 1, 1)


def test_as_known_at_drops_later_starts_and_reopens_later_ends():
    eps = make_episodes(
        [
            {
                "child_id": "a",
                "decom": dt.date(2020, 1, 1),
                "dec": dt.date(2021, 1, 1),
                "rec": "E4A",
                "dob": DOB,
                "category": "fostering_ifa",
            },
            {
                "child_id": "b",
                "decom": dt.date(2020, 1, 1),
                "dec": dt.date(2023, 1, 1),
                "rec": "E4A",
                "dob": DOB,
                "category": "fostering_ifa",
            },
            {
                "child_id": "c",
                "decom": dt.date(2022, 6, 1),
                "dob": DOB,
                "category": "fostering_ifa",
            },
        ],
        data_end=dt.date(2024, 3, 31),
    )
    known = as_known_at(eps, dt.date(2022, 1, 1))
    assert known["child_id"].to_list() == ["a", "b"]
    assert known["dec"].to_list() == [dt.date(2021, 1, 1), None]
    assert known["rec"].to_list() == ["E4A", None]
    assert known["data_end"].unique().to_list() == [dt.date(2022, 1, 1)]


def test_scores_on_a_hand_made_table():
    table = pl.DataFrame(
        {
            "breakdown": ["total"] * 2,
            "group": ["total"] * 2,
            "horizon_month": [1, 2],
            "actual": [100.0, 200.0],
            "mean": [110.0, 180.0],
            "p5": [90.0, 100.0],
            "p25": [105.0, 150.0],
            "p75": [115.0, 170.0],
            "p95": [120.0, 210.0],
            "naive_last_value": [100.0, 100.0],
            "naive_linear_trend": [100.0, 200.0],
        }
    )
    got = {r["method"]: r for r in score(table).iter_rows(named=True)}
    assert got["model"]["mape_pct"] == pytest.approx(0.10)  # |10|/100 and |20|/200
    assert got["model"]["bias_pct"] == pytest.approx(0.0)  # +10% and -10%
    assert got["model"]["ape_at_horizon_pct"] == pytest.approx(0.10)
    assert got["model"]["in_50_band_pct"] == pytest.approx(0.0)  # 100 < 105; 200 > 170
    assert got["model"]["in_90_band_pct"] == pytest.approx(1.0)
    assert got["naive_last_value"]["mape_pct"] == pytest.approx(0.25)
    assert got["naive_linear_trend"]["mape_pct"] == pytest.approx(0.0)


def test_linear_trend_on_annual_counts_extrapolates_the_line():
    origin = dt.date(2020, 3, 31)
    points = [(dt.date(2018, 3, 31), 100.0), (dt.date(2019, 3, 31), 110.0), (origin, 120.0)]
    got = _linear_trend(origin, points, [dt.date(2021, 3, 31)])
    assert got[0] == pytest.approx(130.0, rel=1e-3)
    assert _linear_trend(origin, [(origin, 50.0)], [dt.date(2021, 3, 31)])[0] == 50.0


def test_backtest_scores_the_known_process(known_process):
    bt = backtest(known_process, at=dt.date(2021, 4, 1), horizon_months=12, n_sims=200, seed=3)
    head = {r["method"]: r for r in bt.headline().iter_rows(named=True)}
    assert set(head) == {"model", "naive_last_value", "naive_linear_trend"}
    assert head["model"]["months"] == 12
    assert 0 <= head["model"]["mape_pct"] < 0.15
    payload = bt.payload()
    assert payload["origin"] == "2021-04-01"
    first = payload["total"][0]
    assert {"date", "mean", "p5", "p25", "p50", "p75", "p95", "actual"} <= set(first)
    assert first["actual"] == first["mean"]  # month 0: everyone in care at the origin is known
    assert len(payload["total"]) == 13 and "fostering_ifa" in payload["by_category"]


def test_rolling_origins_fit_inside_the_data(known_process):
    origins = rolling_origins(known_process, 12, 3)
    assert origins == sorted(origins) and len(origins) == 4
    assert origins[-1] == dt.date(2022, 4, 1)  # data end 1/4/2023 less 12 months
    assert origins[0] == dt.date(2019, 4, 1)
    with pytest.raises(InsufficientDataError, match="too short"):
        rolling_origins(known_process, 12, 9)


def test_backtest_beyond_the_data_is_refused(known_process):
    with pytest.raises(ParameterError, match="needs actuals to"):
        backtest(known_process, at=dt.date(2023, 1, 1), horizon_months=12, n_sims=10)
    with pytest.raises(ParameterError, match="origin date"):
        backtest(known_process, horizon_months=12)


def test_model_bands_cover_most_actuals_on_the_known_process(known_process):
    bt = backtest(known_process, rolling=True, horizon_months=12, n_sims=200, seed=5)
    model = bt.headline().filter(pl.col("method") == "model").row(0, named=True)
    assert model["months"] == 48
    assert 0.6 <= model["in_90_band_pct"] <= 1
    assert np.isfinite(model["bias_pct"])
