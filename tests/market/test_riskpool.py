"""Pooled risk: the pool conserves the group's total cost every simulated year and reduces each council's volatility."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.errors import InputError, InsufficientDataError, ParameterError
from carecast.market.riskpool import PoolData, group_councils, load_pool_data, simulate_pool

FOUR = ["Lewisham", "Greenwich", "Bromley", "Croydon"]


def _identical(rate=2.0, weekly=6000.0, n_obs=20):
    """Four identical councils: each expects ``rate`` placement-years a year at ``weekly`` for 52 weeks."""
    owner = np.repeat(np.arange(4), n_obs)
    return PoolData(
        FOUR,
        np.full(4, rate),
        np.full(4, rate * weekly * 52),
        owner=owner,
        weekly=np.full(owner.size, weekly),
        weeks=np.full(owner.size, 52.0),
    )


POP = dict.fromkeys(FOUR, 60000.0)


@pytest.mark.parametrize("rule", ["population", "use", "mixed"])
@pytest.mark.parametrize("cover", ["whole", "excess"])
def test_pool_conserves_total_cost_every_year(rule, cover):
    data = _identical()
    data.rate = np.array([0.5, 1.0, 3.0, 6.0])
    data.past_use = data.rate * 6000 * 52
    data.weekly = np.linspace(5000, 12000, data.owner.size)
    res = simulate_pool(
        data,
        rule=rule,
        cover=cover,
        population={**POP, "Croydon": 90000.0},
        simulations=2000,
        seed=1,
    )
    np.testing.assert_allclose(res.with_pool.sum(axis=1), res.without.sum(axis=1), rtol=1e-12)
    assert abs(res.shares.sum() - 1) < 1e-12
    total = res.summary().filter(pl.col("council") == "All councils").row(0, named=True)
    assert total["expected_cost_with_pool"] == pytest.approx(
        total["expected_cost_without_pool"], rel=1e-12
    )


def test_pool_halves_volatility_of_four_identical_councils():
    # each council alone: sd = sqrt(2) * 312,000; pooled and split four ways: sd = sqrt(8) * 312,000 / 4, half as much
    res = simulate_pool(_identical(), rule="population", population=POP, simulations=20000, seed=3)
    s = res.summary().filter(pl.col("council") != "All councils")
    annual = 6000 * 52
    np.testing.assert_allclose(s["expected_cost_without_pool"].to_numpy(), 2 * annual, rtol=0.03)
    np.testing.assert_allclose(s["sd_cost_without_pool"].to_numpy(), np.sqrt(2) * annual, rtol=0.03)
    np.testing.assert_allclose(
        s["sd_cost_with_pool"].to_numpy(), np.sqrt(8) * annual / 4, rtol=0.03
    )
    np.testing.assert_allclose(s["volatility_removed_pct"].to_numpy(), 0.5, atol=0.03)
    assert (s["p95_cost_with_pool"] < s["p95_cost_without_pool"]).all()


def test_excess_cover_leaves_the_layer_below_the_threshold_with_the_council():
    data = _identical(rate=1.0, weekly=7000.0)
    res = simulate_pool(
        data,
        rule="population",
        cover="excess",
        threshold=5000,
        population=POP,
        simulations=1000,
        seed=2,
    )
    counts = np.rint(res.without / (7000 * 52)).astype(int)  # placements per council-year
    retained = counts * 5000 * 52
    pooled = counts.sum(axis=1, keepdims=True) * 2000 * 52 / 4
    np.testing.assert_allclose(res.with_pool, retained + pooled)


def test_contribution_rules():
    data = _identical()
    data.past_use = np.array([1.0, 1.0, 2.0, 0.0])
    pop = {"Lewisham": 1.0, "Greenwich": 1.0, "Bromley": 1.0, "Croydon": 1.0}
    use = simulate_pool(data, rule="use", simulations=100, seed=0).shares
    np.testing.assert_allclose(use, [0.25, 0.25, 0.5, 0.0])
    mixed = simulate_pool(
        data, rule="mixed", population=pop, population_share=0.5, simulations=100, seed=0
    ).shares
    np.testing.assert_allclose(mixed, [0.25, 0.25, 0.375, 0.125])


def test_seeded():
    a = simulate_pool(_identical(), rule="use", simulations=500, seed=9).without
    b = simulate_pool(_identical(), rule="use", simulations=500, seed=9).without
    c = simulate_pool(_identical(), rule="use", simulations=500, seed=10).without
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_placements_file_and_group(tmp_path):
    p = tmp_path / "placements.csv"
    p.write_text(
        "council,weekly_cost,weeks,year\nLewisham,6000,52,2023\nLewisham,8000,26,2024\nLewisham,3000,52,2024\n"
        "Bromley,5500,52,2023\nCamden,9000,52,2023\n"
    )
    slcp = group_councils("SLCP")
    assert {"Lewisham", "Bromley", "Croydon"} <= set(slcp) and "Camden" not in slcp
    with pytest.raises(
        InputError, match="no rows in placements.csv: .*Croydon"
    ) as exc:  # not charged silently
        load_pool_data(p, slcp, threshold=5000)
    assert "--charge-councils-without-data" in exc.value.fix
    data = load_pool_data(p, slcp, threshold=5000, charge_councils_without_data=True)
    assert any("charged with no data" in n and "Croydon" in n for n in data.notes)
    i = {c: k for k, c in enumerate(data.councils)}
    assert data.years_observed == 2
    assert (
        data.rate[i["Lewisham"]] == 1.0
        and data.rate[i["Bromley"]] == 0.5
        and data.rate[i["Croydon"]] == 0
    )
    assert data.past_use[i["Lewisham"]] == (6000 * 52 + 8000 * 26) / 2
    assert any("Camden" in n for n in data.notes)


def test_episodes_with_weekly_cost(tmp_path):
    eps = pl.DataFrame(
        {
            "council": ["Lewisham", "Lewisham", "Bromley"],
            "child_id": ["a", "b", "c"],
            "decom": [dt.date(2021, 4, 1), dt.date(2022, 10, 1), dt.date(2020, 1, 1)],
            "dec": [None, dt.date(2023, 3, 31), None],
            "data_end": [dt.date(2024, 3, 31)] * 3,
            "weekly_cost": [7000.0, 6000.0, 2000.0],
        }
    )
    p = tmp_path / "episodes.parquet"
    eps.write_parquet(p)
    data = load_pool_data(p, ["Lewisham", "Bromley"], threshold=5000)
    assert data.years_observed == 3  # 2021-22, 2022-23, 2023-24
    # child a: 3 full years; child b: half of 2022-23 -> 4 placement-years over 3 years
    assert data.rate[0] == pytest.approx(4 / 3) and data.rate[1] == 0
    assert data.weeks.max() == pytest.approx(365 / 7, abs=0.2)


def test_forecast_file(tmp_path):
    p = tmp_path / "forecast.csv"
    p.write_text("council,expected_placements,mean_weekly_cost\nLewisham,3,7000\nBromley,1,6000\n")
    data = load_pool_data(p, [], threshold=5000)
    res = simulate_pool(data, rule="use", simulations=20000, seed=4)
    m = dict(res.summary().select("council", "expected_cost_without_pool").iter_rows())
    assert m["Lewisham"] == pytest.approx(3 * 7000 * 52, rel=0.03) and m[
        "Bromley"
    ] == pytest.approx(6000 * 52, rel=0.05)


@pytest.mark.parametrize(
    "content,error,text",
    [
        ("council,weekly_cost\nAtlantis,6000\n", InputError, "'Atlantis' is not a council"),
        ("council,weekly_cost\nLewisham,-5\n", InputError, "not a positive number"),
        ("council,price_per_day\nLewisham,900\n", InputError, "no weekly cost column"),
        ("council,weekly_cost\nLewisham,900\n", InsufficientDataError, "no placements cost"),
    ],
)
def test_bad_pool_files(tmp_path, content, error, text):
    p = tmp_path / "p.csv"
    p.write_text(content)
    with pytest.raises(error) as info:
        load_pool_data(p, [], threshold=5000)
    assert text in info.value.render()


def test_bad_pool_parameters():
    with pytest.raises(ParameterError, match="needs each council's child population"):
        simulate_pool(_identical(), rule="population", simulations=100)
    with pytest.raises(ParameterError, match="not a contribution rule"):
        simulate_pool(_identical(), rule="lottery", simulations=100)
    with pytest.raises(ParameterError, match="no child population for Croydon"):
        simulate_pool(
            _identical(),
            rule="mixed",
            population={"Lewisham": 1, "Greenwich": 1, "Bromley": 1},
            simulations=100,
        )
    with pytest.raises(ParameterError, match="partnership"):
        group_councils("Narnia Alliance")


def test_cli_riskpool(tmp_path, cli):
    p = tmp_path / "placements.csv"
    p.write_text("council,weekly_cost\nLewisham,6000\nLewisham,7000\nBromley,9000\nCroydon,5500\n")
    pop = tmp_path / "pop.csv"
    pop.write_text("council,population\nLewisham,68272\nBromley,75000\nCroydon,90000\n")
    code, out, _ = cli(
        "riskpool",
        p,
        "--councils",
        "Lewisham,Bromley,Croydon",
        "--rule",
        "mixed",
        "--population",
        pop,
        "--simulations",
        "2000",
        "--out",
        tmp_path / "pool.json",
    )
    assert code == 0 and "All councils" in out
    doc = __import__("json").loads((tmp_path / "pool.json").read_text())
    rows = {r["council"]: r for r in doc["tables"]["riskpool"]}
    assert doc["metadata"]["seed"] == 20240401 and set(rows) == {
        "Lewisham",
        "Bromley",
        "Croydon",
        "All councils",
    }
    code, _, err = cli("riskpool", p, "--rule", "population")
    assert code == 2 and "--population" in err
