"""``carecast scenario run|check|list`` through the CLI entry point, including bad scenario files."""

import json

import pytest

GOOD = """\
scenario: fewer_entries
levers:
  - lever: reduce_entries
    start: 2025-04-01
    ramp_months: 12
    percent: 10
"""


@pytest.mark.parametrize(
    ("change", "row", "words"),
    [
        (("reduce_entries", "reduce_entrants"), 3, ["reduce_entries", "raise_exits"]),
        (("percent: 10", "percent: 140"), 6, ["0-100"]),
        (("ramp_months: 12", "ramp_month: 12"), 5, ["ramp_month", "remove or rename"]),
    ],
)
def test_bad_scenario_files_exit_2_with_line_and_fix(carecast, tmp_path, change, row, words):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*change))
    r = carecast("scenario", "check", path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert str(path) in r.stderr and f"row {row}" in r.stderr
    for w in words:
        assert w in r.stderr


def test_lever_starting_after_the_horizon_is_rejected(carecast, tmp_path):
    path = tmp_path / "late.yaml"
    path.write_text(GOOD.replace("2025-04-01", "2040-04-01"))
    r = carecast("scenario", "check", path, "--start", "2025-03-31", "--horizon-years", "5")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "after the projection ends" in r.stderr and "move 'start' inside the horizon" in r.stderr


def test_check_prints_the_levers_and_list_shows_builtins(carecast, tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    r = carecast("scenario", "check", path, "--start", "2025-03-31")
    assert r.returncode == 0 and "reduce_entries" in r.stdout and "OK" in r.stdout
    r = carecast("scenario", "list")
    assert r.returncode == 0 and "ccn_optimised" in r.stdout and "baseline" in r.stdout
    r = carecast("scenario", "check", "ccn_optimised", "--start", "2025-03-31")
    assert r.returncode == 0 and "step_down" in r.stdout
    r = carecast("scenario", "check", f"ccn_optimised+{path}", "--start", "2025-03-31")
    assert r.returncode == 0 and "5 lever(s)" in r.stdout  # scenarios combine with '+'


def test_scenario_run_validates_every_file_before_loading_data(carecast, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("percent: 10", "percent: 101"))
    r = carecast(
        "scenario", "run", tmp_path / "no-data-here", "baseline", bad, "--out", tmp_path / "x.json"
    )
    assert (
        r.returncode == 2
        and "row 6" in r.stderr
        and "0-100" in r.stderr
        and "Traceback" not in r.stderr
    )


def test_scenario_run_end_to_end_on_synthetic_returns(carecast, tmp_path):
    from carecast.synth import generate

    generate(tmp_path / "returns", councils=1, years=(2021, 2024), seed=2)
    out = tmp_path / "compare.json"
    r = carecast(
        "scenario",
        "run",
        tmp_path / "returns",
        "baseline",
        "ccn_optimised",
        "--horizon-years",
        "2",
        "--simulations",
        "20",
        "--seed",
        "5",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["scenarios"] == ["baseline", "ccn_optimised"]
    rows = [x for x in doc["net_saving"] if x["financial_year"] == "whole horizon"]
    assert len(rows) == 1
    row = rows[0]
    assert row["net_saving_mean"] == pytest.approx(
        row["gross_saving_mean"] - row["lever_cost_mean"]
    )
    assert row["net_saving_p5"] <= row["net_saving_p50"] <= row["net_saving_p95"]
    assert {x["scenario"] for x in doc["cost_by_financial_year"]} == {"baseline", "ccn_optimised"}
    assert doc["metadata"]["seed"] == 5
    html = tmp_path / "compare.html"
    r = carecast(
        "scenario",
        "run",
        tmp_path / "returns",
        "ccn_optimised",
        "--horizon-years",
        "2",
        "--simulations",
        "10",
        "--seed",
        "5",
        "--out",
        html,
    )
    assert r.returncode == 0 and "Net saving" in html.read_text()


def test_missing_or_repeated_scenario_exits_2(carecast, tmp_path):
    r = carecast("scenario", "run", tmp_path, tmp_path / "nope.yaml", "--out", tmp_path / "x.json")
    assert r.returncode == 2 and "does not exist" in r.stderr and "built-in" in r.stderr
    r = carecast(
        "scenario",
        "run",
        tmp_path / "no-data-here",
        "baseline",
        "baseline",
        "--out",
        tmp_path / "x.json",
    )
    assert r.returncode == 2 and "two scenarios are called 'baseline'" in r.stderr
