"""The backtest's arithmetic on a hand-made series, and the baselines by hand."""

import numpy as np
import polars as pl
import pytest

from carecast.published import backtest, baselines


def test_scores_by_hand():
    rows = pl.DataFrame(
        {
            "horizon": [1, 1, 1, 1],
            "method": ["m"] * 4,
            "actual": [100.0, 200.0, 50.0, 400.0],
            "forecast": [110.0, 190.0, 50.0, 300.0],
            "p5": [90.0, 150.0, 55.0, 250.0],
            "p95": [120.0, 250.0, 70.0, 350.0],
            "p25": [105.0, 180.0, 45.0, 280.0],
            "p75": [115.0, 210.0, 60.0, 320.0],
        }
    )
    got = backtest.score(rows, ["horizon", "method"]).row(0, named=True)
    errors = [0.10, -0.05, 0.0, -0.25]
    assert got["mape_pct"] == pytest.approx(sum(abs(e) for e in errors) / 4)  # 0.1
    assert got["bias_pct"] == pytest.approx(sum(errors) / 4)  # -0.05
    assert got["coverage_of_90pct_band"] == pytest.approx(2 / 4)  # 100 and 200 inside
    assert got["coverage_of_50pct_band"] == pytest.approx(2 / 4)  # 200 and 50 inside
    assert got["forecasts"] == 4


def test_baselines_by_hand():
    stock = np.array([[100.0, 110.0, 121.0, 133.1], [10.0, 20.0, 30.0, 40.0]])
    assert baselines.last_value(stock, 2).tolist() == [133.1, 40.0]
    assert baselines.linear_trend(stock, 1)[1] == pytest.approx(50.0)
    assert baselines.linear_trend(stock, 2)[1] == pytest.approx(60.0)
    assert baselines.growth_rate(stock, 2)[0] == pytest.approx(133.1 * 1.1**2)
    growth = np.mean([1.0, 0.5, 1 / 3])
    assert baselines.growth_rate(stock, 1)[1] == pytest.approx(40.0 * (1 + growth))


def test_real_backtest_model_and_baselines(real):
    from carecast.published import panel, series

    rows = backtest.forecasts(series.from_panel(panel.build(real)), n=400)
    table = backtest.score(rows, ["horizon", "method"])
    model = table.filter(pl.col("method") == backtest.MODEL)
    assert set(table["method"]) == {backtest.MODEL, *baselines.METHODS}
    cover = model["coverage_of_90pct_band"].to_list()
    assert all(0.8 <= c <= 0.97 for c in cover)
    trend = table.filter(pl.col("method") == "Linear trend (CCN)")
    assert (model["mape_pct"] < trend["mape_pct"]).all()
