"""Care leavers on hand-made returns: who counts, staying put, advisers' cost by caseload."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from carecast.aftercare.cohort import Members
from carecast.aftercare.leavers import (
    LEFT_16_17,
    REACHED_18,
    leaver_policy,
    oc3_only,
    past_care_leavers,
    project_leavers,
    staying_put_share,
)
from carecast.errors import ParameterError

AS_OF = dt.date(2024, 3, 31)


def _episodes(rows):
    base = {"council": "Lewisham", "is_short_break": False}
    frame = pl.DataFrame(
        [base | r for r in rows], schema_overrides={"dec": pl.Date, "rec": pl.Utf8}
    )
    frame = frame.with_columns(
        pl.col("dec").alias("period_end"),
        ((pl.col("dec").fill_null(AS_OF) - pl.col("dob")).dt.total_days() / 365.25).alias(
            "age_at_end"
        ),
    )
    return frame


def test_who_is_a_care_leaver():
    """a reached 18 in care (open episode), b left at 17 after 20 weeks (E5), c left at 17 after
    5 weeks, d left at 16 on an SGO, e returned home at 17: only a and b are care leavers."""
    eps = _episodes(
        [
            {
                "child_id": "a",
                "dob": dt.date(2005, 6, 1),
                "decom": dt.date(2020, 1, 1),
                "period_start": dt.date(2020, 1, 1),
                "dec": None,
                "rec": None,
            },
            {
                "child_id": "b",
                "dob": dt.date(2006, 1, 1),
                "decom": dt.date(2022, 9, 1),
                "period_start": dt.date(2022, 9, 1),
                "dec": dt.date(2023, 1, 20),
                "rec": "E5",
            },
            {
                "child_id": "c",
                "dob": dt.date(2006, 1, 1),
                "decom": dt.date(2023, 1, 1),
                "period_start": dt.date(2023, 1, 1),
                "dec": dt.date(2023, 2, 5),
                "rec": "E5",
            },
            {
                "child_id": "d",
                "dob": dt.date(2006, 5, 1),
                "decom": dt.date(2020, 1, 1),
                "period_start": dt.date(2020, 1, 1),
                "dec": dt.date(2022, 8, 1),
                "rec": "E45",
            },
            {
                "child_id": "e",
                "dob": dt.date(2006, 1, 1),
                "decom": dt.date(2020, 1, 1),
                "period_start": dt.date(2020, 1, 1),
                "dec": dt.date(2023, 6, 1),
                "rec": "E4A",
            },
        ]
    )
    past = past_care_leavers(eps, leaver_policy(), AS_OF)
    assert dict(past.select("child_id", "route").iter_rows()) == {"a": REACHED_18, "b": LEFT_16_17}
    share, source = staying_put_share(past, leaver_policy())
    assert share == leaver_policy().staying_put_share and "too few" in source


def test_staying_put_share_comes_from_e17_at_18_when_the_returns_hold_enough():
    rows = [
        {
            "child_id": f"c{i}",
            "dob": dt.date(2004, 1, 1 + i),
            "decom": dt.date(2019, 1, 1),
            "period_start": dt.date(2019, 1, 1),
            "dec": dt.date(2022, 1, 1 + i),
            "rec": "E17" if i < 3 else "E5",
        }
        for i in range(12)
    ]
    past = past_care_leavers(_episodes(rows), leaver_policy(), AS_OF)
    share, source = staying_put_share(past, leaver_policy())
    assert share == pytest.approx(3 / 12) and "E17" in source


def test_oc3_adds_care_leavers_the_episodes_do_not_show():
    past = pl.DataFrame(
        {"council": ["L"], "child_id": ["a"], "dob": [dt.date(2004, 1, 1)], "route": [REACHED_18]}
    )
    oc3 = pl.DataFrame(
        {
            "council": ["L", "L"],
            "child_id": ["a", "z"],
            "dob": [dt.date(2004, 1, 1), dt.date(2003, 2, 2)],
        }
    )
    assert oc3_only(oc3, past).get_column("child_id").to_list() == ["z"]
    assert oc3_only(None, past).height == 0


def test_a_caseload_of_27_costs_one_adviser_a_year():
    """27 care leavers aged 19-20 all year: their adviser cost is one adviser's £45,000."""
    policy = leaver_policy()
    n = 27
    dob = np.full(n, np.datetime64("2000-01-01"))
    m = Members(
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        dob,
        np.full(n, np.datetime64("2018-01-01")),
        np.full(n, np.datetime64("2021-01-01")),
        np.full(n, np.nan),
    )
    weeks = np.datetime64("2018-04-01") + 7 * np.arange(60)
    p = project_leavers(m, policy, 1, weeks)
    assert p.cost[0, 0, 0] == pytest.approx(policy.pa_annual_cost * 365 / 365.25)
    assert p.cohort_at_year_end[0, 0, 0] == 27


def test_a_bad_share_in_the_policy_is_refused(tmp_path):
    from importlib import resources

    text = resources.files("carecast.aftercare").joinpath("data/leavers.yaml").read_text("utf-8")
    f = tmp_path / "leavers.yaml"
    f.write_text(text.replace("value: 0.3\n", "value: 30\n"))
    with pytest.raises(ParameterError) as err:
        leaver_policy(f)
    assert "support.extended_share" in err.value.render() and "leavers.yaml" in err.value.render()
