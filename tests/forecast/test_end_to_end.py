"""Synthetic returns → ingest → forecast and backtest, checked against the generator's truth."""

import datetime as dt
import json
import warnings

import polars as pl
import pytest

from carecast.forecast import SparseDataWarning, backtest, forecast_councils
from carecast.ingest import load_returns
from carecast.synth.generate import generate

pytestmark = pytest.mark.filterwarnings("ignore::carecast.forecast.SparseDataWarning")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    truth = generate(
        out, councils=["Lewisham", "Lambeth"], years=(2019, 2024), seed=11, defects=False
    )
    return out, truth, load_returns(out).episodes


def _in_care(episodes: pl.DataFrame, day: dt.date) -> int:
    return (
        episodes.filter(
            (pl.col("decom") <= day)
            & (pl.col("dec").is_null() | (pl.col("dec") > day))
            & ~pl.col("is_short_break")
            & (pl.col("dob").dt.offset_by("18y") > day)
        )
        .get_column("child_id")
        .n_unique()
    )


def test_forecast_starts_from_the_true_number_in_care(synthetic):
    _, truth, episodes = synthetic
    start = dt.date(2024, 3, 31)
    region = forecast_councils(episodes, n_sims=50, horizon_years=1, seed=2)
    assert region.combined.start == start
    first = region.combined.summary().filter(pl.col("breakdown") == "total").row(0, named=True)
    expected = sum(
        _in_care(truth.episodes.filter(pl.col("council") == c), start)
        for c in ("Lewisham", "Lambeth")
    )
    assert first["mean"] == first["p5"] == first["p95"] == expected
    assert set(region.results) == {"Lewisham", "Lambeth"}


def test_forecast_cli_on_synthetic_returns(synthetic, tmp_path, monkeypatch, capsys):
    from carecast import cli

    path, _, _ = synthetic
    out = tmp_path / "f.json"
    monkeypatch.setattr(
        "sys.argv",
        [
            "carecast",
            "forecast",
            str(path),
            "--simulations",
            "40",
            "--seed",
            "3",
            "--horizon-years",
            "2",
            "--out",
            str(out),
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        cli.main()
    doc = json.loads(out.read_text())
    assert len(doc["total"]) == 25 and len(doc["cost_by_financial_year"]) >= 2
    assert set(doc["assumptions"]["councils"]) == {"Lewisham", "Lambeth"}


def test_backtest_on_held_back_synthetic_truth(synthetic):
    _, _, episodes = synthetic
    bt = backtest(episodes, at=dt.date(2023, 3, 31), horizon_months=12, n_sims=200, seed=4)
    model = bt.headline().filter(pl.col("method") == "model").row(0, named=True)
    assert model["mape_pct"] < 0.05
    assert bt.council_metrics() is not None


def test_region_results_do_not_depend_on_the_number_of_workers(synthetic):
    _, _, episodes = synthetic
    one = forecast_councils(
        episodes, n_sims=20, horizon_years=1, seed=5, workers=1, keep_councils=False
    )
    two = forecast_councils(
        episodes, n_sims=20, horizon_years=1, seed=5, workers=2, keep_councils=False
    )
    assert (one.combined.sim_counts_ == two.combined.sim_counts_).all()
    assert set(two.assumptions) == {"Lewisham", "Lambeth"}


def test_workers_must_be_positive(carecast, tmp_path):
    res = carecast("forecast", tmp_path, "--workers", "0", "--out", tmp_path / "f.json")
    assert res.returncode == 2
    assert "workers must be from 1 to 256, not 0" in res.stderr
