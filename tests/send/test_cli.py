import json
import subprocess

import pytest

CARECAST = "/work/venv/bin/carecast"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("send")
    res = subprocess.run([CARECAST, "send", "synth", str(d), "--years", "2018-2024", "--seed", "3"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return d


def test_forecast_with_grant_and_scenario_writes_json(files, tmp_path):
    out = tmp_path / "f.json"
    res = subprocess.run([CARECAST, "send", "forecast", str(files / "ehcp_records.csv"), "--simulations", "50",
                          "--seed", "1", "--horizon-years", "3", "--data-start", "2018-01-01",
                          "--grant", "src/carecast/send/data/examples/grant.yaml",
                          "--scenario", "src/carecast/send/data/examples/send_scenario.yaml", "--out", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    hn = doc["high_needs"]
    assert hn and all(r["spend_p5"] <= r["spend_p50"] <= r["spend_p95"] for r in hn)
    assert all(r["in_year_deficit_p50"] == pytest.approx(r["spend_p50"] - r["allocation"] - r["transfers_in"],
                                                        rel=0.02, abs=2e5) for r in hn)
    assert "cumulative deficit" in res.stdout


def test_bad_scenario_exits_2_with_line(files, tmp_path):
    sc = tmp_path / "s.yaml"
    sc.write_text("scenario: x\nlevers:\n  - lever: local_special_places\n    start: 2025-01-01\n    places: -5\n")
    res = subprocess.run([CARECAST, "send", "forecast", str(files / "ehcp_records.csv"), "--scenario", str(sc),
                          "--out", str(tmp_path / "x.json")], capture_output=True, text=True)
    assert res.returncode == 2
    assert "row 5" in res.stderr and "Traceback" not in res.stderr
