import datetime as dt
import warnings

import polars as pl

from carecast.send import send_backtest


def test_backtest_on_synthetic_beats_a_linear_trend_at_12_months(synth):
    origins = [dt.date(2021, 3, 31), dt.date(2022, 3, 31), dt.date(2023, 3, 31)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = send_backtest(
            synth.records,
            origins,
            horizon_months=12,
            n_sims=100,
            seed=0,
            data_start=synth.data_start,
        )
    scores = bt.group_by("method").agg(pl.col("ape_at_horizon_pct", "mape_pct").mean())
    s = {r["method"]: r for r in scores.iter_rows(named=True)}
    assert s["model"]["ape_at_horizon_pct"] < s["naive_linear_trend"]["ape_at_horizon_pct"]
    assert s["model"]["mape_pct"] < s["naive_last_value"]["mape_pct"]
    assert bt.filter(pl.col("method") == "model")["coverage_90"].mean() >= 0.5
