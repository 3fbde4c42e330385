"""Every job logs its start, end and duration, or its failure, and never a child identifier."""

import datetime as dt
import logging

import polars as pl
import pytest

from carecast.errors import InputError
from carecast.services.costs import CostsRequest, run_costs

SECRET = "CHILD-7731-SECRET"


def _episodes(child_id: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "council": ["Lewisham"],
            "child_id": [child_id],
            "decom": [dt.date(2023, 4, 1)],
            "dec": [None],
            "cost_group": ["ifa"],
            "category": ["fostering_ifa"],
            "data_end": [dt.date(2024, 3, 31)],
            "is_short_break": [False],
        },
        schema_overrides={"dec": pl.Date},
    )


def test_a_job_logs_start_end_and_duration_without_child_ids(caplog):
    with caplog.at_level(logging.INFO, logger="carecast"):
        run = run_costs(CostsRequest.build(council="Lewisham"), episodes=_episodes(SECRET))
    assert run.actual.by_financial_year["cost"].sum() > 0
    messages = [r.getMessage() for r in caplog.records if r.name == "carecast.jobs"]
    assert messages[0].startswith("job costs actual started")
    assert "job costs actual finished in" in messages[-1] and messages[-1].endswith(" s")
    assert SECRET not in caplog.text


def test_a_failed_job_logs_its_failure_by_type_and_place_only(caplog, tmp_path):
    missing = tmp_path / "costs.yaml"
    with caplog.at_level(logging.INFO, logger="carecast"), pytest.raises(InputError):
        run_costs(CostsRequest.build(costs=missing), episodes=_episodes(SECRET))
    failure = [
        r for r in caplog.records if "failed" in r.getMessage() and r.name == "carecast.jobs"
    ]
    assert (
        len(failure) == 1
        and "InputError" in failure[0].getMessage()
        and failure[0].exc_info is None
    )
    assert str(missing) in failure[0].getMessage() and SECRET not in caplog.text


def test_a_bug_in_a_job_is_logged_as_an_error_with_its_traceback(caplog, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("carecast.services.costs.actual_costs", broken)
    with caplog.at_level(logging.INFO, logger="carecast"), pytest.raises(ZeroDivisionError):
        run_costs(CostsRequest.build(), episodes=_episodes(SECRET))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        len(errors) == 1
        and errors[0].exc_info is not None
        and "internal error" in errors[0].getMessage()
    )
