"""Every commissioning report writes to each output format, and the JSON shape of a shortlist is as documented."""

import json

import polars as pl
import pytest

from carecast.market.examples import example_directory, example_referral
from carecast.market.matching import FILTERS, match
from carecast.market.reports import match_report, riskpool_report, unmet_report
from carecast.market.riskpool import PoolData, simulate_pool
from carecast.market.unmet import unmet_need
from carecast.outputs import write_report


@pytest.fixture(scope="module")
def result():
    return match(example_referral(), example_directory(150, seed=8))


@pytest.mark.parametrize("ext", ["xlsx", "csv", "json", "html"])
def test_match_report_every_format(tmp_path, result, ext):
    files = write_report(match_report(result, command="test", inputs=[]), tmp_path / f"short.{ext}")
    assert files[0].stat().st_size > 0
    if ext == "csv":
        assert pl.read_csv(files[0]).height == result.shortlist.height
        assert any(f.name == "short.excluded.csv" for f in files)


def test_match_json_shape(tmp_path, result):
    write_report(match_report(result, command="test", inputs=[]), tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert set(doc) >= {
        "reference",
        "weights",
        "filters",
        "shortlist",
        "excluded",
        "questions_before_sending",
        "metadata",
    }
    assert [f["filter"] for f in doc["filters"]] == list(FILTERS)
    assert all(set(e["excluded_by"]) <= set(FILTERS) for e in doc["excluded"])
    first = doc["shortlist"][0]
    assert (
        first["rank"] == 1
        and abs(sum(first[f"pts_{p}"] for p in doc["weights"]) - first["score"]) < 0.6
    )


@pytest.mark.parametrize("ext", ["xlsx", "html"])
def test_riskpool_and_unmet_reports(tmp_path, ext):
    import numpy as np

    data = PoolData(
        ["Lewisham", "Bromley"],
        np.array([1.0, 2.0]),
        np.array([3e5, 6e5]),
        owner=np.array([0, 1, 1]),
        weekly=np.array([6000.0, 7000.0, 9000.0]),
        weeks=np.array([52.0, 30.0, 52.0]),
    )
    res = simulate_pool(data, rule="use", simulations=500, seed=1)
    params = {"simulations": 500, "rule": "use"}
    assert write_report(
        riskpool_report(res, data, command="t", inputs=[], parameters=params), tmp_path / f"p.{ext}"
    )[0].is_file()
    refs = pl.DataFrame(
        {
            "reference": ["A", "B"],
            "council": ["Lewisham"] * 2,
            "need_profile": ["semh", "asd_ld"],
            "urgency": ["planned"] * 2,
            "needed_by": [None, None],
            "referred_on": [None, None],
            "status": ["no_match", "placed"],
            "closing_filter": ["vacancy", None],
            "homes_shortlisted": [0, 3],
            "offers": [0, 1],
            "refusals": [0, 0],
            "refusal_reasons": ["", ""],
        },
        schema_overrides={"needed_by": pl.Date, "referred_on": pl.Date},
    )
    tables = unmet_need(refs)
    out = write_report(
        unmet_report(tables, command="t", inputs=[], suppressed=True, coverage={}),
        tmp_path / f"u.{ext}",
    )
    assert out[0].is_file()
