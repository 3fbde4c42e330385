"""A region's councils on a real Dask cluster: a scheduler and two workers on loopback, started as
processes the way a council's IT would start them (``dask scheduler``, ``dask worker``), give the
same numbers as a run on this process."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from carecast.errors import ParameterError
from carecast.execution import scheduler_address

from .conftest import process_council

pytestmark = pytest.mark.slow
DASK = (
    Path(sys.executable).parent / "dask"
)  # the venv's command, beside the interpreter running the tests


def _stop(processes: list[subprocess.Popen]) -> None:
    for p in reversed(processes):  # workers first, then the scheduler
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers; stopped afterwards."""
    if not DASK.exists():
        pytest.skip("the dask command is not installed beside this interpreter")
    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    common = ["--no-dashboard"]
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        log = open(folder / "scheduler.log", "w")  # noqa: SIM115 - closed below
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--scheduler-file",
                    str(address_file),
                    *common,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 120
        while not address_file.exists() and time.monotonic() < deadline:
            assert processes[0].poll() is None, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        assert address_file.exists(), "the scheduler did not start in 2 minutes"
        for i in range(2):
            log = open(folder / f"worker{i}.log", "w")  # noqa: SIM115 - closed below
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        "--scheduler-file",
                        str(address_file),
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--memory-limit",
                        "0",
                        *common,
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=os.environ.copy(),
                )
            )
        address = json.loads(address_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=180)
        yield address
    finally:
        _stop(processes)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    path = tmp_path_factory.mktemp("region") / "episodes.parquet"
    pl.concat(
        [
            process_council(
                seed=s,
                start=dt.date(2016, 4, 1),
                years=8,
                entries_per_year=40 + 10 * s,
                exit_per_year=0.7,
                move_per_year=0.3,
                council=name,
                categories=["fostering_in_house", "fostering_ifa", "residential_external"],
            )
            for s, name in enumerate(["Aville", "Beeton", "Ceeford"])
        ]
    ).write_parquet(path)
    return path


def _tasks_run(address: str) -> list[int]:
    from distributed import Client

    with Client(address, timeout=60) as client:
        return sorted(client.run(lambda dask_worker: dask_worker.state.transition_counter).values())


def test_a_region_on_a_dask_cluster_matches_a_run_on_this_process(
    carecast, cluster, region, tmp_path
):
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    common = ["forecast", region, "--horizon-years", 2, "--simulations", 40, "--seed", 11]
    before = _tasks_run(cluster)
    res = carecast(*common, "--workers", 1, "--out", here)
    assert res.returncode == 0, res.stderr
    res = carecast(*common, "--scheduler", cluster, "--out", there)
    assert res.returncode == 0, res.stderr
    after = _tasks_run(cluster)
    assert all(a > b for a, b in zip(after, before, strict=True)), (
        "both workers should have run councils"
    )
    a, b = json.loads(here.read_text()), json.loads(there.read_text())
    assert (
        a["total"] == b["total"]
        and a["by_category"] == b["by_category"]
        and a["by_age"] == b["by_age"]
    )
    assert a["cost_by_financial_year"] == b["cost_by_financial_year"]
    assert a["total"][-1]["p95"] > a["total"][-1]["p5"]  # a real forecast, not two empty ones


def test_scenarios_on_the_cluster_match_scenarios_here(cluster, region, monkeypatch):
    """Each group of councils is fitted once where it runs and summed per scenario there."""
    from carecast.scenarios import load_scenario, parse_scenario, run_scenarios

    episodes = pl.read_parquet(region)
    cut = parse_scenario(
        "scenario: cut\nlevers:\n  - {lever: reduce_entries, start: 2015-01-01, percent: 20}\n"
    )
    scenarios = [load_scenario("baseline"), cut]
    with pytest.warns(UserWarning):  # the synthetic councils leave most categories empty
        here = run_scenarios(episodes, scenarios, horizon_years=1, n_sims=30, seed=5)
    monkeypatch.setenv("CARECAST_SCHEDULER", cluster)
    with pytest.warns(UserWarning):  # raised on the workers, raised again here
        there = run_scenarios(episodes, scenarios, horizon_years=1, n_sims=30, seed=5)
    for a, b in zip(here.runs, there.runs, strict=True):
        assert np.array_equal(a.result.sim_counts_, b.result.sim_counts_)
        assert np.array_equal(a.result.sim_month_states_, b.result.sim_month_states_)
        assert np.allclose(
            a.costs.sim_by_financial_year_, b.costs.sim_by_financial_year_, rtol=1e-6
        )
    assert here.runs[1].result.sim_counts_.sum() < here.runs[0].result.sim_counts_.sum()


def test_the_scheduler_comes_from_the_environment_and_a_bad_address_is_refused(monkeypatch):
    monkeypatch.setenv("CARECAST_SCHEDULER", "tcp://10.0.0.5:8786")
    assert scheduler_address(None) == "tcp://10.0.0.5:8786"
    assert scheduler_address("tcp://127.0.0.1:9000") == "tcp://127.0.0.1:9000"
    with pytest.raises(ParameterError, match="not a Dask scheduler address"):
        scheduler_address("10.0.0.5")


def test_a_scheduler_nobody_runs_is_a_plain_error(carecast, region, tmp_path):
    res = carecast(
        "forecast",
        region,
        "--simulations",
        5,
        "--scheduler",
        "tcp://127.0.0.1:9",
        "--out",
        tmp_path / "f.json",
    )
    assert res.returncode == 2, res.stderr
    assert (
        "no Dask scheduler answered at tcp://127.0.0.1:9" in res.stderr
        and "Traceback" not in res.stderr
    )
