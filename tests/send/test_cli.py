import json

import pytest

from carecast.send import synthetic


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("send")
    synthetic(1, (2018, 2024), seed=3).write(d)
    return d


def test_forecast_with_grant_and_scenario_writes_json(files, tmp_path, run_cli):
    out = tmp_path / "f.json"
    code, stdout, stderr = run_cli(
        "send",
        "forecast",
        files / "ehcp_records.csv",
        "--simulations",
        "50",
        "--seed",
        "1",
        "--horizon-years",
        "3",
        "--data-start",
        "2018-01-01",
        "--grant",
        "src/carecast/send/data/examples/grant.yaml",
        "--scenario",
        "src/carecast/send/data/examples/send_scenario.yaml",
        "--out",
        out,
    )
    assert code == 0, stderr
    doc = json.loads(out.read_text())
    hn = doc["high_needs"]
    assert hn and all(r["spend_p5"] <= r["spend_p50"] <= r["spend_p95"] for r in hn)
    assert all(
        r["in_year_deficit_p50"]
        == pytest.approx(r["spend_p50"] - r["allocation"] - r["transfers_in"], rel=0.02, abs=2e5)
        for r in hn
    )
    assert "cumulative deficit" in stdout


def test_bad_scenario_exits_2_with_line(files, tmp_path, run_cli):
    sc = tmp_path / "s.yaml"
    sc.write_text(
        "scenario: x\nlevers:\n  - lever: local_special_places\n    start: 2025-01-01\n    places: -5\n"
    )
    code, _, stderr = run_cli(
        "send",
        "forecast",
        files / "ehcp_records.csv",
        "--scenario",
        sc,
        "--out",
        tmp_path / "x.json",
    )
    assert code == 2
    assert "row 5" in stderr and "Traceback" not in stderr


def test_backtest_command_scores_against_a_linear_trend(files, tmp_path, run_cli):
    code, stdout, stderr = run_cli(
        "send",
        "backtest",
        files / "ehcp_records.csv",
        "--origins",
        "1",
        "--simulations",
        "30",
        "--data-start",
        "2018-01-01",
        "--out",
        tmp_path / "b.json",
    )
    assert code == 0, stderr
    assert "naive_linear_trend" in stdout and (tmp_path / "b.json").is_file()


def test_project_counts_from_the_published_form(files, tmp_path, run_cli):
    code, stdout, stderr = run_cli(
        "send",
        "project-counts",
        files / "ehcp_counts.csv",
        "--years-ahead",
        "3",
        "--simulations",
        "100",
        "--seed",
        "1",
        "--grant",
        "src/carecast/send/data/examples/grant.yaml",
        "--out",
        tmp_path / "p.json",
    )
    assert code == 0, stderr
    doc = json.loads((tmp_path / "p.json").read_text())
    assert "plans in 2027" in stdout
    rows = doc["tables"]["projection"]
    assert [r["year"] for r in rows] == [2025, 2026, 2027]
    assert all(r["p5"] <= r["p50"] <= r["p95"] for r in rows)
    assert doc["tables"]["high_needs_position"]
