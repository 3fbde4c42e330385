"""Golden tests: the published figures of Under pressure (Isos for London Councils, 2019) and the
Lewisham s251 comparison (2018), reproduced from panels whose inputs are the reports' own.

The figures come from ../shared/reference/seed_figures.yaml (``london_finance_2017_18`` and
``lewisham_2018``) and the Lewisham s251 table in seeds/lewisham-csc-budget-update-2018.txt (6.2.2).
The London totals are spread over the 33 boroughs with seeded weights; the published totals are
then what the loader and the analyses must give back, through a DfE-shaped long CSV.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from carecast.benchmark import analyse, load_panel, neighbours
from carecast.schema import councils
from tests.paths import SEED_FIGURES, SHARED

from .benchmark_panels import panel_from

SEEDS = yaml.safe_load(SEED_FIGURES.read_text()) if SEED_FIGURES.exists() else None
pytestmark = pytest.mark.skipif(
    SEEDS is None, reason="the shared reference figures are not on this machine"
)


def _fy(label: str) -> int:
    """PyYAML reads the seed file's 2014_15 keys as the integer 201415 (YAML 1.1 digit groups)."""
    return int(label.replace("_", ""))


def _spread(total: float, weights: np.ndarray, integer: bool = False) -> np.ndarray:
    """Split ``total`` over boroughs in proportion to ``weights``, summing exactly to ``total``."""
    parts = total * weights / weights.sum()
    if integer:
        parts = np.floor(parts)
        parts[-1] += total - parts.sum()
    else:
        parts[-1] = total - parts[:-1].sum()
    return parts


@pytest.fixture(scope="module")
def london_panel_csv(tmp_path_factory) -> Path:
    """A DfE-shaped long CSV (la_name, time_period, measure, value) of the 33 London boroughs."""
    fig = SEEDS["london_finance_2017_18"]
    boroughs = [c.name for c in councils() if c.is_london]
    rng = np.random.default_rng(2019)
    w = rng.uniform(0.5, 1.5, len(boroughs))
    m = 1e6
    series = {
        ("hn_spend", 201415): _spread(fig["high_needs_spend_m"][_fy("2014_15")] * m, w),
        ("hn_spend", 201718): _spread(fig["high_needs_spend_m"][_fy("2017_18")] * m, w),
        ("csc_spend", 201415): _spread(fig["csc_net_spend_m"][_fy("2014_15")] * m, w),
        ("csc_spend", 201718): _spread(fig["csc_net_spend_m"][_fy("2017_18")] * m, w),
        ("ehcps", 201415): _spread(fig["ehcps"][_fy("2014_15")], w, integer=True),
        ("ehcps", 201718): _spread(fig["ehcps"][_fy("2017_18")], w, integer=True),
    }
    # 2017-18 budgets: spend less each borough's share of the published in-year shortfall
    series[("csc_budget", 201718)] = series[("csc_spend", 201718)] - _spread(
        fig["in_year_shortfall_m"]["csc"] * m, w
    )
    series[("hn_budget", 201718)] = series[("hn_spend", 201718)] - _spread(
        fig["in_year_shortfall_m"]["high_needs"] * m, w
    )
    rows = [
        {"la_name": b, "time_period": str(period), "measure": measure, "value": f"{v:.2f}"}
        for (measure, period), values in series.items()
        for b, v in zip(boroughs, values, strict=True)
    ]
    path = tmp_path_factory.mktemp("golden") / "london_s251_long.csv"
    pl.DataFrame(rows).write_csv(path)
    return path


def test_high_needs_spend_growth_against_under_pressure_2019(london_panel_csv):
    """897m (2014-15) → 1,020m (2017-18): "an increase of £124 million – 14%" (the text's 897 is
    "just under", so the change from the rounded figures is 123m)."""
    r = analyse(load_panel(london_panel_csv), "Lewisham")
    hn = r.trend_growth.filter(pl.col("measure") == "hn_spend").row(0, named=True)
    assert hn["n"] == 33
    assert hn["total_first_year"] == pytest.approx(897e6) and hn[
        "total_last_year"
    ] == pytest.approx(1020e6)
    assert round(hn["change_pct"], 2) == 0.14
    csc = r.trend_growth.filter(pl.col("measure") == "csc_spend").row(0, named=True)
    assert round(csc["change_pct"], 2) == 0.05  # "a rise of £50 million or 5%"


def test_ehcp_growth_against_under_pressure_2019(london_panel_csv):
    """41,000 → 54,000 EHCPs: "a 31% rise" (31.7% from the rounded counts)."""
    r = analyse(load_panel(london_panel_csv), "Lewisham")
    e = r.trend_growth.filter(pl.col("measure") == "ehcps").row(0, named=True)
    assert (e["total_first_year"], e["total_last_year"]) == (41000, 54000)
    assert e["change_pct"] == pytest.approx(0.31, abs=0.01)


def test_in_year_shortfall_against_under_pressure_2019(london_panel_csv):
    """In-year shortfall 2017-18: £108m children's social care + £77m high needs = £185m."""
    r = analyse(load_panel(london_panel_csv), "Lewisham")
    s = r.deficit_summary.filter(pl.col("basis").str.starts_with("all") & (pl.col("year") == 2017))
    by = dict(zip(s["service"], s["deficit_gbp"], strict=True))
    fig = SEEDS["london_finance_2017_18"]["in_year_shortfall_m"]
    assert by["csc"] == pytest.approx(fig["csc"] * 1e6)
    assert by["hn"] == pytest.approx(fig["high_needs"] * 1e6)
    assert (by["csc"] + by["hn"]) / 1e6 == pytest.approx(fig["combined"])
    assert set(s["n_in_deficit"].to_list()) == {33}


def _lewisham_s251_table() -> list[tuple[str, int, int]]:
    """(line, £ per head aged 0-17, rank) from the Lewisham report's s251 table (6.2.2)."""
    text = (SHARED / "seeds/lewisham-csc-budget-update-2018.txt").read_text()
    rows = re.findall(
        r"^(?:<b>)?(3\.1\.\d+) [^\t]*\t(?:<b>)?(\d+)(?:</b>)?\t(?:<b>)?(\d+)", text, flags=re.M
    )
    return [(line, int(v), int(rank)) for line, v, rank in rows]


def test_neighbour_ranks_against_lewisham_2018():
    """Lewisham's s251 spend per head aged 0-17 and its rank among itself and 10 neighbours
    (rank 1 = highest): a panel with the report's per-head figures gives them back, and LAC
    per 10,000 from 68,272 children at 71.8 is reproduced."""
    table = _lewisham_s251_table()
    assert len(table) == 11
    lew = SEEDS["lewisham_2018"]
    pop = float(lew["children_0_17"])
    others = [
        "Lambeth",
        "Southwark",
        "Greenwich",
        "Hackney",
        "Haringey",
        "Islington",
        "Newham",
        "Wandsworth",
        "Tower Hamlets",
        "Camden",
    ]
    records = {
        ("Lewisham", 2016): {
            "population_0_17": pop,
            "lac": round(lew["lac_per_10k"]["lewisham"] * pop / 1e4),
        }
    }
    for o in others:
        records[(o, 2016)] = {
            "population_0_17": 50_000.0,
            "lac": lew["lac_per_10k"]["stat_neighbours"] * 5,
        }
    for line, per_head, rank in table:
        mid = "s251_" + line.replace(".", "_")
        records[("Lewisham", 2016)][mid] = per_head * pop
        for i, o in enumerate(
            others
        ):  # rank - 1 neighbours spend more, the rest less (or the same at zero)
            above = i < rank - 1
            records[(o, 2016)][mid] = (per_head + 5 if above else max(per_head - 1, 0)) * 50_000.0
    summary, _, _ = neighbours.compare(panel_from(records).wide(), "Lewisham", others, 2016)
    got = {r["measure"]: r for r in summary.iter_rows(named=True)}
    for line, per_head, rank in table:
        row = got["s251_" + line.replace(".", "_")]
        assert row["council_value"] == pytest.approx(per_head)
        assert row["rank"] == rank and row["of"] == 11
    assert round(got["lac"]["council_value"], 1) == lew["lac_per_10k"]["lewisham"]
    assert got["lac"]["neighbour_mean"] == pytest.approx(lew["lac_per_10k"]["stat_neighbours"])
