"""Background jobs: results kept on disk as JSON and Parquet under the carecast version, and a
job's bug logged with its traceback while the user sees a plain message."""

import datetime as dt
import logging
import time

import plotly.graph_objects as go
import polars as pl

import carecast
from carecast.outputs import Report, Section
from carecast.web.jobs import JobManager


def _finish(manager: JobManager, job):
    deadline = time.monotonic() + 10
    while not manager.get(job.id).done:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return manager.get(job.id)


def _result():
    table = pl.DataFrame(
        {"financial_year": ["2024-25"], "cost": [1_234.5], "on": [dt.date(2025, 3, 31)]}
    )
    report = Report(
        "A run",
        {"seed": 1, "parameters": {"start": "2024-04-01"}},
        [
            Section(
                "Cost",
                text="t",
                tables={"cost": table},
                figures=[go.Figure(go.Bar(y=[1, 2]))],
                notes=["n"],
            )
        ],
        payload={"total": [{"date": dt.date(2024, 4, 1), "mean": 3.0}]},
        primary_table="cost",
    )
    return {
        "report": report,
        "start": dt.date(2024, 4, 1),
        "plan": [("p90", "open a home")],
        "notes": [],
    }


def test_a_finished_result_survives_a_restart_without_pickles(tmp_path):
    first = JobManager(tmp_path, workers=1)
    job = _finish(
        first,
        first.submit(
            kind="forecast", key="k1", council="Lewisham", owner_id=1, work=lambda _p: _result()
        ),
    )
    assert job.status == "done"
    first.shutdown()
    assert not list(tmp_path.rglob("*.pickle"))
    assert [p.name for p in tmp_path.iterdir()] == [f"k1-v{carecast.__version__}"]

    again = JobManager(tmp_path, workers=1).submit(
        kind="forecast", key="k1", council="Lewisham", owner_id=1, work=lambda _p: 1 / 0
    )
    assert again.status == "done" and again.message == "Finished (cached)"
    got, want = again.result, _result()
    assert got["start"] == want["start"] and got["plan"] == [["p90", "open a home"]]
    section = got["report"].sections[0]
    assert section.tables["cost"].equals(want["report"].sections[0].tables["cost"])
    assert list(section.figures[0].data[0].y) == [1, 2]
    assert got["report"].payload == want["report"].payload and got["report"].metadata["seed"] == 1


def test_a_bug_in_a_job_is_logged_with_its_traceback_and_shown_plainly(tmp_path, caplog):
    def broken(_progress):
        raise KeyError("internal detail")

    manager = JobManager(tmp_path, workers=1)
    with caplog.at_level(logging.INFO, logger="carecast"):
        job = _finish(
            manager,
            manager.submit(kind="forecast", key="k2", council=None, owner_id=1, work=broken),
        )
    assert (
        job.status == "failed"
        and "internal detail" not in job.error
        and "bug in carecast" in job.error
    )
    failure = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure and failure[0].exc_info is not None and "KeyError" in caplog.text
